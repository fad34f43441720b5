import { releaseKey, type Clock } from '../shared/deps';
import type { Ledger } from '../shared/ledger';
import type { Green, ReleaseState } from '../shared/release-state';
import type { TrafficRouter } from '../shared/routers';

export interface PrepareGreenDeps {
  ledger: Ledger;
  router: TrafficRouter;
  now: Clock;
}

/** Green ready, no traffic moved: for a Lambda alias, $LATEST (with the artifact) published as a version. */
export async function prepareGreen(state: ReleaseState, deps: PrepareGreenDeps): Promise<Green> {
  const green = await deps.router.prepare(state.release);
  await deps.ledger.record(
    releaseKey(state.release),
    {
      id: 'prepared',
      at: deps.now().toISOString(),
      state: 'PrepareGreen',
      detail: `green ${green.green}${green.createdGreen ? ' (new)' : ' (existing)'}, blue ${green.blue}`,
    },
    { blueVersion: green.blue, greenVersion: green.green },
  );
  return green;
}
