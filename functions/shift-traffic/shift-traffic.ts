import { releaseKey, type Clock } from '../shared/deps';
import type { Ledger } from '../shared/ledger';
import type { AlarmSet, Progress, StateWithGreen } from '../shared/release-state';
import type { TrafficRouter } from '../shared/routers';
import { nextStep } from './plan';

export interface ShiftTrafficDeps {
  ledger: Ledger;
  router: TrafficRouter;
  now: Clock;
}

/** Move to the next step (a canary share, or 100 %) and start its bake. */
export async function shiftTraffic(state: StateWithGreen & { alarms?: AlarmSet }, deps: ShiftTrafficDeps): Promise<Progress> {
  const at = deps.now().toISOString();
  const progress = nextStep(state.release.spec, state.progress, at);
  // The user's alarms found in ALARM when arming stay ignored until they clear.
  if (!state.progress && state.alarms) progress.ignoredAlarms = [...state.alarms.preexisting];
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
  return progress;
}
