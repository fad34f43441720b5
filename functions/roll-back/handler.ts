import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { ownerFence } from '../kit/fence';
import { eventsFromEnv } from '../../core/events';
import { logger, taskHandler } from '../kit/handler-kit';
import { stateWithGreenSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
import { rollBack } from './roll-back';

export const handler = taskHandler('RollBackToBlue', stateWithGreenSchema, (state) => {
  const ledger = ledgerFromEnv();
  return rollBack(state, {
    ledger,
    router: routerFor(state.release.spec.target, clients),
    now: systemClock,
    events: eventsFromEnv(logger, clients.eventbridge),
    fence: ownerFence(ledger, { whenUnreadable: 'proceed' }),
  });
});
