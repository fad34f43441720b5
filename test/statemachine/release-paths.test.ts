import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { clients } from '../../functions/kit/clients';
import { Ledger, partitionKey } from '../../core/ledger';
import { startLedgerTable } from '../support/dynalite';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda, awsError } from '../support/fake-lambda';
import { releaseInput } from '../support/release-input';
import { runRelease } from '../support/run-release';

/**
 * One test per path through the real release.asl.json, run by
 * aws-local-stepfunctions with each Task bound to its real handler. Lambda,
 * CloudWatch and Step Functions are mocked (stateful fakes); the ledger is a
 * real in-memory DynamoDB (dynalite).
 */
const TARGET = 'lambda-alias:ai-handler:production';
let table: Awaited<ReturnType<typeof startLedgerTable>>;
let ledger: Ledger;
const lambda = new FakeLambda();
const cloudwatch = new FakeCloudWatch();
const sfn = mockClient(SFNClient);

beforeAll(async () => {
  table = await startLedgerTable();
  ledger = new Ledger(clients.dynamo(), table.tableName);
});
afterAll(async () => {
  clients.dynamo().destroy();
  await table.stop();
});

let blue: string;
beforeEach(() => {
  lambda.startOver();
  blue = lambda.seed('production');
  lambda.calls = [];
  cloudwatch.startOver();
  cloudwatch.set('ai-handler-errors', 'OK');
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
});

const ops = () => lambda.calls.map((c) => c.op);
const latestRelease = async () => (await ledger.listReleases(TARGET, 1))[0];

