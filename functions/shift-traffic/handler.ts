import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { ownerFence } from '../kit/fence';
import { eventsFromEnv } from '../../core/events';
import { logger, taskHandler } from '../kit/handler-kit';
import { stateWithGreenSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
import { shiftTraffic } from './shift-traffic';

export const handler = taskHandler('ShiftTraffic', stateWithGreenSchema, (state) => {
  const ledger = ledgerFromEnv();
  return shiftTraffic(state, {
    ledger,
    router: routerFor(state.release.spec.target, clients),
    now: systemClock,
    events: eventsFromEnv(logger, clients.eventbridge),
    fence: ownerFence(ledger),
  });
});
