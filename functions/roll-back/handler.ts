import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { eventsFromEnv } from '../shared/events';
import { logger, taskHandler } from '../shared/handler-kit';
import { stateWithGreenSchema } from '../shared/release-state';
import { routerFor } from '../shared/routers';
import { rollBack } from './roll-back';

export const handler = taskHandler('RollBackToBlue', stateWithGreenSchema, (state) =>
  rollBack(state, { ledger: ledgerFromEnv(), router: routerFor(state.release.spec.target, clients), now: systemClock, events: eventsFromEnv(logger, clients.eventbridge) }),
);
