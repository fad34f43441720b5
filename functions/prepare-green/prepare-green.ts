import { releaseKey, type Clock } from '../kit/deps';
import type { Ledger } from '../../core/ledger';
import type { Green, ReleaseState } from '../../core/release-state';
import type { GreenPreparer } from '../../core/traffic-router';
import type { TaskBudget } from '../../core/traffic-router';

export interface PrepareGreenDeps {
  ledger: Ledger;
  router: GreenPreparer;
  now: Clock;
  /** The invocation's remaining time (context.getRemainingTimeInMillis); no budget: the router's attempts bound its waits. */
  budget?: TaskBudget;
}

/** Green ready, no traffic moved: for a Lambda alias, $LATEST (with the artifact) published as a version. */
export async function prepareGreen(state: ReleaseState, deps: PrepareGreenDeps): Promise<Green> {
  const green = await deps.router.prepare(state.release, deps.budget);
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
