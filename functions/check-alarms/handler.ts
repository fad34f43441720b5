import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { taskHandler } from '../shared/handler-kit';
import { monitoringStateSchema } from '../shared/release-state';
import { routerFor } from '../shared/routers';
import { checkAlarms } from './check-alarms';

export const handler = taskHandler('CheckAlarms', monitoringStateSchema, (state) =>
  checkAlarms(state, { ledger: ledgerFromEnv(), cloudwatch: clients.cloudwatch(), now: systemClock, router: routerFor(state.release.spec.target, clients) }),
);
