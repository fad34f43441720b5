/**
 * #12 item 1: an execution stopped from outside (the console's Stop button, StopExecution) runs none of
 * its own clean-up. The orchestrator's reconciler, run by an EventBridge rule on the state machine's
 * "Step Functions Execution Status Change" events, must bring the release to a known-good end: 100 % of
 * traffic on blue, the release's alarms gone, the lock released, the outcome recorded. Before it, a
 * canary stopped at 50 % stayed split, the lock stayed held and the ledger said Running.
 * And #12 item 4: an execution that no longer holds the lock moves no traffic (fencing).
 */
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetAliasCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, RedriveExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { Ledger, type ReleaseItem } from '../../core/ledger';
import { ALIAS, FUNCTION } from '../../examples/ai-service/sandbox-service';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { eventually } from '../sandbox/helpers';
import { runCutover } from './cli-run';
import { fastScenarios } from './fast-scenarios';

const TARGET_KEY = `lambda-alias:${FUNCTION}:${ALIAS}`;
let stack: RehearsalStack;
let sfn: SFNClient;
let ledger: Ledger;
let n = 0;

const until = <T>(read: () => Promise<T>, accept: (v: T) => boolean) => eventually(read, accept, 60_000, 100);

const alias = () => stack.aws.lambda.send(new GetAliasCommand({ FunctionName: FUNCTION, Name: ALIAS }));
const releaseOf = async (name: string): Promise<ReleaseItem | undefined> => (await ledger.listReleases(TARGET_KEY, 5)).find((r) => r.releaseId === name);

/** Starts v2 with a long canary (one 50 % step of an hour) and a long bake; returns once traffic is split. */
async function startAndSplit(): Promise<{ executionArn: string; name: string }> {
  const base = fastScenarios().find((s) => s.name === 'v2')!.input;
  const input = { ...base, strategy: { type: 'canary', steps: [50], stepSeconds: 3600 }, bake: { ...base.bake, seconds: 3600 } };
  const name = `stop-${++n}-${Date.now()}`;
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: stack.deployed.stateMachineArn, name, input: JSON.stringify(input) }));
  const split = await until(alias, (a) => Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0);
  expect(split.RoutingConfig?.AdditionalVersionWeights).toBeDefined();
  return { executionArn: executionArn!, name };
}

beforeAll(async () => {
  stack = await startRehearsalStack({ timeScale: 40 });
  sfn = new SFNClient({ ...stack.sandbox.clientConfig, maxAttempts: 2 });
  ledger = new Ledger(DynamoDBDocumentClient.from(new DynamoDBClient({ ...stack.sandbox.clientConfig, maxAttempts: 2 })), stack.deployed.tableName);
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await stack?.stop();
});

it('a release stopped during its canary ends with 100 % on blue, its alarms deleted, the lock released and the stop recorded', async () => {
  // Prepare
  const { executionArn, name } = await startAndSplit();
  const alarmsBefore = (await stack.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `cutover-${name}` }))).MetricAlarms ?? [];

  // Act
  await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped from the console' }));
  const record = await until(() => releaseOf(name), (r) => r?.status !== undefined && r.status !== 'Running');

  // Assess
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  expect(alarmsBefore.length).toBeGreaterThan(0);
  expect(record).toMatchObject({ status: 'RolledBack', greenPercent: 0, outcome: { status: 'RolledBack' } });
  expect(record?.outcome?.cause).toMatch(/ExecutionAborted: the execution was stopped \(StopExecution\) in \w+ \(Operator: stopped from the console\)\. 100 % of traffic is on version \d+\./);
  const after = await alias();
  expect(after.FunctionVersion).toBe(stack.blue);
  expect(after.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect(await ledger.getLock(TARGET_KEY)).toBeUndefined();
  expect((await stack.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `cutover-${name}` }))).MetricAlarms).toEqual([]);
  expect(Object.keys(record?.changes ?? {})).toEqual(expect.arrayContaining(['reconciled', 'rolled-back', 'decommissioned', 'ended']));
}, 120_000);

