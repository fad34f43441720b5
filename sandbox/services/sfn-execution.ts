/**
 * One Step Functions Standard execution, run by aws-local-stepfunctions, with
 * the history AWS would record (ids, previousEventId, *StateEntered/Exited,
 * LambdaFunction* or Task* events, Execution* events), on the virtual clock.
 *
 * Task states call the sandbox's Lambda Invoke; a function error is rethrown
 * with `name` = errorType and the Lambda error JSON as the message, so the
 * engine's Retry/Catch match by name and `$.Cause` is the JSON AWS would give.
 * Lambda service errors surface as `Lambda.<Exception>` (e.g.
 * Lambda.TooManyRequestsException), as on AWS. Wait states and retry intervals
 * sleep on the virtual clock (duration / timeScale of wall time).
 *
 * RedriveExecution (redrive()) reruns an execution that did not succeed from
 * the state that did not complete, with that state's recorded input, the same
 * ARN and history: "it continues the failed execution from the unsuccessful
 * step and uses the same input … the state machine level timeout … is reset
 * to 0" — https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html
 */
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import '../polyfills';
import type { VirtualClock } from '../clock';
import { ServiceError } from '../protocol';
import { resolveReferencePath, type PreparedDefinition, type StateDef, type TaskBinding } from './asl';
import type { LambdaService } from './lambda';

/** The engine's event type (not exported by the package). */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  detailsKey?: string;
  details?: Record<string, unknown>;
}

export interface ExecutionDeps {
  lambda: LambdaService;
  clock: VirtualClock;
  region: string;
  /**
   * IAM: the state machine's role invokes each Task's function ("Step Functions
   * … assumes the execution role" to call integrated services); a denial is a
   * Lambda AccessDeniedException ServiceError, which the Task reports as
   * Lambda.AWSLambdaException, as Step Functions does.
   */
  authorizeInvoke?: (roleArn: string, executionName: string, functionName: string, qualifier: string | undefined) => Promise<void>;
  /** Told of every status change (RUNNING at start, then the end): the "Step Functions Execution Status Change" event's detail. */
  onStatusChange?: (detail: ExecutionStatusChange) => void;
}

/**
 * The detail of Step Functions' "Step Functions Execution Status Change" event (source `aws.states`), which
 * Step Functions sends to the default event bus when an execution starts and when it ends: dates in
 * epoch milliseconds, output only after success, error and cause after a failure, a stop or a timeout.
 * — https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
 */
export interface ExecutionStatusChange {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate: number | null;
  input: string;
  output: string | null;
  inputDetails: { included: boolean };
  outputDetails: { included: boolean } | null;
  error: string | null;
  cause: string | null;
  redriveCount: number;
}

/** Step Functions' hard limit; an execution reaching it fails. */
export const HISTORY_LIMIT = 25_000;
/** "Restarts unsuccessful executions … that didn't complete successfully in the last 14 days." (RedriveExecution) */
export const REDRIVABLE_PERIOD_MS = 14 * 86_400_000;
/** "The workflow execution has not exceeded the maximum open time of one year." */
const MAX_OPEN_MS = 365 * 86_400_000;
/** Step Functions' payload limit (256 KiB) for state results. */
const PAYLOAD_LIMIT = 262_144;

interface RetryBook {
  attempts: number[];
  delays: (number | undefined)[];
  pending: boolean;
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

export class Execution {
  public status: ExecutionStatus = 'RUNNING';
  public readonly startDate: number;
  public stopDate?: number;
  public output?: string;
  public error?: string;
  public cause?: string;
  public readonly events: HistoryEvent[] = [];
  /** Settles when the execution (its latest run, after a redrive) has ended and its history is complete. */
  public done: Promise<void>;
  public redriveCount = 0;
  public redriveDate?: number;
  /** Which run events belong to: a run ended by a stop may still deliver a Task's late answer, which the redriven run must not see. */
  private generation = 0;
  private abortController = new AbortController();
  private abortEngine?: () => void;
  private stopRequest?: { error?: string; cause?: string };
  private readonly retries = new Map<string, RetryBook>();
  private lastEntered?: string;
  private readonly roleArn: string;
  private readonly context: Record<string, unknown>;

