import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { ownerFence } from '../kit/fence';
import { taskHandler } from '../kit/handler-kit';
import { releaseStateSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
import { prepareGreen } from './prepare-green';

export const handler = taskHandler('PrepareGreen', releaseStateSchema, (state, context) => {
  const ledger = ledgerFromEnv();
  return prepareGreen(state, {
    ledger,
    router: routerFor(state.release.spec.target, clients),
    now: systemClock,
    // Every wait inside the Task ends before the function's own timeout would kill it.
    budget: { remainingMs: () => context.getRemainingTimeInMillis() },
    fence: ownerFence(ledger),
    invocation: context.awsRequestId,
  });
});
