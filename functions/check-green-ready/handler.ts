import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { taskHandler } from '../shared/handler-kit';
import { stateWithGreenSchema } from '../shared/release-state';
import { routerFor } from '../shared/routers';
import { checkGreenReady } from './check-green-ready';

export const handler = taskHandler('CheckGreenReady', stateWithGreenSchema, (state) =>
  checkGreenReady(state, { ledger: ledgerFromEnv(), router: routerFor(state.release.spec.target, clients), now: systemClock }),
);
