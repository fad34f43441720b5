import { causeMessage } from '../core/cause';
import { findKind, sideText, type TargetKind } from '../core/release-input';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

/** One line of progress, the way the Step Functions console would show it. */
export interface ProgressEvent {
  at: string;
  kind: 'state' | 'retry' | 'failed' | 'end';
  state?: string;
  text: string;
  /** The state's result, for --json consumers. */
  result?: unknown;
}

export interface ExecutionEnd {
  executionArn: string;
  status: string;
  error?: string;
  cause?: string;
  output?: Record<string, unknown>;
}

/** Where each Task writes its result (ResultPath in release.asl.json). */
const RESULT_KEY: Record<string, string> = {
  ValidateInput: 'release',
  AcquireLock: 'lock',
  PrepareGreen: 'green',
  CheckGreenReady: 'green',
  SmokeTestGreen: 'smoke',
  ArmAlarms: 'alarms',
  ShiftTraffic: 'progress',
  CheckAlarms: 'progress',
  RollBackToBlue: 'rollback',
  Decommission: 'decommission',
  ReleaseLock: 'unlock',
  RecordOutcome: 'outcome',
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function seconds(n: number): string {
  if (n >= 3600) return `${(n / 3600).toFixed(1)} h`;
  if (n >= 120) return `${Math.round(n / 60)} min`;
  return `${n} s`;
}

/** A readable summary of one state's result; `kind` (the release's target kind) names its sides: a version, a variant. */
export function describeResult(state: string, r: Obj | undefined, kind?: TargetKind): string {
  if (!r) return '';
  const side = (id: unknown) => (kind ? sideText(kind, String(id)) : String(id));
  switch (state) {
    case 'ValidateInput': {
      const s = r.spec;
      const strategy = s.strategy.type === 'canary' ? `canary ${s.strategy.steps.join(' → ')} → 100 %` : 'all at once';
      return `${r.targetKey}: ${strategy}, bake ${seconds(s.bake.seconds)} (poll ${s.bake.pollSeconds} s), retention ${seconds(s.retention.seconds)} (poll ${s.retention.pollSeconds} s)`;
    }
    case 'AcquireLock':
      return r.tookOverFrom ? `lock taken over from ${r.tookOverFrom}` : 'lock taken';
    case 'PrepareGreen':
      return `green = ${side(r.green)}${r.createdGreen ? ' (new)' : ''}, blue = ${side(r.blue)}${r.ready === false ? `; deploying, checked every ${r.waitSeconds} s (at most ${r.readyMaxChecks} times)` : ''}`;
    case 'CheckGreenReady':
      return r.ready ? `green ${side(r.green)} ready after ${r.readyChecks} checks` : `green still deploying (check ${r.readyChecks} of ${r.readyMaxChecks})`;
    case 'SmokeTestGreen':
      return [r.cases ? `${r.passed} smoke cases passed` : '', r.quality?.verdict.summary ?? ''].filter(Boolean).join('; ') || 'no smoke cases and no golden set';
    case 'ArmAlarms':
      return `${r.names.length} alarms watched (${r.created.length} created for this release)${r.preexisting.length ? `; already in ALARM, ignored until they clear: ${r.preexisting.join(', ')}` : ''}`;
    case 'ShiftTraffic':
      return `traffic: ${r.greenPercent} % green, ${100 - r.greenPercent} % blue — ${r.phase} for ${seconds(r.phaseSeconds)}`;
    case 'CheckAlarms': {
      const left = r.next === 'Wait' ? `, ${seconds(r.remainingSeconds)} of ${r.phase} left` : '';
      return `${r.verdict}${left}${r.next !== 'Wait' ? ` → ${r.next}` : ''}${r.reason ? `: ${r.reason}` : ''}`;
    }
    case 'RollBackToBlue':
      return `100 % back on blue = ${side(r.restored)} (${r.trigger}: ${r.reason})`;
    case 'Decommission':
      return `removed ${r.removed.length ? r.removed.join(', ') : 'nothing'}${r.kept.length ? `; kept ${r.kept.map((k: Obj) => `${k.what} (${k.why})`).join(', ')}` : ''}`;
    case 'ReleaseLock':
      return r.released ? 'lock released' : 'lock not held by this release';
    case 'RecordOutcome':
      return `${r.status}${r.cause ? `: ${r.cause}` : ''}`;
    default:
      return '';
  }
}

function parse(text: string | undefined): Obj | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Obj;
  } catch {
    return undefined;
  }
}