  public constructor(
    public readonly arn: string,
    public readonly name: string,
    public readonly stateMachineArn: string,
    public readonly input: string,
    private readonly prepared: PreparedDefinition,
    private readonly deps: ExecutionDeps,
    roleArn: string,
    stateMachineName: string,
  ) {
    this.startDate = deps.clock.now();
    const startTime = new Date(this.startDate).toISOString();
    this.context = {
      Execution: { Id: arn, Name: name, RoleArn: roleArn, StartTime: startTime, RedriveCount: 0 },
      StateMachine: { Id: stateMachineArn, Name: stateMachineName },
    };
    this.roleArn = roleArn;
    this.announce();
    this.done = this.run(roleArn);
  }

  private announce(): void {
    this.deps.onStatusChange?.({
      executionArn: this.arn,
      stateMachineArn: this.stateMachineArn,
      name: this.name,
      status: this.status,
      startDate: this.startDate,
      stopDate: this.stopDate ?? null,
      input: this.input,
      output: this.output ?? null,
      inputDetails: { included: true },
      outputDetails: this.status === 'SUCCEEDED' ? { included: true } : null,
      error: this.error ?? null,
      cause: this.cause ?? null,
      redriveCount: this.redriveCount,
    });
  }

  private push(type: string, detailsKey?: string, details?: Record<string, unknown>, at?: number): void {
    const terminal = type.startsWith('Execution') && type !== 'ExecutionStarted';
    if (!terminal && this.status !== 'RUNNING') return;
    if (!terminal && this.events.length >= HISTORY_LIMIT - 1) {
      this.finish('FAILED', 'ExecutionFailed', { error: 'States.Runtime', cause: `The execution reached the maximum number of history events (${HISTORY_LIMIT}).` });
      this.abortEngine?.();
      return;
    }
    const last = this.events[this.events.length - 1];
    const timestamp = Math.max(at ?? this.deps.clock.now(), last?.timestamp ?? 0);
    this.events.push({ id: this.events.length + 1, previousEventId: this.events.length, timestamp, type, ...(detailsKey ? { detailsKey, details: details ?? {} } : {}) });
  }

  private finish(status: Exclude<ExecutionStatus, 'RUNNING'>, type: string, details: Record<string, unknown>): void {
    if (this.status !== 'RUNNING') return;
    const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
    this.push(type, key, details);
    this.status = status;
    this.stopDate = this.deps.clock.now();
    if (status === 'SUCCEEDED') this.output = details.output as string;
    else {
      this.error = details.error as string | undefined;
      this.cause = details.cause as string | undefined;
    }
    this.abortController.abort();
    this.announce();
  }

