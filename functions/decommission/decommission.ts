import { DeleteAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { describeAlarmsNamed } from '../../core/alarm-reader';
import { thresholdsOf } from '../arm-alarms/arm-alarms';
import { releaseKey, type Clock } from '../kit/deps';
import type { Fence } from '../kit/fence';
import type { ReleaseEvents } from '../../core/events';
import type { Ledger } from '../../core/ledger';
import type { ReleaseState } from '../../core/release-state';
import type { ReleaseAlarmSource, SideRetirer } from '../../core/traffic-router';
import type { DecommissionResult } from '../../targets';

export interface DecommissionDeps {
  ledger: Ledger;
  router: (SideRetirer & ReleaseAlarmSource) | undefined;
  cloudwatch: CloudWatchClient;
  alarmPrefix: string;
  now: Clock;
  /** Release events (`decommissioned`); optional, never fails the Task. */
  events?: ReleaseEvents;
  /** Checks that this execution still holds the target's lock: a stale one retires nothing of the target. */
  fence?: Fence;
}

/** The fence's verdict: undefined while this execution holds the lock, else why it may not touch the target. */
async function lockLost(state: ReleaseState, fence: Fence | undefined): Promise<string | undefined> {
  try {
    await fence?.(state.release);
    return undefined;
  } catch (err) {
    if ((err as Error).name !== 'LockLost') throw err;
    return (err as Error).message;
  }
}

/** DeleteAlarms fails with ResourceNotFound on a name that does not exist: delete only what is there. */
async function existingAlarms(cloudwatch: CloudWatchClient, names: string[]): Promise<string[]> {
  const found = new Set((await describeAlarmsNamed(cloudwatch, names, { metricOnly: true })).map((a) => a.AlarmName));
  return names.filter((n) => found.has(n));
}

/** A release that got through retention keeps green; any other keeps blue. */
export function succeeded(state: ReleaseState): boolean {
  return !state.error && !state.rollback && !state.rollbackError && state.progress?.next === 'Decommission';
}

/**
 * Retire the side that is not live and delete the release's alarms. Runs on
 * every path, so it must cope with a release that stopped anywhere: the alarm
 * names are derived again (an ArmAlarms that failed half way leaves no list),
 * and the router refuses to remove a version that still serves traffic.
 */
export async function decommission(state: ReleaseState, deps: DecommissionDeps): Promise<DecommissionResult & { retired: string | null }> {
  const result: DecommissionResult = { removed: [], kept: [] };
  const { green } = state;
  const alarmNames = new Set(state.alarms?.created ?? []);
  if (green && deps.router) {
    const stateWithGreen = { ...state, green };
    for (const a of deps.router.releaseAlarms(state.release, green, thresholdsOf(stateWithGreen, deps.alarmPrefix))) alarmNames.add(a.AlarmName!);
  }
  // The alarms and the version are cleaned up independently: an alarm call that fails (denied, say) must not
  // keep green alive. Its error is raised once the router's part is done, so the state records the failure.
  let alarmError: unknown;
  try {
    const existing = await existingAlarms(deps.cloudwatch, [...alarmNames]);
    if (existing.length > 0) {
      try {
        await deps.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: existing }));
      } catch (err) {
        // Gone since we looked (a retry, or someone else): what we wanted.
        if ((err as Error).name !== 'ResourceNotFound') throw err;
      }
      result.removed.push(...existing.map((n) => `alarm ${n}`));
    }
  } catch (err) {
    alarmError = err;
  }
  let retired: string | null = null;
  // A stale execution (redriven after another release took the target, or after the reconciler ended it) deletes
  // only its own alarms: the versions it knew may now be another release's blue or green.
  const lost = deps.router ? await lockLost(state, deps.fence) : undefined;
  if (lost) result.kept.push({ what: state.release.targetKey, why: lost });
  if (!lost && !green && deps.router && state.error) {
    // PrepareGreen may have published before failing: find this release's version by its description.
    const r = await deps.router.discardOrphans(state.release);
    result.removed.push(...r.removed);
    result.kept.push(...r.kept);
  }
  if (!lost && green && deps.router) {
    const side = succeeded(state) ? 'blue' : 'green';
    retired = side;
    const r = await deps.router.decommission(green, side, { deleteVersion: state.release.spec.decommission.deleteBlueVersion });
    result.removed.push(...r.removed);
    result.kept.push(...r.kept);
  }
  if (alarmError !== undefined) throw alarmError;
  const at = deps.now().toISOString();
  const detail = `removed ${result.removed.length ? result.removed.join(', ') : 'nothing'}${result.kept.length ? `; kept ${result.kept.map((k) => `${k.what} (${k.why})`).join(', ')}` : ''}`;
  if (lost) {
    // A stale run's note beside the record, not over it: the clean-up the owner (or the reconciler) recorded stands, and no event says otherwise.
    await deps.ledger.record(releaseKey(state.release), { id: 'decommissioned-after-lock-lost', at, state: 'Decommission', detail });
    return { ...result, retired };
  }
  await deps.ledger.record(releaseKey(state.release), { id: 'decommissioned', at, state: 'Decommission', detail }, { cleanup: result });
  await deps.events?.publish(state.release, {
    state: 'decommissioned',
    at,
    blue: green?.blue ?? null,
    green: green?.green ?? null,
    reason: `${retired ? `retired ${retired}: ` : ''}${detail}`,
  });
  return { ...result, retired };
}
