import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as errors from '../../core/errors';
import { RECONCILER_FUNCTION } from '../../infra/defaults';
import type { Retrier } from '../../statemachine/time-budget';
import { READY_TIMEOUT_MAX_SECONDS, releaseInputSchema } from '../../core/release-input';

/**
 * Static checks of statemachine/release.asl.json: valid ASL, every Task bound
 * to a handler that exists, the retries AWS recommends, no construct the local
 * engine (aws-local-stepfunctions) runs incorrectly, a sound graph, error names
 * that the handlers really throw, and a Fail state with Error and Cause at
 * every end that is not a success.
 *
 * Each check is a function returning its problems; each is also run on a
 * broken copy of the definition, to prove it can fail.
 */

// asl-validator 4 ships no types: (definition, { checkPaths, checkArn }) => { isValid, errors, errorsText }.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: { 'Error code': string; Message: string }[]; errorsText: (separator?: string) => string };

interface Catcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}
interface ChoiceRule {
  Variable?: string;
  StringEquals?: string;
  Next: string;
  [op: string]: unknown;
}
interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: ChoiceRule[];
  Resource?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
  TimeoutSeconds?: number;
  ResultPath?: string | null;
  Result?: unknown;
  Error?: string;
  Cause?: string;
  ErrorPath?: string;
  CausePath?: string;
  [key: string]: unknown;
}
interface Definition {
  StartAt: string;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  States: Record<string, State>;
  [key: string]: unknown;
}

const ROOT = path.join(__dirname, '../..');
const ASL_TEXT = readFileSync(path.join(ROOT, 'statemachine/release.asl.json'), 'utf8');
const load = (): Definition => JSON.parse(ASL_TEXT) as Definition;
const clone = <T>(v: T): T => structuredClone(v);

