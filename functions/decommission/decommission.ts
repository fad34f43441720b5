import { DeleteAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { thresholdsOf } from '../arm-alarms/arm-alarms';
import { releaseKey, type Clock } from '../shared/deps';
import type { Ledger } from '../shared/ledger';
import type { ReleaseState } from '../shared/release-state';
import type { DecommissionResult, TrafficRouter } from '../shared/routers';

export interface DecommissionDeps {
  ledger: Ledger;
  router: TrafficRouter | undefined;
  cloudwatch: CloudWatchClient;
  alarmPrefix: string;
  now: Clock;
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
  if (alarmNames.size > 0) {
    // DeleteAlarms ignores names that do not exist, which makes it safe to repeat.
    await deps.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [...alarmNames] }));
    result.removed.push(...[...alarmNames].map((n) => `alarm ${n}`));
  }
  let retired: string | null = null;
  if (green && deps.router) {
    const side = succeeded(state) ? 'blue' : 'green';
    retired = side;
    const r = await deps.router.decommission(green, side, { deleteVersion: state.release.spec.decommission.deleteBlueVersion });
    result.removed.push(...r.removed);
    result.kept.push(...r.kept);
  }
  await deps.ledger.record(
    releaseKey(state.release),
    {
      id: 'decommissioned',
      at: deps.now().toISOString(),
      state: 'Decommission',
      detail: `removed ${result.removed.length ? result.removed.join(', ') : 'nothing'}${result.kept.length ? `; kept ${result.kept.map((k) => `${k.what} (${k.why})`).join(', ')}` : ''}`,
    },
    { cleanup: result },
  );
  return { ...result, retired };
}
