import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DeleteFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { decommission, succeeded } from '../../../functions/decommission/decommission';
import { handler } from '../../../functions/decommission/handler';
import type { Progress, ReleaseState } from '../../../core/release-state';
import { LambdaAliasRouter } from '../../../targets/lambda-alias';
import { ownerFence } from '../../../functions/kit/fence';
import { DEFAULT_SETTLE } from '../../../targets/lambda-versions';
import { FakeApiGateway } from '../../support/fake-apigateway';
import { FakeCloudWatch } from '../../support/fake-cloudwatch';
import { awsError, FakeLambda } from '../../support/fake-lambda';
import { clock, greenOf, holdLock, itemOf, lambdaContext, rejectionOf, releaseContext, useLedger } from './support';

const db = useLedger();
const lambda = new FakeLambda();
const cloudwatch = new FakeCloudWatch();
const client = new LambdaClient({});
const cw = new CloudWatchClient({});
const target = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };
const router = () => new LambdaAliasRouter(target, client);
const deps = () => ({ ledger: db.ledger, router: router(), cloudwatch: cw, alarmPrefix: 'cutover-', now: clock });
const versions = () => lambda.versions.map((v) => v.version);
const deletes = () => lambda.calls.filter((c) => c.op === 'DeleteFunction').map((c) => c.input.Qualifier);

const done: Progress = {
  steps: [100],
  stepIndex: 0,
  greenPercent: 100,
  phase: 'retention',
  phaseSeconds: 600,
  remainingSeconds: 0,
  pollSeconds: 300,
  waitSeconds: 0,
  next: 'Decommission',
  polls: 6,
  ignoredAlarms: [],
};

let n = 0;
let id = '';
function stateWith(extra: Partial<ReleaseState> = {}, overrides: object = {}): ReleaseState {
  id = `dec-${++n}`;
  return { release: releaseContext(overrides, id), green: greenOf('1', '2'), ...extra };
}
const releaseAlarmNames = () => [`cutover-${id}-error-rate`, `cutover-${id}-p95-latency`, `cutover-${id}-output-schema`];

beforeEach(() => {
  lambda.startOver();
  lambda.seed('production');
  lambda.versions.push({ version: '2', codeSha256: 'sha-2', env: {}, description: 'cutover' });
  lambda.calls = [];
  cloudwatch.startOver();
  cloudwatch.set('user-errors', 'OK');
});
afterAll(() => {
  client.destroy();
  cw.destroy();
});

describe('decommission after a release that succeeded', () => {
  beforeEach(() => {
    lambda.aliases.production = { FunctionVersion: '2', weights: {}, RevisionId: 'rev-green' };
  });

  it('retires blue: drops its provisioned concurrency, keeps the version by default, deletes the release alarms', async () => {
    // Prepare
    const state = stateWith({ progress: done });
    releaseAlarmNames().forEach((a) => cloudwatch.set(a, 'OK'));

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(out.retired).toBe('blue');
    expect(versions()).toEqual(['1', '2']);
    expect(lambda.calls.find((c) => c.op === 'DeleteProvisionedConcurrencyConfig')?.input).toEqual({ FunctionName: 'ai-handler', Qualifier: '1' });
    expect(out.kept).toEqual([{ what: 'ai-handler:1', why: 'decommission.deleteBlueVersion is false' }]);
    expect([...cloudwatch.alarms.keys()]).toEqual(['user-errors']);
    expect(out.removed).toEqual(releaseAlarmNames().map((a) => `alarm ${a}`));
    const item = await itemOf(db.ledger, state.release);
    expect(item?.cleanup).toEqual({ removed: out.removed, kept: out.kept });
    expect(item?.changes.decommissioned.detail).toContain('kept ai-handler:1 (decommission.deleteBlueVersion is false)');
  });

  it('deletes blue when deleteBlueVersion is set', async () => {
    // Act
    const out = await decommission(stateWith({ progress: done }, { decommission: { deleteBlueVersion: true } }), deps());

    // Assess
    expect(versions()).toEqual(['2']);
    expect(out.removed).toContain('ai-handler:1');
  });

  it('never deletes blue while another alias routes to it, even as a weighted version', async () => {
    // Prepare
    lambda.aliases.staging = { FunctionVersion: '2', weights: { '1': 0.25 }, RevisionId: 'rev-s' };

    // Act
    const out = await decommission(stateWith({ progress: done }, { decommission: { deleteBlueVersion: true } }), deps());

    // Assess
    expect(versions()).toEqual(['1', '2']);
    expect(deletes()).toEqual([]);
    expect(out.kept).toEqual([{ what: 'ai-handler:1', why: 'alias staging routes traffic to it' }]);
  });

  it('never deletes blue while a managed API Gateway stage of the same function selects it (variable or canary override)', async () => {
    // Prepare: the stage a1b2c3d4e5/prod calls ai-handler:${stageVariables.lambda_version}, still on version 1.
    const apigw = new FakeApiGateway();
    apigw.seed('1');
    const apiClient = new APIGatewayClient({});
    const stages = { stages: [{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }, { restApiId: 'gone000000', stageName: 'old' }], apigateway: () => apiClient };
    const withStages = new LambdaAliasRouter(target, client, DEFAULT_SETTLE, stages);

    // Act
    const kept = await decommission(stateWith({ progress: done }, { decommission: { deleteBlueVersion: true } }), { ...deps(), router: withStages });
    apigw.seed('2');
    apigw.canary = { percentTraffic: 10, stageVariableOverrides: { lambda_version: '1' } };
    const keptByCanary = await decommission(stateWith({ progress: done }, { decommission: { deleteBlueVersion: true } }), { ...deps(), router: withStages });
    apigw.canary = undefined;
    const deleted = await decommission(stateWith({ progress: done }, { decommission: { deleteBlueVersion: true } }), { ...deps(), router: withStages });

    // Assess: kept while the stage selects it (a stage that no longer exists routes nothing), deleted once it does not
    expect(kept.kept).toEqual([{ what: 'ai-handler:1', why: 'stage a1b2c3d4e5/prod (variable lambda_version) routes traffic to it' }]);
    expect(keptByCanary.kept).toEqual([{ what: 'ai-handler:1', why: 'stage a1b2c3d4e5/prod (canary override lambda_version) routes traffic to it' }]);
    expect(deleted.removed).toContain('ai-handler:1');
    expect(versions()).toEqual(['2']);
    apigw.mock.restore();
    apiClient.destroy();
  });
});

