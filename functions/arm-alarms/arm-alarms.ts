import { PutMetricAlarmCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { readAlarms } from '../../core/alarm-reader';
import { releaseKey, type Clock } from '../kit/deps';
import { PreexistingAlarm } from '../../core/errors';
import type { Ledger } from '../../core/ledger';
import type { AlarmSet, StateWithGreen } from '../../core/release-state';
import type { ReleaseAlarmSource } from '../../core/traffic-router';
import type { AlarmThresholds } from '../../core/traffic-router';

export interface ArmAlarmsDeps {
  ledger: Ledger;
  router: ReleaseAlarmSource;
  cloudwatch: CloudWatchClient;
  alarmPrefix: string;
  now: Clock;
}

export function thresholdsOf(state: StateWithGreen, prefix: string): AlarmThresholds {
  const a = state.release.spec.alarms;
  return { prefix, errorRateThreshold: a.errorRateThreshold, latencyP95Ms: a.latencyP95Ms, periodSeconds: a.periodSeconds };
}

/**
 * Before traffic moves: note which of the user's alarms already fire (a hotfix
 * must not be blocked by the very alarm it fixes, unless asked), and create
 * the release's own alarms on green. PutMetricAlarm overwrites by name, so a
 * retry leaves the same alarms.
 */
export async function armAlarms(state: StateWithGreen, deps: ArmAlarmsDeps): Promise<AlarmSet> {
  const spec = state.release.spec;
  const user = spec.alarms.names;
  const preexisting = (await readAlarms(deps.cloudwatch, user)).filter((r) => r.state === 'ALARM').map((r) => r.name);
  if (preexisting.length > 0 && spec.alarms.blockOnPreexistingAlarms) {
    throw new PreexistingAlarm(
      `alarm ${preexisting.join(', ')} is already in ALARM and alarms.blockOnPreexistingAlarms is true: fix it first, or set it to false for a hotfix`,
    );
  }
  const created: string[] = [];
  if (spec.alarms.releaseAlarms) {
    for (const alarm of deps.router.releaseAlarms(state.release, state.green, thresholdsOf(state, deps.alarmPrefix))) {
      await deps.cloudwatch.send(new PutMetricAlarmCommand(alarm));
      created.push(alarm.AlarmName!);
    }
  }
  const names = [...user, ...created];
  await deps.ledger.record(
    releaseKey(state.release),
    {
      id: 'alarms-armed',
      at: deps.now().toISOString(),
      state: 'ArmAlarms',
      detail: `${names.length} alarms${preexisting.length ? `; already in ALARM and ignored until they clear: ${preexisting.join(', ')}` : ''}`,
    },
    { alarms: names },
  );
  return { names, created, preexisting };
}