describe('release state machine paths', () => {
  it('happy all-at-once: green gets 100 %, blue is kept through retention, then the lock is released', async () => {
    // Prepare: the defaults of releaseInput (all-at-once, 4 bake polls, 2 retention polls).
    // Act
    const run = await runRelease(releaseInput());
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(lambda.split()).toEqual({ '2': 100 });
    expect(lambda.versions.find((v) => v.version === '2')?.env.MODEL_URI).toBe('s3://models/ai-handler/v2.json');
    expect(run.visited.filter((s) => s === 'CheckAlarms')).toHaveLength(4 + 2);
    const item = await latestRelease();
    expect(item).toMatchObject({ status: 'Succeeded', blueVersion: blue, greenVersion: '2', greenPercent: 100 });
    expect(Object.keys(item.changes)).toEqual(expect.arrayContaining(['lock', 'prepared', 'smoke-tested', 'alarms-armed', 'switch-0', 'decommissioned', 'ended']));
    expect(await ledger.getLock(TARGET)).toBeUndefined();
    expect([...cloudwatch.alarms.keys()]).toEqual(['ai-handler-errors']); // release alarms deleted
    expect(lambda.versions.map((v) => v.version)).toContain(blue); // deleteBlueVersion defaults to false
  });

  it('happy canary: 10 % then 50 % then 100 %, each step baked', async () => {
    // Prepare
    const input = releaseInput({ strategy: { type: 'canary', steps: [10, 50], stepSeconds: 120 } });
    // Act
    const run = await runRelease(input);
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    const updates = lambda.calls.filter((c) => c.op === 'UpdateAlias').map((c) => c.input);
    expect(updates.map((u) => [u.FunctionVersion, (u.RoutingConfig as { AdditionalVersionWeights: object }).AdditionalVersionWeights])).toEqual([
      [blue, { '2': 0.1 }],
      [blue, { '2': 0.5 }],
      ['2', {}],
    ]);
    expect(run.visited.filter((s) => s === 'ShiftTraffic')).toHaveLength(3);
    expect(lambda.split()).toEqual({ '2': 100 });
  });

  it('smoke failure: SmokeTestFailed names the case, no traffic moved, the new version is removed', async () => {
    // Prepare
    lambda.behaviour = (v) => ({ ok: v.version === blue });
    // Act
    const run = await runRelease(releaseInput());
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('SmokeTestFailed');
    expect(run.cause).toContain('"greeting"');
    expect(run.cause).toContain(`No traffic moved. 100 % of traffic is on version ${blue}.`);
    expect(ops()).not.toContain('UpdateAlias');
    expect(lambda.split()).toEqual({ [blue]: 100 });
    expect(lambda.versions.map((v) => v.version)).toEqual([blue]);
    expect((await latestRelease()).status).toBe('Failed');
    expect(await ledger.getLock(TARGET)).toBeUndefined();
  });

  it('breach during bake: the alarm rolls traffic back to blue', async () => {
    // Prepare: ValidateInput and ArmAlarms read once each, then the 1st bake poll sees ALARM.
    cloudwatch.onDescribe = (n) => n === 3 && cloudwatch.set('ai-handler-errors', 'ALARM', 'Threshold crossed: 12 errors');
    // Act
    const run = await runRelease(releaseInput());
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AlarmRollback');
    expect(run.cause).toMatch(/alarm during bake at 100 %: ai-handler-errors is ALARM \(Threshold crossed: 12 errors\)/);
    expect(run.cause).toContain(`100 % of traffic is on version ${blue}`);
    expect(lambda.split()).toEqual({ [blue]: 100 });
    expect(lambda.versions.map((v) => v.version)).toEqual([blue]); // green removed
    const item = await latestRelease();
    expect(item).toMatchObject({ status: 'RolledBack', greenPercent: 0 });
    expect(await ledger.getLock(TARGET)).toBeUndefined();
  });

  it('breach during retention: still watched, still rolled back', async () => {
    // Prepare: 2 reads before the switch + 4 bake polls, then ALARM at the 1st retention poll.
    cloudwatch.onDescribe = (n) => n === 7 && cloudwatch.set('ai-handler-errors', 'ALARM');
    // Act
    const run = await runRelease(releaseInput());
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AlarmRollback');
    expect(run.cause).toContain('alarm during retention');
    expect(lambda.split()).toEqual({ [blue]: 100 });
    expect((await latestRelease()).status).toBe('RolledBack');
  });

  it('manual rollback: recorded in the ledger, ends the release as RolledBack at the next poll', async () => {
    // Prepare: during retention a person moves the alias back and records it, as `cutover rollback` does.
    cloudwatch.onDescribe = (n) => {
      if (n !== 7) return; // the 1st retention poll
      lambda.aliases.production = { FunctionVersion: blue, weights: {}, RevisionId: 'by-hand' };
    };
    const requested = (async () => {
      while (cloudwatch.describeCalls < 7) await new Promise((r) => setTimeout(r, 1));
      const item = await latestRelease();
      await ledger.requestManualRollback(
        { targetKey: TARGET, startedAt: item.startedAt, releaseId: item.releaseId },
        { at: new Date().toISOString(), by: 'alice', reason: 'answers sound off' },
      );
    })();
    // Act
    const run = await runRelease(releaseInput({ retention: { seconds: 3000, pollSeconds: 300 } }));
    await requested;
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ManualRollback');
    expect(run.cause).toContain('manual rollback by alice: answers sound off');
    expect(lambda.split()).toEqual({ [blue]: 100 });
    expect((await latestRelease()).status).toBe('RolledBack');
  });

  it('manual rollback before the switch: traffic never moves to green', async () => {
    // Prepare: `cutover rollback` lands while green is being smoke-tested.
    const inject = async (state: string) => {
      if (state !== 'ShiftTraffic') return undefined;
      const item = await latestRelease();
      await ledger.requestManualRollback(
        { targetKey: TARGET, startedAt: item.startedAt, releaseId: item.releaseId },
        { at: new Date().toISOString(), by: 'bob', reason: 'wrong artifact' },
      );
      return undefined;
    };
    // Act
    const run = await runRelease(releaseInput(), { inject });
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ManualRollback');
    expect(lambda.calls.filter((c) => c.op === 'UpdateAlias' && c.input.FunctionVersion !== blue)).toEqual([]);
    expect(lambda.split()).toEqual({ [blue]: 100 });
  });

  it('transient Lambda.ServiceException: the Task is retried and the release succeeds', async () => {
    // Prepare
    const inject = (state: string, attempt: number) =>
      state === 'ShiftTraffic' && attempt === 1 ? Object.assign(new Error('Service unavailable'), { name: 'Lambda.ServiceException' }) : undefined;
    // Act
    const run = await runRelease(releaseInput(), { inject });
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempts.ShiftTraffic).toBe(2);
    expect(run.events.some((e) => e.type === 'StateRetried' && e.state?.name === 'ShiftTraffic')).toBe(true);
  });

  it('error after traffic moved: rolled back to blue, the error kept in the cause', async () => {
    // Prepare: CloudWatch denies DescribeAlarms once traffic is on green (after 2 reads before the switch).
    cloudwatch.onDescribe = (n) => {
      if (n >= 3) throw awsError('AccessDeniedException', 'not authorized to perform cloudwatch:DescribeAlarms', 403);
    };
    // Act
    const run = await runRelease(releaseInput());
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('RolledBackOnError');
    expect(run.cause).toContain('AccessDeniedException');
    expect(lambda.split()).toEqual({ [blue]: 100 });
  });

  it('lock busy: ReleaseInProgress names the running execution; its lock is left alone', async () => {
    // Prepare
    const other = 'arn:aws:states:eu-west-1:123456789012:execution:cutover-release:other';
    await ledger.acquireLock(
      { targetKey: TARGET, ownerExecutionArn: other, releaseId: 'other', releaseSk: 'RELEASE#x#other', acquiredAt: '2026-11-26T00:00:00Z' },
      async () => true,
    );
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    // Act
    const run = await runRelease(releaseInput());
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('ReleaseInProgress');
    expect(run.cause).toContain(other);
    expect(ops()).toEqual([]);
    expect((await ledger.getLock(TARGET))?.ownerExecutionArn).toBe(other);
    expect((await latestRelease()).status).toBe('Rejected');
    // A lock whose owner has ended is taken over.
    sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });
    const second = await runRelease(releaseInput());
    expect(second.status).toBe('SUCCEEDED');
    expect(await ledger.getLock(TARGET)).toBeUndefined();
  });

  it('bad input: rejected naming the field, before anything is touched', async () => {
    // Prepare
    const input = releaseInput({ strategy: { type: 'canary', steps: [50, 10], stepSeconds: 120 } });
    const before = (await ledger.listReleases(TARGET, 100)).length;
    // Act
    const run = await runRelease(input);
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidReleaseInput');
    expect(run.cause).toContain('strategy.steps: must be strictly increasing');
    expect(run.visited).toEqual(['ValidateInput', 'InputRejected']);
    expect(ops()).toEqual([]);
    expect((await ledger.listReleases(TARGET, 100)).length).toBe(before);
    expect(partitionKey(TARGET)).toBe(`TARGET#${TARGET}`);
  });
});