/** `RollBackFunctionArn` → `roll-back` (SAM DefinitionSubstitutions → functions/<folder>). */
const folderOf = (placeholder: string) =>
  placeholder
    .replace(/FunctionArn$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
const placeholderArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:cutover-${folderOf(name)}`;
const substitute = (text: string) => text.replace(/\$\{(\w+)\}/g, (_, name: string) => placeholderArn(name));

const LAMBDA_RETRY_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
];
const KNOWN_STATES_ERRORS = new Set([
  'States.ALL',
  'States.Timeout',
  'States.TaskFailed',
  'States.Permissions',
  'States.HeartbeatTimeout',
  'States.DataLimitExceeded',
  'States.Runtime',
  'States.ResultPathMatchFailure',
  'States.ParameterPathFailure',
  'States.BranchFailed',
  'States.NoChoiceMatched',
  'States.IntrinsicFailure',
  'States.ExceedToleratedFailureThreshold',
  'States.ItemReaderFailed',
  'States.ResultWriterFailed',
  'States.QueryEvaluationError',
]);
const KNOWN_LAMBDA_ERRORS = new Set([...LAMBDA_RETRY_ERRORS, 'Lambda.Unknown']);
const INT32_MAX = 2 ** 31 - 1;

const tasks = (def: Definition) => Object.entries(def.States).filter(([, s]) => s.Type === 'Task');

/** Every transition out of a state, with the Catch that takes it (if any). */
function edgesOf(state: State): { to: string; catcher?: Catcher; rule?: ChoiceRule; isDefault?: boolean }[] {
  return [
    ...(state.Next ? [{ to: state.Next }] : []),
    ...(state.Default ? [{ to: state.Default, isDefault: true }] : []),
    ...(state.Choices ?? []).map((rule) => ({ to: rule.Next, rule })),
    ...(state.Catch ?? []).map((catcher) => ({ to: catcher.Next, catcher })),
  ];
}

/** Every object in the definition, with its JSON path, for key-level checks. */
function walk(value: unknown, at = '$', out: { at: string; obj: Record<string, unknown> }[] = []) {
  if (value && typeof value === 'object') {
    if (!Array.isArray(value)) out.push({ at, obj: value as Record<string, unknown> });
    for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, out);
  }
  return out;
}

// ---------- the checks ----------

function validatorProblems(def: Definition): string[] {
  const result = aslValidator(clone(def), { checkPaths: true, checkArn: true });
  return result.isValid ? [] : result.errors.map((e) => `${e['Error code']}: ${e.Message}`);
}

/** Folders under functions/ that are not Task states: the reconciler, which an EventBridge rule runs (the trigger's function lives in triggers/). */
const NOT_TASK_FUNCTIONS: string[] = [RECONCILER_FUNCTION.folder];

function placeholderProblems(text: string): string[] {
  const def = JSON.parse(text) as Definition;
  const problems: string[] = [];
  const names = [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
  for (const name of names) {
    if (!/^[A-Z][A-Za-z0-9]*FunctionArn$/.test(name)) problems.push(`\${${name}} is not a <Task>FunctionArn substitution`);
    else if (!existsSync(path.join(ROOT, 'functions', folderOf(name), 'handler.ts'))) problems.push(`\${${name}}: functions/${folderOf(name)}/handler.ts does not exist`);
  }
  for (const [name, state] of tasks(def)) {
    if (!/^\$\{\w+FunctionArn\}$/.test(state.Resource ?? '')) problems.push(`${name}: Resource ${state.Resource} is not a \${<Task>FunctionArn} substitution`);
  }
  const used = new Set(names.map(folderOf));
  const folders = readdirSync(path.join(ROOT, 'functions')).filter((f) => existsSync(path.join(ROOT, 'functions', f, 'handler.ts')) && !NOT_TASK_FUNCTIONS.includes(f));
  for (const folder of folders) if (!used.has(folder)) problems.push(`functions/${folder}/handler.ts is run by no Task`);
  return problems;
}

function retryProblems(def: Definition): string[] {
  const problems: string[] = [];
  for (const [name, state] of tasks(def)) {
    const retried = new Set((state.Retry ?? []).filter((r) => (r.MaxAttempts ?? 3) > 0).flatMap((r) => r.ErrorEquals));
    const missing = LAMBDA_RETRY_ERRORS.filter((e) => !retried.has(e) && !retried.has('States.ALL'));
    if (missing.length > 0) problems.push(`${name}: Retry misses ${missing.join(', ')}`);
    if ((state.Retry ?? []).some((r) => r.ErrorEquals.includes('States.ALL'))) problems.push(`${name}: Retry on States.ALL would retry errors that will not go away`);
    const catchers = state.Catch ?? [];
    const last = catchers[catchers.length - 1];
    if (!last || last.ErrorEquals.length !== 1 || last.ErrorEquals[0] !== 'States.ALL') problems.push(`${name}: no final Catch on States.ALL`);
  }
  return problems;
}

/** The longest a Task can spend waiting between its attempts (every retrier exhausted; no jitter). */
function retryWaitSeconds(state: State): number {
  let total = 0;
  for (const r of state.Retry ?? []) {
    const interval = r.IntervalSeconds ?? 1;
    const rate = r.BackoffRate ?? 2;
    for (let k = 0; k < (r.MaxAttempts ?? 3); k++) total += Math.min(interval * rate ** k, r.MaxDelaySeconds ?? Infinity);
  }
  return total;
}

/**
 * The least a retrier waits in all before it gives up. "FULL: a random delay between 0 and the computed
 * interval" — https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (JitterStrategy),
 * so with full jitter nothing is guaranteed.
 */
function guaranteedWaitSeconds(r: Retrier): number {
  if (r.JitterStrategy === 'FULL') return 0;
  return retryWaitSeconds({ Type: 'Task', Retry: [r] });
}

function rollbackTask(def: Definition): [string, State] {
  const found = tasks(def).filter(([, s]) => s.Resource === '${RollBackFunctionArn}');
  if (found.length !== 1) throw new Error(`expected one Task running functions/roll-back, found ${found.length}`);
  return found[0];
}

function engineProblems(def: Definition): string[] {
  const problems: string[] = [];
  for (const { at, obj } of walk(def)) {
    if ('QueryLanguage' in obj && obj.QueryLanguage !== 'JSONPath') problems.push(`${at}: QueryLanguage ${String(obj.QueryLanguage)} (the local engine runs JSONPath only)`);
    if ('Assign' in obj) problems.push(`${at}: Assign (not supported by the local engine)`);
    if (obj.ResultPath === '$') problems.push(`${at}: ResultPath "$" (buggy in the local engine)`);
    if (typeof obj.Resource === 'string' && obj.Resource.includes('.waitForTaskToken')) problems.push(`${at}: .waitForTaskToken (not supported by the local engine)`);
    if (obj.Type === 'Pass' && 'Result' in obj && !obj.Result) problems.push(`${at}: Pass with a falsy Result (ignored by the local engine)`);
  }
  for (const [name, state] of tasks(def)) {
    if (state.TimeoutSeconds === undefined) problems.push(`${name}: no TimeoutSeconds (60 s locally, 99999999 s on AWS)`);
    else if (state.TimeoutSeconds > 900) problems.push(`${name}: TimeoutSeconds ${state.TimeoutSeconds} > 900 (a Lambda cannot run longer)`);
  }
  if (def.TimeoutSeconds === undefined) problems.push('no top-level TimeoutSeconds');
  else if (def.TimeoutSeconds * 1000 > INT32_MAX) problems.push(`top-level TimeoutSeconds ${def.TimeoutSeconds} overflows the local engine's setTimeout`);
  for (const [name, state] of Object.entries(def.States)) {
    if (state.Type === 'Wait' && typeof state.Seconds === 'number' && state.Seconds * 1000 > INT32_MAX) problems.push(`${name}: Seconds overflows setTimeout`);
  }
  return problems;
}

