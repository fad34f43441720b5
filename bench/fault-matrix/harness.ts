import '../../sandbox/polyfills';
import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { cliClients, type CliClients } from '../../cli/config';
import { succeeded } from '../../functions/decommission/decommission';
import { manualRollback } from '../../core/manual-rollback';
import type { ReleaseState } from '../../core/release-state';
import { partitionKey, type LockItem, type ReleaseItem } from '../../core/ledger';
import { targetSchema, type ReleaseInput, type Target } from '../../core/release-input';
import { routerFor } from '../../targets';
import { BUCKET, FUNCTION, ALIAS } from '../../examples/ai-service/sandbox-service';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import type { Fault } from '../../sandbox/faults';
import { faultError } from '../../sandbox/protocol';
import type { InvokeRequest, InvokeResponse } from '../../sandbox/services/lambda';
import type { FaultCase, FaultKind, Scenario } from './matrix';
import { judge, type CaseVerdict, type Observed } from './invariants';
import { faultTarget, rigInput, type FaultTarget } from './targets';

/**
 * One sandbox per target kind with the orchestrator deployed once, the example
 * service live on model v1 behind the rehearsal's target of that kind
 * (`ai-handler:production`, the `ai-endpoint` SageMaker endpoint, or the
 * `prod` stage of a REST API: rehearsal/targets.ts); each case releases a
 * fresh version of it (a new artifact URI) with short durations, arms one
 * fault at one point of the lifecycle, waits for the execution to end, then
 * reads what is live and judges the invariants (invariants.ts).
 */

/**
 * The handlers' per-attempt request timeout in the matrix, and the latency
 * injected "beyond" it. Production uses 5 s (functions/kit/clients.ts);
 * 1 s keeps a latency case to a few wall seconds. Faults are wall time.
 */
export const MATRIX_REQUEST_TIMEOUT_MS = 1_000;
export const MATRIX_LATENCY_MS = 1_500;
/** Simulated seconds per wall second: a 120 s bake + 40 s retention take about 0.16 wall seconds of waiting. */
export const MATRIX_TIME_SCALE = 1_000;

/** The bake of a latency case, in simulated seconds: longer than the late requests take to land. */
export const LATENCY_CASE_BAKE = { seconds: 3_000, pollSeconds: 500 };

export const USER_ALARM = 'fault-matrix-user-alarm';
/** How long (simulated) the user alarm's breach lasts in a rollback scenario. */
const BREACH_MS = 600_000;
const SMALL_GOLDEN_SET_KEY = 'ai-handler/golden-set-small.jsonl';
const SMALL_GOLDEN_SET = `s3://${BUCKET}/${SMALL_GOLDEN_SET_KEY}`;

/** How many requests each kind of fault hits. */
export function faultTimes(kind: FaultKind): number | undefined {
  switch (kind) {
    case 'throttle':
      return 1; // one throttle: the SDK's own retry absorbs it
    case '5xx':
      return 3; // three in a row: all of the SDK's attempts, so the handler sees it and the state's Retry runs
    case 'latency':
      return 3; // every SDK attempt times out (TimeoutError); each request still lands late, as on AWS
    case 'access-denied':
      return undefined; // permanent (until the case ends)
  }
}

export interface CaseResult extends CaseVerdict {
  id: string;
  caseName: string;
  executionArn: string;
  executionStatus: string;
  executionError?: string;
  outcome?: string;
  outcomeError?: string;
  /** Requests the fault actually hit (0: the operation was not called after the trigger). */
  hits: number;
  wallMs: number;
  cliError?: string;
}

interface ScopedInvokeFault {
  functionName: string;
  kind: FaultKind;
  remaining: number | null;
  hits: number;
}

export interface Hook {
  /** Matches a Task state's invocation (by its function and input). */
  match: (fn: string, input: Record<string, unknown>) => boolean;
  /** Runs once, before the matched invocation proceeds. */
  before?: () => Promise<void>;
  /** Arms the fault: 'before' the matched Invoke takes its own faults (Task invoke rows), or 'after' (the handler's calls). */
  arm?: 'before' | 'after';
  /** Replaces the invocation's answer (PrepareGreen "crashes" after publishing). */
  crashAfter?: boolean;
  /** Runs once the invocation has answered and the answer is on its way back to Step Functions (not awaited). */
  afterAnswer?: () => Promise<void>;
  fired?: boolean;
}

