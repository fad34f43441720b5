import type { ReleaseSpec } from '../../core/release-input';
import type { Progress } from '../../core/release-state';

/** Green's share at each step: the canary steps, then 100. */
export function stepsOf(spec: ReleaseSpec): number[] {
  return spec.strategy.type === 'canary' ? [...spec.strategy.steps, 100] : [100];
}

/**
 * The progress after moving to the next step. Derived only from the previous
 * progress, so a retried ShiftTraffic plans the same step again.
 */
export function nextStep(spec: ReleaseSpec, previous: Progress | undefined, switchedAt: string): Progress {
  const steps = stepsOf(spec);
  const stepIndex = previous ? previous.stepIndex + 1 : 0;
  if (stepIndex >= steps.length) throw new Error(`no step after ${steps[steps.length - 1]} %: the release is already at 100 %`);
  const last = stepIndex === steps.length - 1;
  const phaseSeconds = last ? spec.bake.seconds : spec.strategy.type === 'canary' ? spec.strategy.stepSeconds : 0;
  const pollSeconds = spec.bake.pollSeconds;
  return {
    steps,
    stepIndex,
    greenPercent: steps[stepIndex],
    phase: last ? 'bake' : 'canary',
    phaseSeconds,
    remainingSeconds: phaseSeconds,
    pollSeconds,
    waitSeconds: Math.min(pollSeconds, phaseSeconds),
    next: 'Wait',
    polls: previous?.polls ?? 0,
    ignoredAlarms: previous?.ignoredAlarms ?? [],
    switchedAt,
  };
}