function graphProblems(def: Definition): string[] {
  const problems: string[] = [];
  const names = new Set(Object.keys(def.States));
  if (!names.has(def.StartAt)) problems.push(`StartAt ${def.StartAt} does not exist`);
  for (const [name, state] of Object.entries(def.States)) {
    for (const { to } of edgesOf(state)) if (!names.has(to)) problems.push(`${name} → ${to}: no such state`);
  }
  const seen = new Set<string>();
  const queue = [def.StartAt];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name) || !names.has(name)) continue;
    seen.add(name);
    queue.push(...edgesOf(def.States[name]).map((e) => e.to));
  }
  for (const name of names) if (!seen.has(name)) problems.push(`${name} is not reachable from ${def.StartAt}`);
  return problems;
}

function errorNameProblems(def: Definition): string[] {
  const problems: string[] = [];
  const exported = errors as unknown as Record<string, unknown>;
  for (const [state, s] of Object.entries(def.States)) {
    for (const name of [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals)) {
      if (name.startsWith('States.')) {
        if (!KNOWN_STATES_ERRORS.has(name)) problems.push(`${state}: ${name} is not a Step Functions error`);
        continue;
      }
      if (name.startsWith('Lambda.')) {
        if (!KNOWN_LAMBDA_ERRORS.has(name)) problems.push(`${state}: ${name} is not a Lambda service error`);
        continue;
      }
      const cls = exported[name];
      if (typeof cls !== 'function' || !(cls.prototype instanceof errors.CutoverError)) {
        problems.push(`${state}: ${name} is not an error class exported from core/errors.ts`);
        continue;
      }
      // What Step Functions matches is the instance's `name` (the Lambda errorType).
      const instance = Reflect.construct(cls, ['message', 'detail']) as Error;
      if (instance.name !== name) problems.push(`${state}: ${name} instances are named ${instance.name}`);
    }
  }
  return problems;
}

/**
 * The paths a route into `target` has written last: a Catch writes its
 * ResultPath, a Task its ResultPath; Choice states pass what came in.
 */
function writtenBefore(def: Definition, target: string, seen = new Set<string>()): (string | null | undefined)[] {
  const out: (string | null | undefined)[] = [];
  for (const [name, state] of Object.entries(def.States)) {
    for (const edge of edgesOf(state)) {
      if (edge.to !== target) continue;
      if (edge.catcher) out.push(edge.catcher.ResultPath);
      else if (state.Type === 'Task') out.push(state.ResultPath);
      else if (state.Type === 'Choice' && !seen.has(name)) out.push(...writtenBefore(def, name, new Set([...seen, name])));
      else out.push(undefined);
    }
  }
  return out;
}

