import type { ReleaseSpec } from '../../core/release-input';
import type { Progress } from '../../core/release-state';
import { describeReadings, type AlarmVerdict } from './verdict';

/**
 * The monitor loop's decision after one check. Time is counted in the waits
 * the loop has done (remainingSeconds), not read from a clock, so the same
 * input always gives the same decision and a retried check changes nothing.
 */
export function nextAction(
  spec: ReleaseSpec,
  progress: Progress,
  v: AlarmVerdict,
  manualRollback: { by: string; reason: string } | undefined,
): Progress {
  const remainingSeconds = Math.max(0, progress.remainingSeconds - progress.waitSeconds);
  const base: Progress = {
    ...progress,
    remainingSeconds,
    polls: progress.polls + 1,
    verdict: v.verdict,
    ignoredAlarms: v.stillIgnored,
    reason: undefined,
  };
  if (manualRollback) {
    return { ...base, next: 'ManualRollback', waitSeconds: 0, reason: `manual rollback by ${manualRollback.by}: ${manualRollback.reason}` };
  }
  if (v.verdict === 'Breached') {
    return { ...base, next: 'Rollback', waitSeconds: 0, reason: `alarm during ${progress.phase} at ${progress.greenPercent} %: ${describeReadings(v.breached)}` };
  }
  if (remainingSeconds > 0) {
    return { ...base, next: 'Wait', waitSeconds: Math.min(progress.pollSeconds, remainingSeconds) };
  }
  if (progress.phase === 'retention') return { ...base, next: 'Decommission', waitSeconds: 0 };
  if (v.verdict === 'Inconclusive' && spec.bake.onInconclusive === 'rollback') {
    return {
      ...base,
      next: 'Rollback',
      waitSeconds: 0,
      reason: `not proven healthy at the end of the ${progress.phase} at ${progress.greenPercent} %: ${describeReadings(v.inconclusive)}`,
    };
  }
  if (progress.phase === 'canary') return { ...base, next: 'ShiftTraffic', waitSeconds: 0 };
  // The bake at 100 % passed: keep blue as the rollback target while still watching.
  const seconds = spec.retention.seconds;
  if (seconds === 0) return { ...base, next: 'Decommission', waitSeconds: 0 };
  const pollSeconds = spec.retention.pollSeconds;
  return {
    ...base,
    phase: 'retention',
    phaseSeconds: seconds,
    remainingSeconds: seconds,
    pollSeconds,
    waitSeconds: Math.min(pollSeconds, seconds),
    next: 'Wait',
  };
}