  private async run(roleArn: string, from?: { state: string; input: string }): Promise<void> {
    const gen = this.generation;
    const overrides = {
      taskResourceLocalHandlers: Object.fromEntries(
        [...this.prepared.states].filter(([, s]) => s.Type === 'Task' || s.Type === 'Wait').map(([name, s]) => [name, (input: unknown) => (s.Type === 'Wait' ? this.runWait(name, input) : this.runTask(name, input))]),
      ),
      // Read by the engine on every failure of a state: our own book of the retry, on the virtual clock.
      retryIntervalOverrides: new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? this.retryIntervals(name) : undefined) }),
    };
    // A redrive runs the same definition from the state that did not complete (the engine starts at StartAt).
    const definition = from ? { ...this.prepared.engineDefinition, StartAt: from.state } : this.prepared.engineDefinition;
    const machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
    const inputValue = JSON.parse(from ? from.input : this.input) as never;
    // The engine stamps $$.Execution.StartTime with `new Date()` while run() is synchronous:
    // let it read the virtual clock for that moment only.
    const RealDate = Date;
    const startDate = this.startDate;
    globalThis.Date = new Proxy(RealDate, {
      construct: (target, args: unknown[]) => Reflect.construct(target, args.length ? args : [startDate]) as object,
      get: (target, prop, receiver) => (prop === 'now' ? () => startDate : (Reflect.get(target, prop, receiver) as unknown)),
    });
    let handle: ReturnType<StateMachine['run']>;
    try {
      handle = machine.run(inputValue, { overrides: overrides as never, context: this.context as never, noThrowOnAbort: true });
    } catch (err) {
      if (!from) this.push('ExecutionStarted', 'executionStartedEventDetails', { input: this.input, inputDetails: { truncated: false }, roleArn }, this.startDate);
      this.finish('FAILED', 'ExecutionFailed', { error: 'States.Runtime', cause: (err as Error).message });
      return;
    } finally {
      globalThis.Date = RealDate;
    }
    this.abortEngine = handle.abort;
    if (!from) this.push('ExecutionStarted', 'executionStartedEventDetails', { input: this.input, inputDetails: { truncated: false }, roleArn }, this.startDate);
    handle.result.catch(() => undefined);
    try {
      for await (const event of handle.eventLogs) {
        if (gen !== this.generation) break;
        this.onEngineEvent(event);
      }
    } catch (err) {
      if (gen === this.generation) this.finish('FAILED', 'ExecutionFailed', { error: 'States.Runtime', cause: (err as Error).message });
    }
    await handle.result.catch(() => undefined);
    if (gen === this.generation && this.status === 'RUNNING') this.finish('FAILED', 'ExecutionFailed', { error: 'States.Runtime', cause: 'The sandbox engine ended without a result' });
  }

  private typeOf(name: string): string {
    return this.prepared.states.get(name)?.Type ?? 'Task';
  }

  private onEngineEvent(event: EventLog): void {
    switch (event.type) {
      case 'StateEntered': {
        this.lastEntered = event.state.name;
        this.push(`${this.typeOf(event.state.name)}StateEntered`, 'stateEnteredEventDetails', {
          name: event.state.name,
          input: JSON.stringify(event.state.input ?? null),
          inputDetails: { truncated: false },
        });
        return;
      }
      case 'StateExited':
        this.push(`${this.typeOf(event.state.name)}StateExited`, 'stateExitedEventDetails', {
          name: event.state.name,
          output: JSON.stringify(event.state.output ?? null),
          outputDetails: { truncated: false },
        });
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.push(event.type, key, { name: event.parentState.name, index: event.index });
        return;
      }
      case 'ExecutionSucceeded':
        this.finish('SUCCEEDED', 'ExecutionSucceeded', { output: JSON.stringify(event.output ?? null), outputDetails: { truncated: false } });
        return;
      case 'ExecutionFailed': {
        const failState = this.lastEntered ? this.prepared.states.get(this.lastEntered) : undefined;
        let error: string | undefined = event.Error;
        let cause: string | undefined = typeof event.Cause === 'string' ? event.Cause : event.Cause === undefined ? undefined : JSON.stringify(event.Cause);
        if (failState?.Type === 'Fail') {
          // A Fail state without Error/Cause has none on AWS (the engine fills in defaults).
          if (failState.Error === undefined && failState.ErrorPath === undefined) error = undefined;
          if (failState.Cause === undefined && failState.CausePath === undefined) cause = undefined;
        }
        this.finish('FAILED', 'ExecutionFailed', { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) });
        return;
      }
      case 'ExecutionAborted':
        this.finish('ABORTED', 'ExecutionAborted', {
          ...(this.stopRequest?.error !== undefined ? { error: this.stopRequest.error } : {}),
          ...(this.stopRequest?.cause !== undefined ? { cause: this.stopRequest.cause } : {}),
        });
        return;
      case 'ExecutionTimeout':
        this.finish('TIMED_OUT', 'ExecutionTimedOut', { error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds)' });
        return;
      default:
        // StateFailed/StateRetried/StateCaught and Parallel branch events have no AWS history event of their own.
        return;
    }
  }

  /** StopExecution. */
  public stop(error?: string, cause?: string): void {
    if (this.status !== 'RUNNING') return;
    this.stopRequest = { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
    if (this.abortEngine) this.abortEngine();
    // ABORTED as StopExecution answers (the engine's own ExecutionAborted, after it, finds the execution ended).
    this.finish('ABORTED', 'ExecutionAborted', { ...this.stopRequest });
  }

  /**
   * The execution reaches its TimeoutSeconds now, as the engine's own timer would end it (ExecutionTimedOut,
   * States.Timeout). The sandbox's timer runs on wall time divided by the time scale, so 21 days are half an
   * hour even at 1,000×: tests and the fault matrix bring the moment forward instead. In-process only.
   */
  public timeOut(): void {
    if (this.status !== 'RUNNING') return;
    this.abortEngine?.();
    this.finish('TIMED_OUT', 'ExecutionTimedOut', { error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds)' });
  }

  /** Why RedriveExecution would refuse now (redriveStatusReason), or undefined when it may. */
  public notRedrivableBecause(now: number): string | undefined {
    if (this.status === 'RUNNING') return 'Execution is RUNNING and cannot be redriven';
    if (this.status === 'SUCCEEDED') return 'Execution is SUCCEEDED and cannot be redriven';
    if (this.events.length >= HISTORY_LIMIT - 1) return 'Execution history event limit exceeded';
    if (now - (this.stopDate ?? now) > REDRIVABLE_PERIOD_MS) return 'Execution redrivable period exceeded';
    if (now - this.startDate > MAX_OPEN_MS) return 'Execution has exceeded the max execution time';
    // Ended between two states (the sandbox only): nothing to rerun.
    if (!this.unsuccessfulState()) return 'Execution has no state to redrive from';
    return undefined;
  }

  /**
   * RedriveExecution: the same execution runs again from the state it did not complete (the last one
   * entered and not exited), with the input that state was entered with; the states that completed keep
   * their results and are not rerun. An `ExecutionRedriven` event, the status RUNNING again (announced with
   * the new redriveCount), the execution timeout counted from now. Returns the redrive's date.
   */
  public redrive(): number {
    const why = this.notRedrivableBecause(this.deps.clock.now());
    if (why) throw new ServiceError('ExecutionNotRedrivable', why, 400);
    const from = this.unsuccessfulState()!;
    this.generation++;
    this.abortController = new AbortController();
    this.abortEngine = undefined;
    this.stopRequest = undefined;
    this.status = 'RUNNING';
    this.stopDate = undefined;
    this.output = undefined;
    this.error = undefined;
    this.cause = undefined;
    this.redriveCount++;
    this.redriveDate = this.deps.clock.now();
    // A rerun state starts its retries afresh, as a new attempt of the state.
    this.retries.delete(from.state);
    this.context.Execution = { ...(this.context.Execution as object), RedriveCount: this.redriveCount, RedriveTime: new Date(this.redriveDate).toISOString() };
    this.push('ExecutionRedriven', 'executionRedrivenEventDetails', { redriveCount: this.redriveCount });
    this.announce();
    this.done = this.run(this.roleArn, from);
    return this.redriveDate;
  }

  /** The last state entered without having exited, with the input it was entered with. */
  private unsuccessfulState(): { state: string; input: string } | undefined {
    const open = new Map<string, string>();
    let last: string | undefined;
    for (const e of this.events) {
      const name = e.details?.name as string | undefined;
      if (!name) continue;
      if (e.type.endsWith('StateEntered')) {
        open.set(name, String(e.details?.input ?? 'null'));
        last = name;
      } else if (e.type.endsWith('StateExited')) open.delete(name);
    }
    return last && open.has(last) ? { state: last, input: open.get(last)! } : undefined;
  }

  // ---- Task states ---------------------------------------------------------------

  private book(state: string, fresh: boolean): RetryBook {
    let b = this.retries.get(state);
    const retriers = ((this.prepared.states.get(state)?.Retry as unknown[]) ?? []).length;
    if (!b || (fresh && !b.pending)) {
      b = { attempts: new Array<number>(retriers).fill(0), delays: new Array<number | undefined>(retriers).fill(undefined), pending: false };
      this.retries.set(state, b);
    }
    return b;
  }

  /** Mirrors the engine's retry decision for `errorName`, with the interval on the virtual clock. */
  private planRetry(state: string, errorName: string): void {
    const def = this.prepared.states.get(state) as StateDef;
    const retriers = (def.Retry ?? []) as { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: string }[];
    const b = this.book(state, false);
    b.pending = false;
    b.delays.fill(undefined);
    const index = retriers.findIndex((r) => r.ErrorEquals.some((e) => e === errorName || e === 'States.ALL' || e === 'States.TaskFailed'));
    if (index < 0) return;
    const r = retriers[index] as (typeof retriers)[number];
    if ((b.attempts[index] ?? 0) >= (r.MaxAttempts ?? 3)) return;
    let seconds = (r.IntervalSeconds ?? 1) * Math.pow(r.BackoffRate ?? 2, b.attempts[index] ?? 0);
    if (r.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, r.MaxDelaySeconds);
    if (r.JitterStrategy === 'FULL') seconds = Math.random() * seconds;
    b.delays[index] = this.deps.clock.realDelay(seconds * 1000);
    b.attempts[index] = (b.attempts[index] ?? 0) + 1;
    b.pending = true;
  }

  private retryIntervals(state: string): number[] | undefined {
    const def = this.prepared.states.get(state);
    const retriers = (def?.Retry ?? []) as { IntervalSeconds?: number }[];
    if (!retriers.length) return undefined;
    const b = this.retries.get(state);
    return retriers.map((r, i) => b?.delays[i] ?? this.deps.clock.realDelay((r.IntervalSeconds ?? 1) * 1000));
  }

  private fail(state: string, name: string, cause: string): Error {
    this.planRetry(state, name);
    return namedError(name, cause);
  }

  private async runTask(state: string, input: unknown): Promise<unknown> {
    // Let the event consumer record TaskStateEntered before our own events.
    await new Promise((resolve) => setImmediate(resolve));
    // A function answering after its execution was stopped and redriven belongs to the run that ended.
    const gen = this.generation;
    const push: Execution['push'] = (...args) => {
      if (gen === this.generation) this.push(...args);
    };
    // …nor plans the new run's retries (the book is the state's, which the redriven run reruns).
    const fail = (name: string, cause: string): Error => (gen === this.generation ? this.fail(state, name, cause) : namedError(name, cause));
    this.book(state, true).pending = false;
    const binding = this.prepared.tasks.get(state) as TaskBinding;
    const def = this.prepared.states.get(state) as StateDef;
    const timeout = typeof def.TimeoutSeconds === 'number' ? def.TimeoutSeconds : undefined;
    let functionRef: string;
    let qualifier: string | undefined;
    let payload: unknown = input;
    const invoke = binding.kind === 'lambda-invoke';
    if (invoke) {
      const params = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown; Qualifier?: unknown };
      if (typeof params.FunctionName !== 'string') throw this.fail(state, 'States.Runtime', 'lambda:invoke needs Parameters.FunctionName');
      functionRef = params.FunctionName;
      qualifier = typeof params.Qualifier === 'string' ? params.Qualifier : undefined;
      payload = params.Payload ?? {};
      push('TaskScheduled', 'taskScheduledEventDetails', {
        resourceType: 'lambda',
        resource: 'invoke',
        region: this.deps.region,
        parameters: JSON.stringify(input),
        ...(timeout ? { timeoutInSeconds: timeout } : {}),
      });
      push('TaskStarted', 'taskStartedEventDetails', { resourceType: 'lambda', resource: 'invoke' });
    } else {
      functionRef = binding.functionRef;
      push('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
        resource: functionRef,
        input: JSON.stringify(input),
        inputDetails: { truncated: false },
        ...(timeout ? { timeoutInSeconds: timeout } : {}),
      });
      push('LambdaFunctionStarted');
    }
    const failed = (error: string, cause: string): Error => {
      if (invoke) push('TaskFailed', 'taskFailedEventDetails', { resourceType: 'lambda', resource: 'invoke', error, cause });
      else push('LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', { error, cause });
      return fail(error, cause);
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.deps.authorizeInvoke?.(this.roleArn, this.name, functionRef, qualifier);
      const call = this.deps.lambda.invoke({ functionName: functionRef, ...(qualifier ? { qualifier } : {}), payload: JSON.stringify(payload) });
      const timedOut = new Promise<never>((_, reject) => {
        if (timeout) timer = setTimeout(() => reject(namedError('States.Timeout', 'Task timed out.')), timeout * 1000);
      });
      const response = await Promise.race([call, timedOut]);
      const text = response.payload.toString('utf8');
      if (response.functionError) {
        let errorType = 'Lambda.Unknown';
        try {
          const parsed = JSON.parse(text) as { errorType?: unknown };
          if (typeof parsed.errorType === 'string') errorType = parsed.errorType;
        } catch {
          // keep Lambda.Unknown
        }
        throw failed(errorType, text);
      }
      const value: unknown = text ? JSON.parse(text) : null;
      const result = invoke
        ? {
            ExecutedVersion: response.executedVersion,
            Payload: value,
            SdkHttpMetadata: { HttpHeaders: { 'X-Amz-Executed-Version': response.executedVersion }, HttpStatusCode: response.statusCode },
            SdkResponseMetadata: { RequestId: randomUUID() },
            StatusCode: response.statusCode,
          }
        : value;
      const output = JSON.stringify(result);
      if (Buffer.byteLength(output) > PAYLOAD_LIMIT) throw failed('States.DataLimitExceeded', `The state/task returned a result with a size exceeding the maximum number of bytes service limit.`);
      if (invoke) push('TaskSucceeded', 'taskSucceededEventDetails', { resourceType: 'lambda', resource: 'invoke', output, outputDetails: { truncated: false } });
      else push('LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', { output, outputDetails: { truncated: false } });
      return result;
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'AccessDeniedException') {
        // "error": "Lambda.AWSLambdaException", "cause": "User: … is not authorized to perform: lambda:InvokeFunction on resource: …
        // (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; …)" — Step Functions' report of a denied invoke.
        throw failed('Lambda.AWSLambdaException', `${err.message} (Service: AWSLambda; Status Code: ${err.status}; Error Code: ${err.code}; Request ID: ${randomUUID()}; Proxy: null)`);
      }
      if (err instanceof ServiceError) throw failed(`Lambda.${err.code}`, `${err.message} (Service: Lambda, Status Code: ${err.status})`);
      if (err instanceof Error && err.name === 'States.Timeout') {
        if (invoke) push('TaskTimedOut', 'taskTimedOutEventDetails', { resourceType: 'lambda', resource: 'invoke', error: 'States.Timeout' });
        else push('LambdaFunctionTimedOut', 'lambdaFunctionTimedOutEventDetails', { error: 'States.Timeout' });
        throw fail('States.Timeout', 'Task timed out.');
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- Wait states ---------------------------------------------------------------

  private async runWait(state: string, input: unknown): Promise<unknown> {
    // Start after the engine's synchronous part (which may run while `Date` is pinned, see run()).
    await null;
    const spec = this.prepared.waits.get(state) ?? {};
    const clock = this.deps.clock;
    let virtualMs = 0;
    if (spec.Seconds !== undefined) virtualMs = spec.Seconds * 1000;
    else if (spec.SecondsPath !== undefined) {
      const seconds = resolveReferencePath(spec.SecondsPath, input, this.context);
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
        throw namedError('States.Runtime', `The SecondsPath parameter does not reference a valid non-negative integer: ${spec.SecondsPath} = ${JSON.stringify(seconds)}`);
      }
      virtualMs = seconds * 1000;
    } else {
      const stamp = spec.Timestamp ?? resolveReferencePath(spec.TimestampPath ?? '', input, this.context);
      const target = typeof stamp === 'string' ? Date.parse(stamp) : NaN;
      if (!Number.isFinite(target)) throw namedError('States.Runtime', `The TimestampPath parameter does not reference a valid ISO-8601 timestamp: ${JSON.stringify(stamp)}`);
      virtualMs = target - clock.now();
    }
    await clock.sleep(Math.max(0, virtualMs), this.abortController.signal);
    return input;
  }
}