function endProblems(def: Definition): string[] {
  const problems: string[] = [];
  for (const [name, state] of Object.entries(def.States)) {
    if (state.End && state.Type !== 'Succeed' && state.Type !== 'Fail') problems.push(`${name}: a ${state.Type} that ends the execution (not a Fail with Error and Cause)`);
    if (state.Type === 'Fail') {
      if (!state.ErrorPath && !state.Error) problems.push(`${name}: Fail without Error/ErrorPath`);
      if (!state.CausePath && !state.Cause) problems.push(`${name}: Fail without Cause/CausePath`);
      for (const written of writtenBefore(def, name)) {
        for (const p of [state.ErrorPath, state.CausePath].filter(Boolean) as string[]) {
          if (!written || !p.startsWith(`${written}.`)) problems.push(`${name}: ${p} is not under what the route into it writes (${String(written)})`);
        }
      }
    }
    if (state.Type === 'Succeed') {
      for (const [from, s] of Object.entries(def.States)) {
        for (const edge of edgesOf(s)) {
          if (edge.to !== name) continue;
          const rule = edge.rule;
          if (!(s.Type === 'Choice' && rule && rule.Variable === '$.outcome.status' && rule.StringEquals === 'Succeeded')) {
            problems.push(`${from} → ${name}: success is reached without the recorded outcome being Succeeded`);
          } else if (!s.Default || def.States[s.Default]?.Type !== 'Fail') {
            problems.push(`${from}: any other outcome must go to a Fail state`);
          }
        }
      }
    }
  }
  return problems;
}

// ---------- the tests ----------

