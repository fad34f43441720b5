/**
 * Execution history events of a release, computed from its durations, the way
 * Step Functions counts them for a Standard workflow with Lambda Task states:
 *   Task   = TaskStateEntered + LambdaFunctionScheduled + LambdaFunctionStarted
 *            + LambdaFunctionSucceeded + TaskStateExited           = 5
 *   Wait   = WaitStateEntered + WaitStateExited                      = 2
 *   Choice = ChoiceStateEntered + ChoiceStateExited                  = 2
 * One monitor poll is Wait + CheckAlarms + DecideNext = 9 events; the
 * GreenReady? Choice after PrepareGreen is 2 more, and each readiness poll
 * (a SageMaker endpoint update: WaitForGreen + CheckGreenReady + GreenReady?) 9.
 * The hard limit is 25,000 events per execution; Cutover's budget is 10,000.
 */
export const EVENTS = { task: 5, wait: 2, choice: 2, succeed: 2, execution: 2, poll: 9 } as const;
export const HARD_LIMIT = 25_000;
export const BUDGET = 10_000;

/** Tasks run once on a successful release whatever its strategy (ShiftTraffic is counted per step). */
export const FIXED_TASKS = ['ValidateInput', 'AcquireLock', 'PrepareGreen', 'SmokeTestGreen', 'ArmAlarms', 'Decommission', 'ReleaseLock', 'RecordOutcome'];

export interface Durations {
  strategy: { type: 'all-at-once' } | { type: 'canary'; steps: number[]; stepSeconds: number };
  bake: { seconds: number; pollSeconds: number };
  retention: { seconds: number; pollSeconds: number };
  /** The longest green may take to be ready (SageMaker: the endpoint update), polled every pollSeconds; none for Lambda. */
  readiness?: { seconds: number; pollSeconds: number };
}

/** Polls needed to cover `seconds` at one poll every `pollSeconds` (at least one). */
export function pollsFor(seconds: number, pollSeconds: number): number {
  return Math.max(1, Math.ceil(seconds / pollSeconds));
}

export interface Budget {
  events: number;
  polls: number;
  stateTransitions: number;
  /** $0.025 per 1,000 state transitions (Standard workflows, us-east-1). */
  priceUsd: number;
  breakdown: Record<string, number>;
}

/** History events of a release that succeeds without retries. */
export function historyBudget(d: Durations): Budget {
  const canarySteps = d.strategy.type === 'canary' ? d.strategy.steps.length : 0;
  const stepSeconds = d.strategy.type === 'canary' ? d.strategy.stepSeconds : 0;
  const canaryPolls = canarySteps * pollsFor(stepSeconds, d.bake.pollSeconds);
  const bakePolls = pollsFor(d.bake.seconds, d.bake.pollSeconds);
  // A zero retention ends at the bake's last check, without a retention poll.
  const retentionPolls = d.retention.seconds > 0 ? pollsFor(d.retention.seconds, d.retention.pollSeconds) : 0;
  const polls = canaryPolls + bakePolls + retentionPolls;
  // Counted at their bound: a release whose green is ready sooner writes fewer.
  const readinessPolls = d.readiness ? pollsFor(d.readiness.seconds, d.readiness.pollSeconds) : 0;
  const breakdown = {
    execution: EVENTS.execution,
    fixedTasks: FIXED_TASKS.length * EVENTS.task,
    greenReady: EVENTS.choice,
    readinessPolls: readinessPolls * EVENTS.poll,
    shiftTraffic: (canarySteps + 1) * EVENTS.task,
    canaryPolls: canaryPolls * EVENTS.poll,
    bakePolls: bakePolls * EVENTS.poll,
    retentionPolls: retentionPolls * EVENTS.poll,
    finish: EVENTS.choice + EVENTS.succeed,
  };
  const events = Object.values(breakdown).reduce((a, b) => a + b, 0);
  // Each state entered is a transition: tasks, the GreenReady? Choice, and per poll a Wait, a Task and a Choice.
  const stateTransitions = FIXED_TASKS.length + 1 + readinessPolls * 3 + canarySteps + 1 + polls * 3 + 2;
  return { events, polls, stateTransitions, priceUsd: (stateTransitions / 1000) * 0.025, breakdown };
}