/** The task folder behind each Task state of the ASL (its function's name comes from the deployed template). */
const TASK_FOLDERS: Record<string, string> = {
  ValidateInput: 'validate-input',
  AcquireLock: 'acquire-lock',
  PrepareGreen: 'prepare-green',
  CheckGreenReady: 'check-green-ready',
  SmokeTestGreen: 'smoke-test',
  ArmAlarms: 'arm-alarms',
  ShiftTraffic: 'shift-traffic',
  CheckAlarms: 'check-alarms',
  RollBackToBlue: 'roll-back',
  Decommission: 'decommission',
  ReleaseLock: 'release-lock',
  RecordOutcome: 'record-outcome',
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bareName = (ref: string) => ref.replace(/^arn:[^:]+:lambda:[^:]+:\d+:function:/, '').split(':')[0];

export class FaultHarness {
  public stack!: RehearsalStack;
  /** The target kind released, read and restored through the product's router (targets.ts). */
  public target!: FaultTarget;
  protected sfn!: SFNClient;
  protected cli!: CliClients;
  protected hooks: Hook[] = [];
  private scoped: ScopedInvokeFault[] = [];
  protected injected: Fault[] = [];
  private armFault: (() => void) | undefined;
  protected seq = 0;
  private lastEndedExecution: string | undefined;
  /** Function name per Task state, as deployed from the synthesized template. */
  protected get taskFunctions(): Record<string, string> {
    return Object.fromEntries(Object.entries(TASK_FOLDERS).map(([task, folder]) => [task, this.stack.deployed.functions[folder]!]));
  }

  /** A sandbox releasing through one target kind (`kind`, default the Lambda alias): a case of another kind needs another harness. */
  public static async start<H extends FaultHarness>(this: new () => H, options: { timeScale?: number; extraManagedFunctions?: string[]; kind?: Target['kind'] } = {}): Promise<H> {
    const h = new this();
    await h.init(options.timeScale ?? MATRIX_TIME_SCALE, options.extraManagedFunctions ?? [], options.kind ?? 'lambda-alias');
    return h;
  }

  private async init(timeScale: number, extraManaged: string[], kind: Target['kind']): Promise<void> {
    // The orchestrator with the matrix's request timeout (see MATRIX_REQUEST_TIMEOUT_MS).
    this.stack = await startRehearsalStack({
      timeScale,
      target: kind,
      managedFunctions: extraManaged,
      environment: { CUTOVER_AWS_REQUEST_TIMEOUT_MS: String(MATRIX_REQUEST_TIMEOUT_MS) },
    });
    try {
      const { sandbox } = this.stack;
      this.sfn = new SFNClient({ ...sandbox.clientConfig, maxAttempts: 3 });
      this.cli = cliClients(this.stack.config);
      const probe = await this.releaseInput(0, 'success');
      if (probe.target.kind !== kind) throw new Error(`the rehearsal's ${kind} target releases ${probe.target.kind}, not ${kind}`);
      // Read through the schema, as ValidateInput does: the target with its defaults (the stage's variable).
      this.target = faultTarget(targetSchema.parse(probe.target), this.cli.routers);
      // A small golden set (its schema line and 10 cases): enough to exercise S3 and the gates, fast to run twice.
      const full = await this.stack.aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ai-handler/golden-set.jsonl' }));
      const lines = (await full.Body!.transformToString()).split('\n').filter((l) => l.trim());
      await this.stack.aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: SMALL_GOLDEN_SET_KEY, Body: lines.slice(0, 11).join('\n') }));
      // The user's alarm that a rollback scenario breaches.
      await this.stack.aws.cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: USER_ALARM,
          Namespace: 'FaultMatrix',
          MetricName: 'Breach',
          Statistic: 'Sum',
          // Standard-resolution points: a 10/20/30 s period would never see them (CloudWatch's rule, emulated).
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        }),
      );
      sandbox.cloudwatch.alarms.evaluateAll();
      this.wrapInvoke();
    } catch (err) {
      await this.stack.stop();
      throw err;
    }
  }

  public async stop(): Promise<void> {
    this.sfn?.destroy();
    this.cli?.destroy();
    await this.stack?.stop();
  }

  /** Step Functions Tasks and the HTTP API both call LambdaService.invoke: hook it to arm faults at a Task's invocation. */
  private wrapInvoke(): void {
    // Every request the sandbox serves passes the fault injector: note who made it.
    const faults = this.stack.sandbox.faults;
    const take = faults.take.bind(faults);
    faults.take = (service, operation) => {
      this.noteCall(service, operation);
      return take(service, operation);
    };
    const lambda = this.stack.sandbox.lambda;
    const invoke = lambda.invoke.bind(lambda);
    // Attribution: a Task's own invocation, the calls made while it runs, the target's calls while it is invoked.
    const original = async (req: InvokeRequest): Promise<InvokeResponse> => {
      const fn = bareName(req.functionName);
      const task = Object.entries(this.taskFunctions).find(([, f]) => f === fn)?.[0];
      if (task) this.tasksInFlight++;
      this.invokeLabel = task ? `${task} (Task invoke)` : this.currentTask;
      let call: Promise<InvokeResponse>;
      try {
        call = invoke(req); // takes its Invoke fault synchronously
      } finally {
        this.invokeLabel = undefined;
      }
      const previous = this.currentTask;
      if (task) this.currentTask = task;
      else this.targetInFlight++;
      try {
        return await call;
      } finally {
        if (task) {
          this.currentTask = previous;
          this.tasksInFlight--;
        } else this.targetInFlight--;
      }
    };
    lambda.invoke = async (req: InvokeRequest): Promise<InvokeResponse> => {
      const fn = bareName(req.functionName);
      if (fn === this.stack.deployed.functions['reconcile-release']) return this.reconcilerInvoke(req, original);
      await this.takeScopedFault(fn);
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(Buffer.isBuffer(req.payload) ? req.payload.toString('utf8') : (req.payload ?? '{}')) as Record<string, unknown>;
      } catch {
        // not JSON: matches no hook
      }
      const hook = this.hooks.find((h) => !h.fired && h.match(fn, input));
      if (!hook) return original(req);
      hook.fired = true;
      if (hook.before) await hook.before();
      if (hook.arm === 'before') {
        this.armFault?.();
        return this.invokeScopedAware(original, req);
      }
      const call = original(req); // takes the sandbox's Invoke faults synchronously
      if (hook.arm === 'after') this.armFault?.();
      if (hook.afterAnswer) {
        const after = hook.afterAnswer;
        void call.then(
          () => sleep(5).then(after).catch((err: unknown) => process.stderr.write(`fault matrix: a hook after ${fn}'s answer failed: ${(err as Error).message}\n`)),
          () => undefined,
        );
      }
      if (!hook.crashAfter) return call;
      const response = await call;
      if (response.functionError) return response;
      return {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: 'Unhandled',
        payload: Buffer.from(JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: signal: killed (injected by the fault matrix after the handler had finished)' })),
      };
    };
  }

  /** Task invocations under way (their functions still running). */
  private tasksInFlight = 0;
  /** Reconciler runs under way, and the runs that have ended, by the execution they reconciled. */
  private reconcilersRunning = 0;
  private readonly reconciled = new Map<string, number>();

  /**
   * The reconciler, invoked by EventBridge when an execution stops, times out or fails. It waits out a Task
   * function that may still be running until that Task's TimeoutSeconds has passed on the clock it reads;
   * on AWS the function has ended by then (Lambda ends it at its own timeout). Here virtual time runs 1,000
   * times faster than the function does, so the harness holds the reconciler until the Task invocations have
   * answered: the order AWS guarantees, not a shortcut.
   */
  private async reconcilerInvoke(req: InvokeRequest, original: (req: InvokeRequest) => Promise<InvokeResponse>): Promise<InvokeResponse> {
    const deadline = Date.now() + 30_000;
    while (this.tasksInFlight > 0 && Date.now() < deadline) await sleep(10);
    let arn = '';
    try {
      arn = (JSON.parse(Buffer.isBuffer(req.payload) ? req.payload.toString('utf8') : (req.payload ?? '{}')) as { detail?: { executionArn?: string } }).detail?.executionArn ?? '';
    } catch {
      // not an event: counted under ''
    }
    this.reconcilersRunning++;
    try {
      return await original(req);
    } finally {
      this.reconcilersRunning--;
      this.reconciled.set(arn, (this.reconciled.get(arn) ?? 0) + 1);
    }
  }

  /** Once the reconciler has run `times` for `executionArn` and none is running (bounded: a case must end). */
  public async reconciledFor(executionArn: string, times = 1, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((this.reconciled.get(executionArn) ?? 0) >= times && this.reconcilersRunning === 0) return true;
      await sleep(20);
    }
    return false;
  }

  /** A scoped Invoke fault armed for function `fn`, if any, hits this call: a delay, or the fault's error. */
  private async takeScopedFault(fn: string): Promise<void> {
    const scoped = this.scoped.find((s) => s.functionName === fn && (s.remaining === null || s.remaining > 0));
    if (!scoped) return;
    scoped.hits++;
    if (scoped.remaining !== null) scoped.remaining--;
    if (scoped.kind === 'latency') await sleep(MATRIX_LATENCY_MS);
    else throw faultError('lambda', 'Invoke', scoped.kind);
  }

  /** A Task invoke armed 'before': a scoped fault on this very function applies to this call. */
  private async invokeScopedAware(original: (req: InvokeRequest) => Promise<InvokeResponse>, req: InvokeRequest): Promise<InvokeResponse> {
    await this.takeScopedFault(bareName(req.functionName));
    return original(req);
  }

  protected clearFaults(): void {
    this.stack.sandbox.faults.clear();
    this.injected = [];
    this.scoped = [];
    this.armFault = undefined;
  }

  protected hits(): number {
    // The injector drops a fault once its `times` are spent: count on the objects it returned.
    return this.injected.reduce((n, f) => n + f.hits, 0) + this.scoped.reduce((n, s) => n + s.hits, 0);
  }

  /** The user alarm back to OK: its breach points aged out. */
  protected resetUserAlarm(): void {
    const { sandbox } = this.stack;
    sandbox.clock.advance(BREACH_MS + 300_000);
    sandbox.cloudwatch.alarms.evaluateAll();
  }

  /**
   * Breach points from the last complete minute (CloudWatch evaluates only periods that are over) to ten
   * simulated minutes ahead, so that the alarm reads ALARM at once and still does when the check looks,
   * however long the check takes to start on a loaded machine (100 ms of wall time is 100 s here).
   */
  protected breachUserAlarm(): void {
    const { sandbox } = this.stack;
    const from = Math.floor(sandbox.clock.now() / 60_000) * 60_000 - 60_000;
    for (let t = from; t <= from + BREACH_MS; t += 5_000) sandbox.cloudwatch.metrics.putValue({ Namespace: 'FaultMatrix', MetricName: 'Breach', Dimensions: [] }, t, 1);
    sandbox.cloudwatch.alarms.evaluateAll();
  }

  /** What is live: the version (or variant) with all of the traffic, or the split as JSON. */
  public async liveVersion(target: FaultTarget = this.target): Promise<{ version: string; split: Record<string, number> }> {
    const split = await target.split();
    const all = Object.entries(split).find(([, pct]) => pct === 100);
    return { version: all?.[0] ?? JSON.stringify(split), split };
  }

  /**
   * The release input of a case: a fresh artifact (a copy of model v2 under a new key), short durations,
   * released through the harness's target kind (the rehearsal's own mapping of a Lambda-alias input).
   */
  public async releaseInput(n: number, scenario: Scenario, deleteBlueVersion = false, bake = { seconds: 120, pollSeconds: 60 }, model = 'v2'): Promise<ReleaseInput> {
    const artifact = `fault-${n}`;
    const key = `ai-handler/models/${artifact}.json`;
    await this.stack.aws.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/ai-handler/models/${model}.json` }));
    const input: ReleaseInput = {
      target: { kind: 'lambda-alias', functionName: FUNCTION, alias: ALIAS },
      artifact: { uri: `s3://${BUCKET}/${key}`, envVar: 'MODEL_URI' },
      description: `fault matrix case ${n} (${scenario})`,
      // The latency gate is not under test here, and a cold green on a loaded machine can take seconds: only the quality gates judge.
      smokeTest: { cases: [], goldenSet: { uri: SMALL_GOLDEN_SET, concurrency: 4, maxPassRateDrop: 0.1, latencyP95Ms: 900_000 } },
      bake: { ...bake, onInconclusive: 'proceed' },
      retention: { seconds: 40, pollSeconds: 20 },
      alarms: { names: [USER_ALARM], releaseAlarms: true, errorRateThreshold: 0.05, periodSeconds: 60, latencyP95Ms: 10_000, blockOnPreexistingAlarms: false },
      decommission: { deleteBlueVersion },
      startedBy: 'fault-matrix',
    };
    return rigInput(this.stack, input, artifact);
  }

  /** A hook on `task`'s invocation (in `phase`; of release `only`'s execution when given). */
  protected taskHook(task: string, phase: 'bake' | 'retention' | undefined, extra: Partial<Hook> = {}, only?: string): Hook {
    const fn = this.taskFunctions[task];
    if (!fn) throw new Error(`no Task ${task}`);
    const ofRelease = (input: Record<string, unknown>) => {
      if (!only) return true;
      // ValidateInput's input is the execution's input and its context: the execution's name is the release's id.
      const release = input.release as { id?: string } | undefined;
      const execution = input.execution as { name?: string } | undefined;
      return (release?.id ?? execution?.name) === only;
    };
    return {
      match: (name, input) => name === fn && (!phase || (input.progress as { phase?: string } | undefined)?.phase === phase) && ofRelease(input),
      ...extra,
    };
  }

  /** Runs one case (or, with `fault` undefined, the scenario alone: the baseline). */
  public async run(c: FaultCase | undefined, scenario: Scenario = c?.row.scenario ?? 'success', options: { timeoutMs?: number } = {}): Promise<CaseResult> {
    const started = Date.now();
    const n = ++this.seq;
    const caseName = `fm-${n}-${started.toString(36)}`;
    this.clearFaults();
    this.hooks = [];
    this.resetUserAlarm();
    const { sandbox } = this.stack;
    const before = await this.liveVersion();
    const blue = before.version;
    // SageMaker deletes only a blue model Cutover created: asking for more is asking for nothing.
    const deleteBlueVersion = c?.row.setup === 'delete-blue-version' && this.target.blueDeletable(blue);
    if (c?.row.setup === 'stale-lock') await this.seedStaleLock();
    // A request delayed beyond its timeout still lands, late: on AWS that is during the bake (minutes), never
    // after the release has ended. At 1,000× a 40 s bake lasts 40 ms, so latency cases bake longer (3 wall seconds).
    const bake = c?.kind === 'latency' ? LATENCY_CASE_BAKE : undefined;
    const input = await this.releaseInput(n, scenario, c?.row.setup === 'delete-blue-version', bake);
    const restoreTimings = c && this.slowsEndpointUpdates(c) ? this.slowEndpointUpdates(input) : undefined;
    let cliError: string | undefined;

    // The fault, armed at the row's trigger.
    if (c) {
      const times = faultTimes(c.kind);
      this.armFault = () => {
        if (c.row.invokeScope) {
          const fn = c.row.invokeScope === 'target' ? this.target.invokedFunction! : this.taskFunctions[(c.row.trigger as { task: string }).task]!;
          this.scoped.push({ functionName: fn, kind: c.kind, remaining: times ?? null, hits: 0 });
        } else {
          this.injected.push(sandbox.faults.inject({ service: c.operation.service, operation: c.operation.operation, kind: c.kind, ...(times ? { times } : {}), ...(c.kind === 'latency' ? { latencyMs: MATRIX_LATENCY_MS } : {}) }));
        }
      };
    }
    // The scenario's own events.
    if (scenario === 'alarm-rollback') this.hooks.push(this.taskHook('CheckAlarms', 'bake', { before: async () => this.breachUserAlarm() }));
    if (scenario === 'prepare-crash') this.hooks.push(this.taskHook('PrepareGreen', undefined, { crashAfter: true }));
    if (scenario === 'manual-rollback') {
      this.hooks.push(
        this.taskHook('CheckAlarms', 'bake', {
          before: async () => {
            if (c) this.armFault?.();
            try {
              // One attempt (settleMs 0): the check this hook holds back is what would roll back if the CLI's move fails.
              // The target as the CLI has it: read through the schema, with its defaults (an API Gateway stage's variable).
              await manualRollback(this.target.target, { by: 'fault-matrix', reason: 'case' }, { ledger: this.cli.ledger, router: (t) => routerFor(t, this.cli.routers), settleMs: 0 });
            } catch (err) {
              cliError = `${(err as Error).name}: ${(err as Error).message}`;
            }
            // The CLI's faults last while it runs; the release goes on without them.
            if (c) {
              this.lastHits = this.hits();
              this.stack.sandbox.faults.clear();
            }
          },
        }),
      );
    }
    if (c && 'task' in c.row.trigger) {
      const t = c.row.trigger;
      const hook = this.hooks.find((h) => h.match(this.taskFunctions[t.task]!, { progress: { phase: t.phase } }) && !h.crashAfter);
      // Same invocation as a scenario hook (e.g. the first bake check): arm there too.
      if (hook) hook.arm = c.row.invokeScope === 'task' ? 'before' : 'after';
      else this.hooks.push(this.taskHook(t.task, t.phase, { arm: c.row.invokeScope === 'task' ? 'before' : 'after' }));
    }
    this.lastHits = 0;

    const start = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stack.deployed.stateMachineArn, name: caseName, input: JSON.stringify(input) }));
    const executionArn = start.executionArn!;
    let status = await sandbox.stepfunctions.waitFor(executionArn, options.timeoutMs ?? 90_000);
    const ended = status !== 'RUNNING';
    const hits = Math.max(this.lastHits, this.hits());
    // Requests delayed by a latency fault still land after their client gave up: let them.
    if (c?.kind === 'latency') await sleep(MATRIX_LATENCY_MS + 300);
    this.clearFaults();
    restoreTimings?.();
    if (!ended) {
      await this.sfn.send(new StopExecutionCommand({ executionArn, error: 'FaultMatrix.Timeout', cause: 'the case did not end in time' }));
      status = await sandbox.stepfunctions.waitFor(executionArn, 5_000);
    }
    const described = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const observed = await this.observe(caseName, executionArn, blue);
    const verdict = judge({
      completed: this.completed(executionArn),
      fault: c ? { kind: c.kind, operation: c.operation, row: c.row } : undefined,
      scenario,
      blue,
      deleteBlueVersion,
      ended,
      execution: { status: described.status ?? 'UNKNOWN', error: described.error, cause: described.cause },
      observed,
      cliError,
    });
    await this.cleanUp(observed, blue);
    if (ended) this.lastEndedExecution = executionArn;
    return {
      id: c?.id ?? `baseline/${scenario}`,
      caseName,
      executionArn,
      executionStatus: described.status ?? 'UNKNOWN',
      executionError: described.error,
      outcome: observed.item?.status,
      outcomeError: observed.item?.outcome?.error,
      hits,
      wallMs: Date.now() - started,
      cliError,
      ...verdict,
    };
  }

  private lastHits = 0;

  /**
   * PrepareGreen's UpdateEndpoint, delayed beyond its timeout, is sent again by the SDK; on AWS the repeats
   * land while the update the first one started still runs (an endpoint update takes minutes, a request
   * cannot be held for longer than its signature lives, 5 minutes, and the SDK's attempts all go within
   * seconds), so SageMaker rejects them ("Cannot update in-progress endpoint"). At 1,000× the sandbox's
   * update (60 simulated seconds) ends in 60 ms while the repeats land up to seconds later: a repeat
   * would then put the config's weights (blue 1, green 0) back after the switch, an ordering AWS cannot
   * produce. So in that case the update the first landing starts outlasts the repeats; the updates after
   * them (Decommission's) take the usual time. The other UpdateEndpoint calls (Decommission's) repeat
   * the config the endpoint is already going to, and need nothing.
   */
  private slowsEndpointUpdates(c: FaultCase): boolean {
    return this.target.kind === 'sagemaker-endpoint' && c.kind === 'latency' && c.row.caller === 'PrepareGreen' && c.operation.operation === 'UpdateEndpoint';
  }

  /**
   * Endpoint updates as long as the delayed attempts take to land, until they have landed; a readiness
   * loop that waits for such an update. Returns a function that puts the timings back (at once).
   */
  private slowEndpointUpdates(input: ReleaseInput): () => void {
    const { sagemaker, clock } = this.stack.sandbox;
    const times = faultTimes('latency') ?? 1;
    const lateWallMs = MATRIX_LATENCY_MS * times;
    if (input.target.kind === 'sagemaker-endpoint') input.target.readyTimeoutSeconds = 7_200;
    const before = sagemaker.setTimings({ updateSeconds: Math.ceil((lateWallMs / 1000) * clock.timeScale) });
    let restored = false;
    const restore = () => {
      if (!restored) sagemaker.setTimings(before);
      restored = true;
    };
    void (async () => {
      // The last attempt was sent when the fault took its last hit; it lands MATRIX_LATENCY_MS later.
      while (!restored && this.hits() < times) await sleep(20);
      await sleep(MATRIX_LATENCY_MS + 200);
      restore();
    })();
    return restore;
  }

  /** What each Task was seen calling (service.Operation), when `observing`: checks the matrix table against the code. */
  public readonly observed = new Map<string, Set<string>>();
  public observing = false;
  private currentTask: string | undefined;
  private invokeLabel: string | undefined;
  private targetInFlight = 0;

  private noteCall(service: string, operation: string): void {
    if (!this.observing) return;
    const who = this.invokeLabel ?? (this.targetInFlight > 0 ? FUNCTION : this.currentTask) ?? '(outside a Task)';
    if (!this.observed.has(who)) this.observed.set(who, new Set());
    this.observed.get(who)!.add(`${service}.${operation}`);
  }

  /** Whether Decommission was entered with a completed release (its own `succeeded` rule, on its input). */
  protected completed(executionArn: string): boolean {
    const events = this.stack.sandbox.stepfunctions.getExecution(executionArn).events;
    const entered = events.filter((e) => e.type === 'TaskStateEntered' && e.details?.name === 'Decommission');
    return entered.some((e) => succeeded(JSON.parse(String(e.details?.input ?? 'null')) as ReleaseState));
  }

  private async seedStaleLock(): Promise<void> {
    const owner = this.lastEndedExecution ?? `${this.stack.deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:never-ran`;
    const item: LockItem = { pk: partitionKey(this.target.key), sk: 'LOCK', ownerExecutionArn: owner, releaseId: 'stale', releaseSk: 'RELEASE#stale', acquiredAt: new Date(0).toISOString() };
    await this.cli.dynamo.send(new PutCommand({ TableName: this.stack.deployed.tableName, Item: item as unknown as Record<string, unknown> }));
  }

  protected async observe(caseName: string, executionArn: string, blue: string, target: FaultTarget = this.target): Promise<Observed> {
    const live = await this.liveVersion(target);
    const key = target.key;
    const lock = await this.cli.ledger.getLock(key);
    const releases = await this.cli.ledger.listReleases(key, 50);
    const item = releases.find((r) => r.releaseId === caseName) as ReleaseItem | undefined;
    const alarms = await this.stack.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `cutover-${caseName}-` }));
    const left = await target.leftovers(caseName, blue);
    return {
      split: live.split,
      lock: lock ? { owner: lock.ownerExecutionArn, ours: lock.ownerExecutionArn === executionArn, needsAttention: Boolean(lock.needsAttention) } : undefined,
      item,
      alarmsLeft: (alarms.MetricAlarms ?? []).map((a) => a.AlarmName!),
      greenVersions: left.created,
      greenFromLedger: item?.greenVersion,
      blueExists: left.blueExists,
    };
  }

  /** Leaves the sandbox as the next case expects it: no lock, no release alarms, one version (variant) alone on the route. */
  protected async cleanUp(observed: Observed, blue: string, target: FaultTarget = this.target): Promise<void> {
    if (observed.lock) await this.cli.dynamo.send(new DeleteCommand({ TableName: this.stack.deployed.tableName, Key: { pk: partitionKey(target.key), sk: 'LOCK' } }));
    if (observed.alarmsLeft.length) await this.stack.aws.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: observed.alarmsLeft }));
    await target.restore(blue, observed.split);
  }
}

export type { Observed };
