import { LambdaClient } from '@aws-sdk/client-lambda';
import { partitionKey } from '../../core/ledger';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda } from '../support/fake-lambda';
import { idempotency, taskHandler } from '../support/idempotency';
import { releaseInput } from '../support/release-input';
import { lambdaContext, useLedger, ACCOUNT, REGION } from './handlers/support';

/**
 * Every Task run twice in a row with the same input (test/support/idempotency.ts),
 * for a Lambda alias: a stateful Lambda (FakeLambda), alarms (FakeCloudWatch)
 * and a real ledger (dynalite). The SageMaker endpoint and API Gateway stage
 * targets have their own files (idempotency-*.test.ts).
 */

const db = useLedger();
const lambda = new FakeLambda('ai-handler', REGION, ACCOUNT);
const cloudwatch = new FakeCloudWatch();
const client = new LambdaClient({});
const TARGET_KEY = 'lambda-alias:ai-handler:production';
const USER_ALARM = 'ai-handler-errors';
/** What a retry could duplicate or change: versions, $LATEST's environment, the alias (RevisionId included: an extra update changes it). */
const { twice, validated: validate, freeTarget, toFirstStep: firstStep, rollBackOnAlarm, monitorToEnd, releaseAndRecord } = idempotency({
  ledger: () => db.ledger,
  targetKey: TARGET_KEY,
  cloudwatch,
  target: () => ({ versions: lambda.versions.map((v) => `${v.version}:${v.description}`), env: lambda.env, aliases: lambda.aliases }),
});

beforeAll(() => {
  process.env.CUTOVER_MANAGED_FUNCTIONS = JSON.stringify(['ai-handler']);
  process.env.CUTOVER_ACCOUNT_ID = ACCOUNT;
  process.env.CUTOVER_EVENTS = 'off';
  process.env.AWS_REGION = REGION;
});
afterAll(() => {
  client.destroy();
  delete process.env.CUTOVER_EVENTS;
});
beforeEach(async () => {
  // Each test is a new release of the same target.
  await freeTarget();
  lambda.startOver();
  lambda.seed('production');
  cloudwatch.startOver();
  cloudwatch.set(USER_ALARM, 'OK');
});

const canary = () => releaseInput({ strategy: { type: 'canary', steps: [10], stepSeconds: 120 } });
const validated = () => validate(canary());
/** Up to the first canary step, each Task twice. */
const toFirstStep = () => firstStep(canary());

describe('every Task, run twice with the same input, leaves one end state', () => {
  it('a release that succeeds: ValidateInput … RecordOutcome, each Task twice', async () => {
    // Act
    const state = await toFirstStep();
    expect(lambda.split()).toEqual({ '1': 90, '2': 10 });
    expect(lambda.versions).toHaveLength(2);
    expect([...cloudwatch.alarms.keys()].filter((a) => a.startsWith('cutover-'))).toHaveLength(3);
    await monitorToEnd(state);
    expect(lambda.split()).toEqual({ '2': 100 });
    state.decommission = await twice('decommission', state, { sameAnswer: false }); // second: "already gone" or nothing to do
    await releaseAndRecord(state);
    // Assess
    expect(state.outcome.status).toBe('Succeeded');
    expect(lambda.split()).toEqual({ '2': 100 });
    expect(lambda.versions.map((v) => v.version)).toEqual(['1', '2']); // blue kept (deleteBlueVersion false), green once
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
    expect(await db.ledger.getLock(TARGET_KEY)).toBeUndefined();
    const [item] = await db.ledger.listReleases(TARGET_KEY, 10);
    expect(item!.status).toBe('Succeeded');
    expect(Object.keys(item!.changes).filter((k) => k.startsWith('switch-'))).toEqual(['switch-0', 'switch-1']);
  });

  it('a release rolled back by an alarm: CheckAlarms, RollBackToBlue, Decommission (green), ReleaseLock, RecordOutcome twice each', async () => {
    // Prepare
    const state = await toFirstStep();
    // Act
    await rollBackOnAlarm(state);
    state.decommission = await twice('decommission', state, { sameAnswer: false });
    await releaseAndRecord(state);
    // Assess
    expect(state.outcome).toMatchObject({ status: 'RolledBack', error: 'AlarmRollback' });
    expect(lambda.split()).toEqual({ '1': 100 });
    expect(lambda.versions.map((v) => v.version)).toEqual(['1']); // green deleted, once
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
  });

  it('a PrepareGreen whose answer was lost is retried: the same version, created by this release', async () => {
    // Prepare
    const state = await validated();
    state.lock = await twice('acquire-lock', state);
    // Act: the first run published and recorded, its answer lost; the retry is what the state machine keeps.
    state.green = await twice('prepare-green', state);
    // Assess
    expect(state.green).toMatchObject({ blue: '1', green: '2', createdGreen: true });
    expect(lambda.versions).toHaveLength(2);
  });

  it('Decommission after a PrepareGreen that failed after publishing removes the orphan once', async () => {
    // Prepare: PrepareGreen published, then failed; the state has the error but no green.
    const state = await validated();
    state.lock = await twice('acquire-lock', state);
    await taskHandler('prepare-green')(JSON.parse(JSON.stringify(state)), lambdaContext('prepare-green'));
    expect(lambda.versions).toHaveLength(2);
    state.error = { Error: 'Runtime.ExitError', Cause: 'killed' };
    // Act
    state.decommission = await twice('decommission', state, { sameAnswer: false });
    // Assess
    expect(lambda.versions.map((v) => v.version)).toEqual(['1']);
    expect(lambda.split()).toEqual({ '1': 100 });
  });

  it('a ledger item per release, keyed by the execution: nothing keyed by attempt', async () => {
    // Prepare
    const before = (await db.ledger.listReleases(TARGET_KEY, 100)).length;
    // Act
    const state = await toFirstStep();
    // Assess
    const items = await db.ledger.listReleases(TARGET_KEY, 100);
    expect(items).toHaveLength(before + 1);
    expect(items.filter((i) => i.releaseId === state.release.id)).toHaveLength(1);
    expect(items[0]!.pk).toBe(partitionKey(TARGET_KEY));
  });
});
