import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { readAlarms } from '../../core/alarm-reader';
import { releaseKey, type Clock } from '../kit/deps';
import type { Fence } from '../kit/fence';
import type { Ledger } from '../../core/ledger';
import type { MonitoringState, Progress } from '../../core/release-state';
import type { BlueKeeper } from '../../core/traffic-router';
import { nextAction } from './next-action';
import { verdictOf } from './verdict';

export interface CheckAlarmsDeps {
  ledger: Ledger;
  cloudwatch: CloudWatchClient;
  now: Clock;
  /** The target's router, for what retention does besides watching (SageMaker standby capacity); optional. */
  router?: BlueKeeper;
  /** Checks that this execution still holds the target's lock: a redriven, stale one neither decides nor changes blue's capacity. */
  fence?: Fence;
}

/** One poll of the monitor loop: read the alarms and the ledger, decide what comes next. */
export async function checkAlarms(state: MonitoringState, deps: CheckAlarmsDeps): Promise<Progress> {
  const { release, progress } = state;
  const [readings, item] = await Promise.all([
    readAlarms(deps.cloudwatch, state.alarms.names),
    deps.ledger.getRelease(release.targetKey, release.startedAt, release.id),
    deps.fence?.(release),
  ]);
  const verdict = verdictOf(readings, progress.ignoredAlarms);
  const next = nextAction(release.spec, progress, verdict, item?.manualRollback);
  const at = deps.now().toISOString();
  // Record decisions, not every poll: the item stays small over a 48 h retention.
  const fields: Record<string, unknown> = { phase: next.phase, lastVerdict: verdict.verdict, lastCheckedAt: at };
  if (next.phase === 'retention' && progress.phase !== 'retention') {
    fields.retentionEndsAt = new Date(deps.now().getTime() + next.remainingSeconds * 1000).toISOString();
  }
  // Blue only waits as the rollback target now: the router may make it cheaper (idempotent, every retention poll).
  const retained = next.phase === 'retention' && next.next === 'Wait' && deps.router?.retain ? await deps.router.retain(state.green) : undefined;
  if (retained) fields.blueStandby = retained;
  const decided = next.next !== 'Wait' || next.phase !== progress.phase;
  await deps.ledger.record(
    releaseKey(release),
    decided
      ? { id: `check-${next.phase}-${progress.stepIndex}-${next.next}`, at, state: 'CheckAlarms', detail: next.reason ?? `${verdict.verdict}: ${next.next}` }
      : { id: 'last-check', at, state: 'CheckAlarms', detail: `${verdict.verdict} at ${progress.greenPercent} %` },
    fields,
  );
  return next;
}