describe('statemachine/release.asl.json', () => {
  const def = load();

  it('is valid ASL for asl-validator, with the placeholders substituted by Lambda ARNs (ARNs and paths checked)', () => {
    // Act
    const problems = validatorProblems(JSON.parse(substitute(ASL_TEXT)) as Definition);

    // Assess
    expect(problems).toEqual([]);
    expect(validatorProblems({ ...def, StartAt: 'Nowhere' } as Definition).length).toBeGreaterThan(0);
  });

  it('binds every Task to ${<Task>FunctionArn} of an existing functions/<kebab>/handler.ts, and every handler to a Task', () => {
    // Act / Assess
    expect(placeholderProblems(ASL_TEXT)).toEqual([]);
    expect(placeholderProblems(ASL_TEXT.replace('${PrepareGreenFunctionArn}', '${PrepareBlueFunctionArn}'))).toEqual([
      '${PrepareBlueFunctionArn}: functions/prepare-blue/handler.ts does not exist',
      'functions/prepare-green/handler.ts is run by no Task',
    ]);
    expect(folderOf('SmokeTestFunctionArn')).toBe('smoke-test');
  });

  it.each(tasks(def).map(([name]) => name))('Task %s retries the Lambda service errors AWS recommends and catches States.ALL last', (name) => {
    // Act
    const problems = retryProblems({ ...def, States: { [name]: def.States[name] } });

    // Assess
    expect(problems).toEqual([]);
  });

  it('the retry check notices a missing Lambda error and a missing final Catch', () => {
    // Prepare
    const broken = clone(def);
    const task = broken.States.ShiftTraffic;
    task.Retry![0].ErrorEquals = task.Retry![0].ErrorEquals.filter((e) => e !== 'Lambda.TooManyRequestsException');
    task.Catch = [];

    // Act / Assess
    expect(retryProblems(broken)).toEqual(['ShiftTraffic: Retry misses Lambda.TooManyRequestsException', 'ShiftTraffic: no final Catch on States.ALL']);
  });

  it('gives the rollback Task the longest retry budget of the machine, with jitter: it must not give up while blue can be restored', () => {
    // Prepare
    const [name, state] = rollbackTask(def);
    const others = tasks(def).filter(([n]) => n !== name);

    // Act
    const seconds = retryWaitSeconds(state);
    const longestOther = Math.max(...others.map(([, s]) => retryWaitSeconds(s)));

    // Assess
    expect(name).toBe('RollBackToBlue');
    expect(seconds).toBeGreaterThan(longestOther);
    expect(state.Retry!.every((r) => r.JitterStrategy === 'FULL' && (r.BackoffRate ?? 2) > 1)).toBe(true);
    expect(retryWaitSeconds({ Type: 'Task', Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }] })).toBe(126);
  });

  it('lets Decommission wait through TargetBusy for a whole fleet replacement: at least the longest readiness a release may ask for', () => {
    // Prepare: Decommission's UpdateEndpoint replaces the endpoint's fleet, as PrepareGreen's does
    const busy = (def.States.Decommission.Retry ?? []).find((r) => r.ErrorEquals.includes('TargetBusy'))!;

    // Act
    const seconds = guaranteedWaitSeconds(busy);

    // Assess
    expect(seconds).toBeGreaterThanOrEqual(READY_TIMEOUT_MAX_SECONDS);
    expect(guaranteedWaitSeconds({ ...busy, JitterStrategy: 'FULL' })).toBe(0);
  });

  it('uses nothing the local engine runs incorrectly', () => {
    // Act / Assess
    expect(engineProblems(def)).toEqual([]);
    const broken = clone(def);
    Object.assign(broken.States.AcquireLock, { ResultPath: '$', TimeoutSeconds: 901, Assign: { x: 1 } });
    broken.States.Spare = { Type: 'Pass', Result: 0, End: true };
    broken.TimeoutSeconds = 2_147_484;
    expect(engineProblems(broken)).toEqual([
      '$.States.AcquireLock: Assign (not supported by the local engine)',
      '$.States.AcquireLock: ResultPath "$" (buggy in the local engine)',
      '$.States.Spare: Pass with a falsy Result (ignored by the local engine)',
      'AcquireLock: TimeoutSeconds 901 > 900 (a Lambda cannot run longer)',
      "top-level TimeoutSeconds 2147484 overflows the local engine's setTimeout",
    ]);
  });

  it('never waits longer than the local engine can time: the release input bounds every poll', () => {
    // The Wait state waits progress.waitSeconds = min(pollSeconds, what remains of the phase).
    const target = { kind: 'lambda-alias', functionName: 'f', alias: 'a' };
    const tooLong = Math.ceil(INT32_MAX / 1000);
    expect(releaseInputSchema.safeParse({ target, bake: { pollSeconds: tooLong } }).success).toBe(false);
    expect(releaseInputSchema.safeParse({ target, retention: { pollSeconds: tooLong } }).success).toBe(false);
    expect(def.States.WaitBeforeCheck).toMatchObject({ Type: 'Wait', SecondsPath: '$.progress.waitSeconds' });
  });

  it('has every state reachable from StartAt and every Next/Default/Choice/Catch target defined', () => {
    // Act / Assess
    expect(graphProblems(def)).toEqual([]);
    const broken = clone(def);
    broken.States.Orphan = { Type: 'Succeed' };
    broken.States.ArmAlarms.Catch![0].Next = 'Decomission';
    expect(graphProblems(broken)).toEqual(['ArmAlarms → Decomission: no such state', 'Orphan is not reachable from ValidateInput']);
  });

  it('matches only Step Functions / Lambda errors and error classes exported from core/errors.ts', () => {
    // Act / Assess
    expect(errorNameProblems(def)).toEqual([]);
    const used = new Set(Object.values(def.States).flatMap((s) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals)));
    expect([...used].filter((e) => !e.startsWith('States.') && !e.startsWith('Lambda.')).sort()).toEqual(['ConcurrentModification', 'TargetBusy', 'TransientAwsError']);
    const broken = clone(def);
    broken.States.CheckAlarms.Retry![1].ErrorEquals.push('TransientAWSError', 'messageOf', 'States.Timeout2');
    expect(errorNameProblems(broken)).toEqual([
      'CheckAlarms: TransientAWSError is not an error class exported from core/errors.ts',
      'CheckAlarms: messageOf is not an error class exported from core/errors.ts',
      'CheckAlarms: States.Timeout2 is not a Step Functions error',
    ]);
  });

  it('ends in a Fail state with Error and Cause read from what the route wrote, unless the outcome is Succeeded', () => {
    // Act / Assess
    expect(endProblems(def)).toEqual([]);
    expect(Object.entries(def.States).filter(([, s]) => s.Type === 'Fail').map(([n]) => n).sort()).toEqual(['InputRejected', 'OutcomeNotRecorded', 'ReleaseFailed']);
    const broken = clone(def);
    broken.States.ReleaseLock.Catch![0].ResultPath = '$.unlockFailure';
    broken.States.ReleaseLock.Catch![0].Next = 'OutcomeNotRecorded';
    delete broken.States.ReleaseFailed.CausePath;
    broken.States.RecordOutcome.Next = 'ReleaseSucceeded';
    expect(endProblems(broken)).toEqual([
      'RecordOutcome → ReleaseSucceeded: success is reached without the recorded outcome being Succeeded',
      'ReleaseFailed: Fail without Cause/CausePath',
      'OutcomeNotRecorded: $.recordError.Error is not under what the route into it writes ($.unlockFailure)',
      'OutcomeNotRecorded: $.recordError.Cause is not under what the route into it writes ($.unlockFailure)',
    ]);
  });
});
