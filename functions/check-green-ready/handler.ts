import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { taskHandler } from '../kit/handler-kit';
import { stateWithGreenSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
import { checkGreenReady } from './check-green-ready';

export const handler = taskHandler('CheckGreenReady', stateWithGreenSchema, (state) =>
  checkGreenReady(state, { ledger: ledgerFromEnv(), router: routerFor(state.release.spec.target, clients), now: systemClock }),
);
