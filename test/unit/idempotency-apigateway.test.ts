import type { ReleaseInput } from '../../core/release-input';
import { FakeApiGateway } from '../support/fake-apigateway';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda } from '../support/fake-lambda';
import { idempotency } from '../support/idempotency';
import { releaseInput } from '../support/release-input';
import { useLedger, ACCOUNT, REGION } from './handlers/support';

/**
 * Every Task run twice in a row with the same input (test/support/idempotency.ts),
 * for an API Gateway stage whose integration calls
 * `ai-handler:${stageVariables.lambda_version}`: green is a published version
 * with API Gateway's invoke permission, the switch the stage variable and its
 * canary settings. A stateful stage (FakeApiGateway) and function
 * (FakeLambda), alarms (FakeCloudWatch) and a real ledger (dynalite).
 */

const db = useLedger();
const lambda = new FakeLambda('ai-handler', REGION, ACCOUNT);
const apigw = new FakeApiGateway('a1b2c3d4e5', 'prod');
const cloudwatch = new FakeCloudWatch();
const TARGET_KEY = 'apigateway-stage:a1b2c3d4e5:prod';
const USER_ALARM = 'ai-handler-errors';

const { twice, validated, freeTarget, toFirstStep, rollBackOnAlarm, monitorToEnd, releaseAndRecord } = idempotency({
  ledger: () => db.ledger,
  targetKey: TARGET_KEY,
  cloudwatch,
  // What a retry could duplicate: versions, their invoke permissions, the stage (variables, canary) and the UpdateStage calls.
  target: () => ({
    versions: lambda.versions.map((v) => `${v.version}:${v.description}`),
    env: lambda.env,
    permissions: lambda.permissions,
    variables: apigw.variables,
    canary: apigw.canary ?? null,
    stageUpdates: apigw.patches.length,
  }),
});

const input = (overrides: Partial<ReleaseInput> = {}): ReleaseInput =>
  releaseInput({
    target: { kind: 'apigateway-stage', restApiId: 'a1b2c3d4e5', stageName: 'prod', variable: 'lambda_version', functionName: 'ai-handler' },
    strategy: { type: 'canary', steps: [10], stepSeconds: 120 },
    ...overrides,
  });

beforeAll(() => {
  process.env.CUTOVER_MANAGED_FUNCTIONS = JSON.stringify(['ai-handler']);
  process.env.CUTOVER_MANAGED_STAGES = JSON.stringify([{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }]);
  process.env.CUTOVER_ACCOUNT_ID = ACCOUNT;
});
afterAll(() => {
  delete process.env.CUTOVER_MANAGED_STAGES;
});
beforeEach(async () => {
  // Each test is a new release of the same stage: version 1 of ai-handler behind the stage variable, no canary.
  await freeTarget();
  lambda.startOver();
  const blue = lambda.seed('unused');
  delete lambda.aliases.unused; // the stage alone routes to the function
  apigw.reset();
  apigw.seed(blue);
  cloudwatch.startOver();
  cloudwatch.set(USER_ALARM, 'OK');
});

describe('API Gateway stage: every Task, run twice with the same input, leaves one end state', () => {
  it('a release that succeeds: ValidateInput … RecordOutcome, each Task twice', async () => {
    // Act
    const state = await toFirstStep(input({ decommission: { deleteBlueVersion: true } }));
    expect(apigw.split()).toEqual({ '1': 90, '2': 10 });
    expect([...cloudwatch.alarms.keys()].filter((a) => a.startsWith('cutover-'))).toHaveLength(3);
    await monitorToEnd(state);
    expect(apigw.split()).toEqual({ '2': 100 });
    state.decommission = await twice('decommission', state, { sameAnswer: false }); // second: blue "already gone"
    const outcome = await releaseAndRecord(state);

    // Assess
    expect(outcome.status).toBe('Succeeded');
    expect(apigw.variables).toEqual({ lambda_version: '2' });
    expect(apigw.canary).toBeUndefined();
    expect(apigw.patches).toHaveLength(2); // canary at 10 %, then the variable at 100 % with the canary removed
    expect(lambda.versions.map((v) => v.version)).toEqual(['2']); // green published once, blue deleted once (deleteBlueVersion)
    expect(lambda.permissions).toEqual({ '2': [`cutover-${state.release.id}`] });
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
    expect(await db.ledger.getLock(TARGET_KEY)).toBeUndefined();
    const [item] = await db.ledger.listReleases(TARGET_KEY, 10);
    expect(item).toMatchObject({ status: 'Succeeded', blueVersion: '1', greenVersion: '2', greenPercent: 100 });
    expect(Object.keys(item!.changes).filter((k) => k.startsWith('switch-'))).toEqual(['switch-0', 'switch-1']);
  });

  it('a release rolled back by an alarm: CheckAlarms, RollBackToBlue, Decommission (green), ReleaseLock, RecordOutcome twice each', async () => {
    // Prepare
    const state = await toFirstStep(input());

    // Act
    await rollBackOnAlarm(state);
    state.decommission = await twice('decommission', state, { sameAnswer: false });
    const outcome = await releaseAndRecord(state);

    // Assess
    expect(outcome).toMatchObject({ status: 'RolledBack', error: 'AlarmRollback' });
    expect(apigw.variables).toEqual({ lambda_version: '1' });
    expect(apigw.canary).toBeUndefined();
    expect(apigw.patches.map((ops) => ops.map((o) => `${o.op} ${o.path}`).join(', '))).toEqual([
      'replace /variables/lambda_version, replace /canarySettings/deploymentId, replace /canarySettings/stageVariableOverrides/lambda_version, replace /canarySettings/percentTraffic',
      'replace /variables/lambda_version, remove /canarySettings',
    ]);
    expect(lambda.versions.map((v) => v.version)).toEqual(['1']); // green deleted, once, its permission with it
    expect(lambda.permissions).toEqual({});
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
  });

  it('a PrepareGreen whose answer was lost is retried: the same version, the invoke permission once', async () => {
    // Prepare
    const state = await validated(input());
    state.lock = await twice('acquire-lock', state);

    // Act: the first run published, allowed API Gateway and recorded; its answer is lost.
    state.green = await twice('prepare-green', state);

    // Assess
    expect(state.green).toMatchObject({ blue: '1', green: '2', createdGreen: true });
    expect(lambda.versions.map((v) => v.version)).toEqual(['1', '2']);
    expect(lambda.permissions).toEqual({ '2': [`cutover-${state.release.id}`] });
    expect(lambda.calls.filter((c) => c.op === 'AddPermission')).toHaveLength(2); // the retry asked again and found it there
    expect(apigw.patches).toEqual([]); // no traffic moved
  });
});
