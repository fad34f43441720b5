import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { ownerFence } from '../kit/fence';
import { taskHandler } from '../kit/handler-kit';
import { monitoringStateSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
import { checkAlarms } from './check-alarms';

export const handler = taskHandler('CheckAlarms', monitoringStateSchema, (state) => {
  const ledger = ledgerFromEnv();
  return checkAlarms(state, { ledger, cloudwatch: clients.cloudwatch(), now: systemClock, router: routerFor(state.release.spec.target, clients), fence: ownerFence(ledger) });
});
