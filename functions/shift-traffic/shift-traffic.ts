import { releaseKey, type Clock } from '../kit/deps';
import type { Fence } from '../kit/fence';
import type { ReleaseEvents } from '../../core/events';
import type { Ledger } from '../../core/ledger';
import type { AlarmSet, Progress, StateWithGreen } from '../../core/release-state';
import type { TrafficSwitch } from '../../core/traffic-router';
import { nextStep } from './plan';

export interface ShiftTrafficDeps {
  ledger: Ledger;
  router: Pick<TrafficSwitch, 'setGreenPercent'>;
  now: Clock;
  /** Release events (`switched`); optional, never fails the Task. */
  events?: ReleaseEvents;
  /** Checked before traffic moves (the handler's: this execution still holds the lock). */
  fence?: Fence;
}

/** Move to the next step (a canary share, or 100 %) and start its bake. */
export async function shiftTraffic(state: StateWithGreen & { alarms?: AlarmSet }, deps: ShiftTrafficDeps): Promise<Progress> {
  const at = deps.now().toISOString();
  const progress = nextStep(state.release.spec, state.progress, at);
  // The user's alarms found in ALARM when arming stay ignored until they clear.
  if (!state.progress && state.alarms) progress.ignoredAlarms = [...state.alarms.preexisting];
  // A person asked for a rollback before this switch (`cutover rollback` during the smoke test):
  // do not move traffic at all; the next check ends the release as RolledBack.
  const item = await deps.ledger.getRelease(state.release.targetKey, state.release.startedAt, state.release.id);
  if (item?.manualRollback) return { ...progress, greenPercent: state.progress?.greenPercent ?? 0, waitSeconds: 0 };
  await deps.fence?.(state.release);
  const split = await deps.router.setGreenPercent(state.green, progress.greenPercent);
  await deps.ledger.record(
    releaseKey(state.release),
    {
      id: `switch-${progress.stepIndex}`,
      at,
      state: 'ShiftTraffic',
      detail: `green ${state.green.green} at ${progress.greenPercent} %`,
      split,
    },
    { greenPercent: progress.greenPercent, phase: progress.phase },
  );
  await deps.events?.publish(state.release, {
    state: 'switched',
    key: `switched-${progress.stepIndex}`,
    at,
    blue: state.green.blue,
    green: state.green.green,
    greenPercent: progress.greenPercent,
  });
  return progress;
}