it('a release stopped in retention keeps green, which took 100 % and passed the bake: Succeeded, blue retired, the lock released', async () => {
  // Prepare: v2 with a long retention, stopped as soon as the ledger says retention.
  const base = fastScenarios().find((s) => s.name === 'v2')!.input;
  const name = `retained-${++n}-${Date.now()}`;
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stack.deployed.stateMachineArn, name, input: JSON.stringify({ ...base, retention: { seconds: 3_600, pollSeconds: 300 } }) }),
  );
  const inRetention = await until(() => releaseOf(name), (r) => r?.phase === 'retention');
  expect(inRetention?.phase).toBe('retention');

  // Act
  await sfn.send(new StopExecutionCommand({ executionArn }));
  const record = await until(() => releaseOf(name), (r) => r?.status !== undefined && r.status !== 'Running');

  // Assess
  expect(record).toMatchObject({ status: 'Succeeded', greenPercent: 100 });
  expect(record?.cleanup).toBeDefined();
  const after = await alias();
  expect(after.FunctionVersion).toBe(record?.greenVersion);
  expect(after.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect(await ledger.getLock(TARGET_KEY)).toBeUndefined();
  // Put blue back for the tests after this one.
  await stack.aws.lambda.send(new UpdateAliasCommand({ FunctionName: FUNCTION, Name: ALIAS, FunctionVersion: stack.blue, RoutingConfig: { AdditionalVersionWeights: {} } }));
}, 120_000);

it('`cutover abort` stops the running release and prints the end the reconciler recorded: rolled back, 100 % on blue', async () => {
  // Prepare
  const { executionArn, name } = await startAndSplit();

  // Act
  const run = await runCutover(stack.sandbox, 'abort', `${FUNCTION}:${ALIAS}`, '--reason', 'wrong prompt template', '--by', 'alice', '--wait', '60');

  // Assess
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain(`stopping the release of ${TARGET_KEY} and waiting for the reconciler…`);
  expect(run.stdout).toMatch(new RegExp(`rolled back ${name} — ExecutionAborted: the execution was stopped \\(StopExecution\\) in \\w+ \\(CutoverAbort: aborted by alice: wrong prompt template\\)`));
  expect(run.code).toBe(4); // EXIT.rolledBack
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  expect((await alias()).RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect(await ledger.getLock(TARGET_KEY)).toBeUndefined();
}, 120_000);

it('`cutover abort` with no release running says so and exits 2', async () => {
  // Act
  const run = await runCutover(stack.sandbox, 'abort', `${FUNCTION}:${ALIAS}`);

  // Assess
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(`cutover: no release of ${TARGET_KEY} is running: nothing to abort\n`);
}, 60_000);

it('a stopped release whose lock another release has taken over is recorded, and the target is left to the new owner', async () => {
  // Prepare
  const { executionArn, name } = await startAndSplit();
  // Another execution holds the lock now (as after a takeover); the reconciler must not move its traffic.
  const other = `${stack.deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:someone-else`;
  const lock = (await ledger.getLock(TARGET_KEY))!;
  await ledger.releaseLock(TARGET_KEY, lock.ownerExecutionArn);
  await ledger.acquireLock({ targetKey: TARGET_KEY, ownerExecutionArn: other, releaseId: 'someone-else', releaseSk: 'RELEASE#x', acquiredAt: new Date().toISOString() }, async () => true);
  const splitBefore = (await alias()).RoutingConfig?.AdditionalVersionWeights;

  try {
    // Act
    await sfn.send(new StopExecutionCommand({ executionArn }));
    const record = await until(() => releaseOf(name), (r) => r?.status !== undefined && r.status !== 'Running');

    // Assess
    expect(record).toMatchObject({ status: 'Failed', outcome: { error: 'ExecutionAborted' } });
    expect(record?.outcome?.cause).toContain(`The target was not touched: execution ${other} holds its lock now.`);
    expect((await alias()).RoutingConfig?.AdditionalVersionWeights).toEqual(splitBefore);
    expect((await ledger.getLock(TARGET_KEY))?.ownerExecutionArn).toBe(other);
  } finally {
    // Put the alias and the lock back for whatever runs next.
    await ledger.releaseLock(TARGET_KEY, other);
    await stack.aws.lambda.send(new UpdateAliasCommand({ FunctionName: FUNCTION, Name: ALIAS, FunctionVersion: stack.blue, RoutingConfig: { AdditionalVersionWeights: {} } }));
  }
}, 120_000);

it('fencing: a running release whose lock is taken over mid-canary moves no more traffic, and ends Failed LockLost', async () => {
  // Prepare: a canary of two 120 s steps; once at the first, another execution takes the lock (as after a redrive of a stopped one).
  const base = fastScenarios().find((s) => s.name === 'v2')!.input;
  const name = `fenced-${++n}-${Date.now()}`;
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stack.deployed.stateMachineArn, name, input: JSON.stringify({ ...base, strategy: { type: 'canary', steps: [10, 50], stepSeconds: 120 } }) }),
  );
  const split = await until(alias, (a) => Object.keys(a.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0);
  const other = `${stack.deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:new-owner`;
  const lock = (await ledger.getLock(TARGET_KEY))!;
  await ledger.releaseLock(TARGET_KEY, lock.ownerExecutionArn);
  await ledger.acquireLock({ targetKey: TARGET_KEY, ownerExecutionArn: other, releaseId: 'new-owner', releaseSk: 'RELEASE#y', acquiredAt: new Date().toISOString() }, async () => true);

  try {
    // Act
    const record = await until(() => releaseOf(name), (r) => r?.status !== undefined && r.status !== 'Running');

    // Assess
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('FAILED');
    expect(record).toMatchObject({ status: 'Failed', outcome: { error: 'LockLost' } });
    expect((await alias()).RoutingConfig?.AdditionalVersionWeights).toEqual(split.RoutingConfig?.AdditionalVersionWeights);
    expect((await ledger.getLock(TARGET_KEY))?.ownerExecutionArn).toBe(other);
  } finally {
    await ledger.releaseLock(TARGET_KEY, other);
    await stack.aws.lambda.send(new UpdateAliasCommand({ FunctionName: FUNCTION, Name: ALIAS, FunctionVersion: stack.blue, RoutingConfig: { AdditionalVersionWeights: {} } }));
  }
}, 120_000);

