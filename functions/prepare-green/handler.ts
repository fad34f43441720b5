import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { taskHandler } from '../shared/handler-kit';
import { releaseStateSchema } from '../shared/release-state';
import { routerFor } from '../shared/routers';
import { prepareGreen } from './prepare-green';

export const handler = taskHandler('PrepareGreen', releaseStateSchema, (state, context) =>
  prepareGreen(state, {
    ledger: ledgerFromEnv(),
    router: routerFor(state.release.spec.target, clients),
    now: systemClock,
    // Every wait inside the Task ends before the function's own timeout would kill it.
    budget: { remainingMs: () => context.getRemainingTimeInMillis() },
  }),
);
