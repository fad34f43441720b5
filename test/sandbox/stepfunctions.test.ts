/**
 * Contract tests: the sandbox's Step Functions (aws-local-stepfunctions behind
 * the awsJson1_0 API) through the real @aws-sdk/client-sfn. timeScale 100:
 * a 120 s Wait takes 1.2 wall seconds.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction, rejection, ROLE } from './helpers';

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;
const arn = (name: string) => sandbox.lambda.functionArn(name);

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true, timeScale: 100 });
  c = clientsFor(sandbox);
  await createFixtureFunction(c.lambda, 'echo', 'echo');
  await createFixtureFunction(c.lambda, 'flaky', 'flaky');
  await createFixtureFunction(c.lambda, 'fail', 'fail');
  await createFixtureFunction(c.lambda, 'flaky-once', 'flaky');
});

afterAll(async () => {
  c.destroy();
  await sandbox.stop();
});

async function createMachine(name: string, definition: unknown): Promise<string> {
  const out = await c.sfn.send(new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }));
  return out.stateMachineArn as string;
}

async function run(stateMachineArn: string, input: unknown, name?: string): Promise<string> {
  const out = await c.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), ...(name ? { name } : {}) }));
  await sandbox.stepfunctions.waitFor(out.executionArn as string, 15_000);
  return out.executionArn as string;
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  return (await c.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

describe('CreateStateMachine', () => {
  it('refuses a Task that is not bound to a sandbox function instead of calling real AWS', async () => {
    // Prepare
    const task = (resource: string) => ({ StartAt: 'T', States: { T: { Type: 'Task', Resource: resource, End: true } } });

    // Act
    const placeholder = await rejection(c.sfn.send(new CreateStateMachineCommand({ name: 'p', roleArn: ROLE, definition: JSON.stringify(task('${ValidateInputFunctionArn}')) })));
    const unknown = await rejection(c.sfn.send(new CreateStateMachineCommand({ name: 'u', roleArn: ROLE, definition: JSON.stringify(task(arn('missing'))) })));
    const otherService = await rejection(c.sfn.send(new CreateStateMachineCommand({ name: 'd', roleArn: ROLE, definition: JSON.stringify(task('arn:aws:states:::dynamodb:putItem')) })));
    const badName = await rejection(c.sfn.send(new CreateStateMachineCommand({ name: 'has space', roleArn: ROLE, definition: JSON.stringify(task(arn('echo'))) })));

    // Assess
    for (const err of [placeholder, unknown, otherService]) expect(err.name).toBe('InvalidDefinition');
    expect(placeholder.message).toContain("Task state 'T'");
    expect(placeholder.message).toContain('unsubstituted placeholder');
    expect(unknown.message).toContain('no such function in the sandbox');
    expect(badName.name).toBe('InvalidName');
  });

  it('describes the machine it created', async () => {
    // Prepare
    const definition = { StartAt: 'T', States: { T: { Type: 'Task', Resource: arn('echo'), End: true } } };
    const smArn = await createMachine('describe-me', definition);

    // Act
    const out = await c.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: smArn }));

    // Assess
    expect(out).toMatchObject({ name: 'describe-me', status: 'ACTIVE', type: 'STANDARD', roleArn: ROLE });
    expect(JSON.parse(out.definition as string)).toEqual(definition);
    expect(smArn).toBe(`arn:aws:states:${sandbox.region}:000000000000:stateMachine:describe-me`);
  });
});

describe('executions', () => {
  let pipeline: string;

  beforeAll(async () => {
    pipeline = await createMachine('pipeline', {
      StartAt: 'Configure',
      States: {
        Configure: { Type: 'Pass', Result: { waitSeconds: 120 }, ResultPath: '$.config', Next: 'Echo' },
        Echo: {
          Type: 'Task',
          Resource: arn('echo'),
          Parameters: { 'wait.$': '$.config.waitSeconds', 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name', 'start.$': '$$.Execution.StartTime' },
          ResultSelector: { 'event.$': '$.event' },
          ResultPath: '$.echo',
          Next: 'Pause',
        },
        Pause: { Type: 'Wait', SecondsPath: '$.echo.event.wait', Next: 'Decide' },
        Decide: { Type: 'Choice', Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'Done' }], Default: 'Stopped' },
        Done: { Type: 'Succeed' },
        Stopped: { Type: 'Fail', Error: 'NotGo', Cause: 'go was false' },
      },
    });
  });

  it('runs Pass, Task, Wait (SecondsPath, on the virtual clock) and Choice with AWS history events', async () => {
    // Act
    const wallStart = Date.now();
    const executionArn = await run(pipeline, { go: true }, 'happy');
    const wallMs = Date.now() - wallStart;
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(executionArn);

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output as string);
    expect(output.echo.event).toEqual({ wait: 120, id: executionArn, name: 'happy', start: described.startDate?.toISOString() });
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered', 'PassStateExited',
      'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited',
      'WaitStateEntered', 'WaitStateExited',
      'ChoiceStateEntered', 'ChoiceStateExited',
      'SucceedStateEntered', 'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    events.forEach((e, i) => expect([e.id, e.previousEventId]).toEqual([i + 1, i]));
    expect(events[0]?.executionStartedEventDetails).toMatchObject({ input: '{"go":true}', roleArn: ROLE });
    expect(events[3]?.stateEnteredEventDetails?.name).toBe('Echo');
    expect(events[4]?.lambdaFunctionScheduledEventDetails?.resource).toBe(arn('echo'));
    const entered = events.find((e) => e.type === 'WaitStateEntered')?.timestamp?.getTime() ?? 0;
    const exited = events.find((e) => e.type === 'WaitStateExited')?.timestamp?.getTime() ?? 0;
    expect(exited - entered).toBeGreaterThanOrEqual(120_000);
    expect(wallMs).toBeLessThan(10_000);
  });

  it('pages history with maxResults/nextToken and reverses it with reverseOrder', async () => {
    // Prepare
    const executionArn = await run(pipeline, { go: false });

    // Act
    const first = await c.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5 }));
    const second = await c.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5, nextToken: first.nextToken }));
    const reversed = await c.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }));
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(first.events?.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(first.nextToken).toBeDefined();
    expect(second.events?.map((e) => e.id)).toEqual([6, 7, 8, 9, 10]);
    expect(reversed.events?.map((e) => e.type)).toEqual(['ExecutionFailed', 'FailStateEntered']);
    expect(reversed.events?.[0]?.executionFailedEventDetails).toEqual({ error: 'NotGo', cause: 'go was false' });
    expect(described).toMatchObject({ status: 'FAILED', error: 'NotGo', cause: 'go was false' });
  });

  it('applies the StartExecution name rules', async () => {
    // Prepare: a long Wait keeps the first execution RUNNING.
    const slow = await createMachine('slow', { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } });
    const start = (name: string, input: unknown) => c.sfn.send(new StartExecutionCommand({ stateMachineArn: slow, name, input: JSON.stringify(input) }));

    // Act
    const first = await start('release-1', { a: 1 });
    const sameAgain = await start('release-1', { a: 1 });
    const otherInput = await rejection(start('release-1', { a: 2 }));
    const tooLong = await rejection(start('x'.repeat(81), {}));
    const badChar = await rejection(start('a:b', {}));
    await c.sfn.send(new StopExecutionCommand({ executionArn: first.executionArn, error: 'Manual', cause: 'test over' }));
    await sandbox.stepfunctions.waitFor(first.executionArn as string, 5_000);
    const afterStop = await rejection(start('release-1', { a: 1 }));
    const running = await c.sfn.send(new ListExecutionsCommand({ stateMachineArn: slow, statusFilter: 'RUNNING' }));
    const aborted = await c.sfn.send(new ListExecutionsCommand({ stateMachineArn: slow, statusFilter: 'ABORTED' }));
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    const missing = await rejection(c.sfn.send(new DescribeExecutionCommand({ executionArn: `${first.executionArn}-nope` })));
    const events = await history(first.executionArn as string);

    // Assess
    expect(sameAgain.executionArn).toBe(first.executionArn);
    expect(otherInput.name).toBe('ExecutionAlreadyExists');
    // AWS's model (botocore stepfunctions/2016-11-23, sandbox/models/stepfunctions.json): Name is a
    // string with "min": 1, "max": 80, so 81 characters fail model validation (ValidationException)
    // before Step Functions' own name rules (InvalidName) are applied.
    expect(tooLong.name).toBe('ValidationException');
    expect(tooLong.message).toMatch(/^1 validation error detected: Value 'x{81}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80$/);
    expect(badChar.name).toBe('InvalidName');
    expect(afterStop.name).toBe('ExecutionAlreadyExists');
    expect(running.executions).toEqual([]);
    expect(aborted.executions?.map((e) => e.name)).toEqual(['release-1']);
    expect(described).toMatchObject({ status: 'ABORTED' });
    expect(described.stopDate).toBeInstanceOf(Date);
    expect(missing.name).toBe('ExecutionDoesNotExist');
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted']);
    expect(events[2]?.executionAbortedEventDetails).toEqual({ error: 'Manual', cause: 'test over' });
  });

  it('sends "Step Functions Execution Status Change" to the default bus when an execution starts and when it ends', async () => {
    // "Step Functions sends the following events directly to EventBridge: Step Functions Execution Status Change"
    // (source aws.states) — https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html; the detail
    // carries the execution's ARN, name, status, dates in epoch ms, input, output, error and cause —
    // https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
    // Prepare
    const slow = await createMachine('slow-events', { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } });
    const seen = () => sandbox.eventbridge.events().filter((e) => e.source === 'aws.states' && (e.detail as { stateMachineArn?: string }).stateMachineArn === slow);

    // Act
    const started = await c.sfn.send(new StartExecutionCommand({ stateMachineArn: slow, name: 'stop-me', input: '{"a":1}' }));
    await c.sfn.send(new StopExecutionCommand({ executionArn: started.executionArn, error: 'Operator', cause: 'stopped in the console' }));
    await sandbox.stepfunctions.waitFor(started.executionArn as string, 5_000);

    // Assess
    const events = seen();
    expect(events.map((e) => [e['detail-type'], (e.detail as { status: string }).status])).toEqual([
      ['Step Functions Execution Status Change', 'RUNNING'],
      ['Step Functions Execution Status Change', 'ABORTED'],
    ]);
    expect(events[1]?.resources).toEqual([started.executionArn]);
    expect(events[1]?.detail).toMatchObject({ executionArn: started.executionArn, name: 'stop-me', input: '{"a":1}', output: null, error: 'Operator', cause: 'stopped in the console' });
    expect(typeof (events[1]?.detail as { stopDate: unknown }).stopDate).toBe('number');
    expect((events[0]?.detail as { stopDate: unknown }).stopDate).toBeNull();
  });
});

describe('Retry and Catch', () => {
  it('retries a function error by its name and records each attempt', async () => {
    // Prepare
    const smArn = await createMachine('retry', {
      StartAt: 'Flaky',
      States: {
        Flaky: {
          Type: 'Task',
          Resource: arn('flaky'),
          Retry: [{ ErrorEquals: ['TransientAwsError'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 3 }],
          End: true,
        },
      },
    });

    // Act
    const executionArn = await run(smArn, { failures: 2 });
    const events = await history(executionArn);
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output as string)).toEqual({ calls: 3 });
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(3);
    const failures = events.filter((e) => e.type === 'LambdaFunctionFailed');
    expect(failures.map((e) => e.lambdaFunctionFailedEventDetails?.error)).toEqual(['TransientAwsError', 'TransientAwsError']);
    expect(JSON.parse(failures[0]?.lambdaFunctionFailedEventDetails?.cause as string)).toMatchObject({ errorType: 'TransientAwsError', errorMessage: 'attempt 1 failed' });
    // Second retry waited IntervalSeconds * BackoffRate = 20 s of virtual time.
    const scheduled = events.filter((e) => e.type === 'LambdaFunctionScheduled').map((e) => e.timestamp?.getTime() ?? 0);
    expect((scheduled[2] ?? 0) - (scheduled[1] ?? 0)).toBeGreaterThanOrEqual(20_000);
  });

  it('catches a function error by name; the Cause is the Lambda error JSON', async () => {
    // Prepare
    const smArn = await createMachine('catch', {
      StartAt: 'Gate',
      States: {
        Gate: { Type: 'Task', Resource: arn('fail'), Catch: [{ ErrorEquals: ['QualityGateFailed'], ResultPath: '$.error', Next: 'Rejected' }], End: true },
        Rejected: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
      },
    });

    // Act
    const executionArn = await run(smArn, { fail: 'accuracy below gate' });
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const types = (await history(executionArn)).map((e) => e.type);

    // Assess
    expect(described).toMatchObject({ status: 'FAILED', error: 'QualityGateFailed' });
    expect(JSON.parse(described.cause as string)).toMatchObject({ errorType: 'QualityGateFailed', errorMessage: 'accuracy below gate' });
    expect(types).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed', 'TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('surfaces an injected Lambda throttle as Lambda.TooManyRequestsException, which Retry handles', async () => {
    // Prepare
    const smArn = await createMachine('throttled', {
      StartAt: 'Echo',
      States: { Echo: { Type: 'Task', Resource: arn('echo'), Retry: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], IntervalSeconds: 2, MaxAttempts: 2 }], End: true } },
    });
    sandbox.faults.inject({ service: 'lambda', operation: 'Invoke', kind: 'throttle', times: 1 });

    // Act
    const executionArn = await run(smArn, {});
    const events = await history(executionArn);
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(events.filter((e) => e.type === 'LambdaFunctionFailed').map((e) => e.lambdaFunctionFailedEventDetails?.error)).toEqual(['Lambda.TooManyRequestsException']);
    expect(sandbox.faults.list()).toEqual([]);
  });
});

describe('RedriveExecution', () => {
  // "When you redrive an execution, it continues the failed execution from the unsuccessful step and uses the same
  // input. Step Functions preserves the results and execution history of the successful steps, and doesn't rerun
  // these steps … Redriven executions use the same state machine definition and execution ARN" (API reference,
  // RedriveExecution); redriveCount / redriveDate / redriveStatus(Reason) and ExecutionNotRedrivable as in
  // @aws-sdk/client-sfn's model (DescribeExecutionOutput, ExecutionRedrivenEventDetails).
  it('reruns a failed execution from the state that failed, with its input; the states that succeeded are not rerun', async () => {
    // Prepare: Echo succeeds, Gate fails once (no Retry), so the execution fails at Gate.
    const smArn = await createMachine('redrive-failed', {
      StartAt: 'Echo',
      States: {
        Echo: { Type: 'Task', Resource: arn('echo'), ResultPath: '$.echoed', Next: 'Gate' },
        Gate: { Type: 'Task', Resource: arn('flaky-once'), ResultPath: '$.gate', End: true },
      },
    });
    const executionArn = await run(smArn, { failures: 1 });
    const failed = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Act
    const redriven = await c.sfn.send(new RedriveExecutionCommand({ executionArn }));
    await sandbox.stepfunctions.waitFor(executionArn, 15_000);
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(executionArn);
    const again = await rejection(c.sfn.send(new RedriveExecutionCommand({ executionArn })));

    // Assess
    expect(failed).toMatchObject({ status: 'FAILED', error: 'TransientAwsError', redriveCount: 0, redriveStatus: 'REDRIVABLE' });
    expect(redriven.redriveDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' });
    expect(described.redriveDate?.getTime()).toBe(redriven.redriveDate?.getTime());
    expect(JSON.parse(described.output as string)).toMatchObject({ failures: 1, echoed: { event: { failures: 1 } }, gate: { calls: 2 } });
    const types = events.map((e) => e.type);
    expect(types.slice(types.indexOf('ExecutionFailed'))).toEqual([
      'ExecutionFailed',
      'ExecutionRedriven',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.find((e) => e.type === 'ExecutionRedriven')?.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    expect(events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name)).toEqual(['Echo', 'Gate', 'Gate']);
    expect(again.name).toBe('ExecutionNotRedrivable');
    expect(again.message).toBe('Execution is SUCCEEDED and cannot be redriven');
  });

  it('reruns a stopped execution from the state it was in, announces it RUNNING again, and refuses a running one', async () => {
    // Prepare
    const slow = await createMachine('redrive-stopped', { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } });
    const started = await c.sfn.send(new StartExecutionCommand({ stateMachineArn: slow, name: 'stop-then-redrive', input: '{"a":1}' }));
    const executionArn = started.executionArn as string;
    await c.sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped' }));
    await sandbox.stepfunctions.waitFor(executionArn, 5_000);
    const seen = () => sandbox.eventbridge.events().filter((e) => e.source === 'aws.states' && (e.detail as { executionArn?: string }).executionArn === executionArn);

    // Act
    const first = await c.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'tok-1' }));
    const sameToken = await c.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken: 'tok-1' }));
    const running = await rejection(c.sfn.send(new RedriveExecutionCommand({ executionArn })));
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    await c.sfn.send(new StopExecutionCommand({ executionArn }));
    await sandbox.stepfunctions.waitFor(executionArn, 5_000);
    const events = await history(executionArn);

    // Assess
    expect(described).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is RUNNING and cannot be redriven' });
    expect(described.stopDate).toBeUndefined();
    expect(sameToken.redriveDate?.getTime()).toBe(first.redriveDate?.getTime()); // idempotent by client token
    expect(running.name).toBe('ExecutionNotRedrivable');
    expect(running.message).toBe('Execution is RUNNING and cannot be redriven');
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted', 'ExecutionRedriven', 'WaitStateEntered', 'ExecutionAborted']);
    expect(events[4]?.stateEnteredEventDetails?.input).toBe('{"a":1}');
    expect(seen().map((e) => [(e.detail as { status: string }).status, (e.detail as { redriveCount: number }).redriveCount])).toEqual([
      ['RUNNING', 0],
      ['ABORTED', 0],
      ['RUNNING', 1],
      ['ABORTED', 1],
    ]);
  });
});
