/**
 * How long a release may take at most, against the execution's TimeoutSeconds,
 * computed from the state machine's own definition (release.asl.json), so the
 * bound stays in step with its Retry policies and Task timeouts:
 *   the phases the input asks for (green's readiness, the canary steps, the
 *   bake, the retention), plus, for every Task a successful release runs, its
 *   worst case: every retry of every retrier taken, each attempt running to
 *   the Task's TimeoutSeconds, each wait at its longest (jitter only shortens).
 * The monitor polls' own retries are not counted: they are inside the phases'
 * seconds unless an outage lasts long enough to end the phase anyway.
 */
import { FIXED_TASKS } from './history-budget';
import asl from './release.asl.json';

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}
interface TaskState {
  Type: string;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
}

const STATES = (asl as { States: Record<string, TaskState> }).States;
/** The execution's TimeoutSeconds (21 days). */
export const EXECUTION_TIMEOUT_SECONDS: number = (asl as { TimeoutSeconds: number }).TimeoutSeconds;
/** Step Functions' default Task timeout, when a state has none. */
const DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;


/** The longest one Task state may take, from its definition: every attempt to its timeout, every retry wait at its longest. */
export function taskWorstCaseSeconds(name: string): number {
  const state = STATES[name];
  if (!state || state.Type !== 'Task') throw new Error(`time budget: ${name} is not a Task state of release.asl.json`);
  let attempts = 1;
  let waits = 0;
  for (const r of state.Retry ?? []) {
    const max = r.MaxAttempts ?? 3;
    attempts += max;
    for (let k = 0; k < max; k++) {
      const wait = (r.IntervalSeconds ?? 1) * Math.pow(r.BackoffRate ?? 2, k);
      waits += r.MaxDelaySeconds !== undefined ? Math.min(wait, r.MaxDelaySeconds) : wait;
    }
  }
  return attempts * (state.TimeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS) + waits;
}

export interface Phases {
  strategy: { type: 'all-at-once' } | { type: 'canary'; steps: number[]; stepSeconds: number };
  bake: { seconds: number };
  retention: { seconds: number };
  readiness?: { seconds: number };
}

export interface TimeBudget {
  /** The longest the release may take, in seconds. */
  seconds: number;
  /** Seconds per part: the phases by their input field, and `tasks` for the Tasks' worst case. */
  parts: Record<string, number>;
}

export function timeBudget(p: Phases): TimeBudget {
  const steps = p.strategy.type === 'canary' ? p.strategy.steps.length : 0;
  const parts: Record<string, number> = {
    'target.readyTimeoutSeconds': p.readiness?.seconds ?? 0,
    'strategy.stepSeconds': p.strategy.type === 'canary' ? steps * p.strategy.stepSeconds : 0,
    'bake.seconds': p.bake.seconds,
    'retention.seconds': p.retention.seconds,
    // The Tasks a successful release runs once, and ShiftTraffic once per canary step and once for 100 %.
    tasks: FIXED_TASKS.reduce((sum, task) => sum + taskWorstCaseSeconds(task), 0) + (steps + 1) * taskWorstCaseSeconds('ShiftTraffic'),
  };
  return { seconds: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}