it('a release that times out (TIMED_OUT) during its canary ends with 100 % on blue and the timeout recorded', async () => {
  // Prepare
  const { executionArn, name } = await startAndSplit();

  // Act: the execution reaches its TimeoutSeconds now (21 days would be half an hour of wall time even at 1,000×)
  stack.sandbox.stepfunctions.getExecution(executionArn).timeOut();
  const record = await until(() => releaseOf(name), (r) => r?.status !== undefined && r.status !== 'Running');

  // Assess
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('TIMED_OUT');
  expect(record).toMatchObject({ status: 'RolledBack', greenPercent: 0, endedBy: 'reconciler' });
  expect(record?.outcome?.cause).toMatch(/^ExecutionTimedOut: the execution ran past the state machine's TimeoutSeconds in \w+ \(States\.Timeout/);
  expect((await alias()).FunctionVersion).toBe(stack.blue);
  expect((await alias()).RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  expect(await ledger.getLock(TARGET_KEY)).toBeUndefined();
}, 120_000);

it('a stopped release redriven after another release took the target moves no traffic, and its reconciled record stands', async () => {
  // Prepare: A stopped mid-canary (the reconciler rolls it back and frees the target); B then takes the target and splits it.
  const a = await startAndSplit();
  await sfn.send(new StopExecutionCommand({ executionArn: a.executionArn, cause: 'stopped' }));
  const reconciled = await until(() => releaseOf(a.name), (r) => r?.status !== undefined && r.status !== 'Running');
  const b = await startAndSplit();
  const bSplit = (await alias()).RoutingConfig?.AdditionalVersionWeights;

  try {
    // Act: A is redriven (same ARN, from the state it was stopped in) while B holds the target
    await sfn.send(new RedriveExecutionCommand({ executionArn: a.executionArn }));
    await stack.sandbox.stepfunctions.waitFor(a.executionArn, 60_000);
    const redriven = await sfn.send(new DescribeExecutionCommand({ executionArn: a.executionArn }));

    // Assess: A ended without touching B's traffic or lock, and the ledger still says what the reconciler found
    expect(redriven).toMatchObject({ status: 'FAILED', redriveCount: 1 });
    expect(redriven.error).toBe('LockLost');
    expect((await alias()).RoutingConfig?.AdditionalVersionWeights).toEqual(bSplit);
    expect((await ledger.getLock(TARGET_KEY))?.ownerExecutionArn).toBe(b.executionArn);
    const after = await releaseOf(a.name);
    expect(after).toMatchObject({ status: 'RolledBack', endedBy: 'reconciler', outcome: reconciled?.outcome });
  } finally {
    // B ends as a stopped release does: back on blue, its lock freed.
    await sfn.send(new StopExecutionCommand({ executionArn: b.executionArn }));
    await until(() => releaseOf(b.name), (r) => r?.status !== undefined && r.status !== 'Running');
  }
}, 180_000);