describe('decommission by an execution that no longer holds the lock (redriven after a takeover)', () => {
  it('deletes its own alarms and retires nothing of the target', async () => {
    // Prepare: the release failed after the switch, and another release now holds the target.
    const state = stateWith({ error: { Error: 'LockLost', Cause: 'x' } });
    releaseAlarmNames().forEach((a) => cloudwatch.set(a, 'OK'));
    const other = releaseContext({}, 'the-new-owner');
    await holdLock(db.ledger, other);

    // Act
    const out = await decommission(state, { ...deps(), fence: ownerFence(db.ledger) });

    // Assess
    expect(out.retired).toBeNull();
    expect(versions()).toEqual(['1', '2']);
    expect(deletes()).toEqual([]);
    expect(lambda.calls.map((c) => c.op)).not.toContain('UpdateFunctionConfiguration');
    expect(out.removed).toEqual(releaseAlarmNames().map((a) => `alarm ${a}`));
    expect(out.kept).toEqual([{ what: state.release.targetKey, why: expect.stringContaining(`execution ${other.executionArn} holds its lock`) }]);
  });
});

describe('decommission after a release that failed or rolled back', () => {
  it('retires green and deletes it when this release created it', async () => {
    // Prepare: rolled back, the alias is on blue.
    const state = stateWith({ progress: { ...done, next: 'Rollback' }, rollback: { trigger: 'alarm', reason: 'x', restored: '1', at: 'now' } });

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(out.retired).toBe('green');
    expect(versions()).toEqual(['1']);
    expect(out.removed).toContain('ai-handler:2');
  });

  it('keeps green when this release did not create it', async () => {
    // Prepare
    const state = stateWith({ green: greenOf('1', '2', false), error: { Error: 'SmokeTestFailed', Cause: 'x' } });

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(versions()).toEqual(['1', '2']);
    expect(out.kept).toEqual([{ what: 'ai-handler:2', why: 'this release did not create it' }]);
  });

  it('never deletes green while the alias still routes to it (a rollback that failed)', async () => {
    // Prepare
    lambda.aliases.production = { FunctionVersion: '1', weights: { '2': 0.5 }, RevisionId: 'rev-half' };
    const state = stateWith({ rollbackError: { Error: 'TrafficShiftFailed', Cause: 'x' } });

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(versions()).toEqual(['1', '2']);
    expect(deletes()).toEqual([]);
    expect(out.kept).toEqual([{ what: 'ai-handler:2', why: 'alias production routes traffic to it' }]);
  });

  it('derives the release alarm names again when ArmAlarms never returned its list, and deletes those that exist', async () => {
    // Prepare: ArmAlarms failed after creating only the first alarm.
    const state = stateWith({ error: { Error: 'TransientAwsError', Cause: 'ArmAlarms half way' } });
    const [created] = releaseAlarmNames();
    cloudwatch.set(created, 'OK');

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(cloudwatch.mock.commandCalls(DescribeAlarmsCommand)[0].args[0].input.AlarmNames).toEqual(releaseAlarmNames());
    expect(cloudwatch.mock.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input.AlarmNames)).toEqual([[created]]);
    expect([...cloudwatch.alarms.keys()]).toEqual(['user-errors']);
    expect(out.removed).toContain(`alarm ${created}`);
    expect(out.removed.filter((r) => r.startsWith('alarm '))).toHaveLength(1);
  });

  it('asks CloudWatch to delete nothing when no release alarm exists (releaseAlarms false)', async () => {
    // Prepare
    const state = stateWith({ error: { Error: 'SmokeTestFailed', Cause: 'x' } }, { alarms: { releaseAlarms: false } });

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(cloudwatch.mock.commandCalls(DeleteAlarmsCommand)).toHaveLength(0);
    expect(out.removed.filter((r) => r.startsWith('alarm '))).toEqual([]);
  });

  it('without green (PrepareGreen failed) only looks for its own version, and records the cleanup', async () => {
    // Prepare
    const state = stateWith({ green: undefined, error: { Error: 'NothingToRelease', Cause: 'x' } });

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(out).toEqual({ removed: [], kept: [], retired: null });
    expect(lambda.calls.map((c) => c.op)).toEqual(['ListVersionsByFunction']);
    expect(cloudwatch.mock.calls()).toHaveLength(0);
    expect((await itemOf(db.ledger, state.release))?.changes.decommissioned.detail).toBe('removed nothing');
  });

  it('without green, deletes the version a failed PrepareGreen published (found by its description), never a served one', async () => {
    // Prepare: PrepareGreen published version 3 for this release, then failed before reporting it.
    const state = stateWith({ green: undefined, error: { Error: 'TransientAwsError', Cause: 'ledger write failed' } });
    lambda.versions.push({ version: '3', codeSha256: 'sha-3', env: {}, description: `cutover ${state.release.id}` });

    // Act
    const out = await decommission(state, deps());

    // Assess
    expect(out.removed).toContain('ai-handler:3');
    expect(lambda.versions.map((v) => v.version)).toEqual(['1', '2']);
  });

  it('is idempotent: a retry leaves the same end state, deletes nothing twice and records once', async () => {
    // Prepare
    const state = stateWith({ error: { Error: 'SmokeTestFailed', Cause: 'x' } });
    releaseAlarmNames().forEach((a) => cloudwatch.set(a, 'OK'));
    await decommission(state, deps());
    const after = versions();

    // Act
    const again = await decommission(state, deps());

    // Assess
    expect(versions()).toEqual(after);
    expect(versions()).toEqual(['1']);
    expect(again.removed).toEqual(['ai-handler:2 (already gone)']);
    expect(cloudwatch.mock.commandCalls(DeleteAlarmsCommand)).toHaveLength(1);
    expect([...cloudwatch.alarms.keys()]).toEqual(['user-errors']);
    expect(lambda.split()).toEqual({ '1': 100 });
    expect(Object.keys((await itemOf(db.ledger, state.release))!.changes)).toEqual(['decommissioned']);
  });
});