/** CheckAlarms lines repeat every poll: report only when something changes. */
function checkKey(r: Obj | undefined): string {
  return r ? `${r.verdict}|${r.phase}|${r.next}|${r.greenPercent}` : '';
}

export interface FollowOptions {
  pollMs?: number;
  /** Give up following (the execution keeps running) after this long. */
  timeoutMs?: number;
  onEvent?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
}

/**
 * Follow an execution from its history until it ends: each state exited, each
 * retry, each change of alarm verdict or phase. History is read page by page
 * from where the last read stopped.
 */
export async function followExecution(sfn: SFNClient, executionArn: string, options: FollowOptions = {}): Promise<ExecutionEnd> {
  const pollMs = options.pollMs ?? 1000;
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity;
  let seen = 0;
  let lastCheck = '';
  /** The release's target kind, from the execution's input: how its sides are named. */
  let targetKind: TargetKind | undefined;
  /** The last failed attempt, until we know whether it is retried or caught. */
  let failedAttempt: string | undefined;
  const emit = (e: ProgressEvent) => options.onEvent?.(e);
  for (;;) {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000, includeExecutionData: true }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    for (const e of events.slice(seen)) {
      const at = (e.timestamp ?? new Date()).toISOString();
      if (e.type === 'ExecutionStarted') {
        targetKind = findKind(parse(e.executionStartedEventDetails?.input)?.target?.kind)?.kind;
      } else if (e.type === 'TaskStateExited' && e.stateExitedEventDetails) {
        const state = e.stateExitedEventDetails.name!;
        const output = parse(e.stateExitedEventDetails.output);
        const result = output?.[RESULT_KEY[state] ?? ''];
        // Caught: the state's result is absent and the error sits where its Catch put it.
        const caught = failedAttempt && !result ? failedAttempt : undefined;
        failedAttempt = undefined;
        if (caught) {
          emit({ at, kind: 'failed', state, text: caught });
          continue;
        }
        if (state === 'CheckAlarms') {
          const key = checkKey(result);
          if (key === lastCheck) continue;
          lastCheck = key;
        }
        // The readiness loop: its end, and every 10th check while an endpoint update goes on.
        if (state === 'CheckGreenReady' && result && !result.ready && result.readyChecks % 10 !== 1) continue;
        emit({ at, kind: 'state', state, text: describeResult(state, result, targetKind), result });
      } else if (e.type === 'LambdaFunctionFailed' || e.type === 'LambdaFunctionTimedOut') {
        const d = e.lambdaFunctionFailedEventDetails ?? e.lambdaFunctionTimedOutEventDetails;
        if (failedAttempt) emit({ at, kind: 'retry', text: `retried after ${failedAttempt}` });
        failedAttempt = `${d?.error ?? e.type}: ${causeMessage(d?.cause).slice(0, 300)}`;
      } else if (e.type === 'LambdaFunctionScheduled' && failedAttempt) {
        emit({ at, kind: 'retry', text: `retrying after ${failedAttempt}` });
        failedAttempt = undefined;
      }
    }
    seen = events.length;
    const done = events.find((e) => e.type === 'ExecutionSucceeded' || e.type === 'ExecutionFailed' || e.type === 'ExecutionAborted' || e.type === 'ExecutionTimedOut');
    if (done) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const output = parse(d.output);
      const end: ExecutionEnd = { executionArn, status: d.status ?? done.type!, error: d.error, cause: d.cause, output };
      emit({ at: (done.timestamp ?? new Date()).toISOString(), kind: 'end', text: `${end.status}${end.error ? ` ${end.error}` : ''}${end.cause ? `: ${end.cause}` : ''}` });
      return end;
    }
    if (Date.now() > deadline || options.signal?.aborted) return { executionArn, status: 'RUNNING' };
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