describe('succeeded', () => {
  it('only a release that reached Decommission from the monitor loop without error or rollback', () => {
    expect(succeeded(stateWith({ progress: done }))).toBe(true);
    expect(succeeded(stateWith({ progress: { ...done, next: 'Rollback' } }))).toBe(false);
    expect(succeeded(stateWith({ progress: done, error: { Error: 'X' } }))).toBe(false);
    expect(succeeded(stateWith({ progress: done, rollback: { trigger: 'manual', reason: 'r', restored: '1', at: 'now' } }))).toBe(false);
    expect(succeeded(stateWith({ progress: done, rollbackError: { Error: 'X' } }))).toBe(false);
    expect(succeeded(stateWith())).toBe(false);
  });
});

describe('Decommission handler (middy)', () => {
  it('decommissions through the router built from the state', async () => {
    // Prepare: the release's execution holds the lock (the handler is fenced)
    const state = stateWith({ error: { Error: 'SmokeTestFailed', Cause: 'x' } });
    await holdLock(db.ledger, state.release);

    // Act
    const out = await handler(state, lambdaContext('decommission'));

    // Assess
    expect(out).toMatchObject({ retired: 'green' });
    expect(versions()).toEqual(['1']);
  });

  it('turns DeleteAlarms throttling into TransientAwsError', async () => {
    // Prepare
    const state = stateWith();
    releaseAlarmNames().forEach((a) => cloudwatch.set(a, 'OK'));
    cloudwatch.mock.on(DeleteAlarmsCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));

    // Act
    const err = await rejectionOf(handler(state, lambdaContext('decommission')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
  });

  it('lets a conflict from Lambda through under its own name', async () => {
    // Prepare
    lambda.mock.on(DeleteFunctionCommand).rejects(awsError('ResourceConflictException', 'in use', 409));
    const state = stateWith({ error: { Error: 'SmokeTestFailed' } });
    await holdLock(db.ledger, state.release);

    // Act
    const err = await rejectionOf(handler(state, lambdaContext('decommission')));

    // Assess
    expect(err.name).toBe('ResourceConflictException');
  });
});
