import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { ownerFence } from '../kit/fence';
import { eventsFromEnv } from '../../core/events';
import { logger, taskHandler } from '../kit/handler-kit';
import { releaseStateSchema } from '../../core/release-state';
import { managedStagesFromEnv, routerFor } from '../../targets';
import { decommission } from './decommission';

export const handler = taskHandler('Decommission', releaseStateSchema, (state) => {
  const ledger = ledgerFromEnv();
  return decommission(state, {
    ledger,
    // The other managed stages may route to the versions this release retires.
    router: routerFor(state.release.spec.target, clients, { managedStages: managedStagesFromEnv() }),
    cloudwatch: clients.cloudwatch(),
    alarmPrefix: process.env.CUTOVER_ALARM_PREFIX ?? 'cutover-',
    now: systemClock,
    events: eventsFromEnv(logger, clients.eventbridge),
    // Like the rollback's: a lock it may not read must not leave green alive after a failure (it never retires what routes).
    fence: ownerFence(ledger, { whenUnreadable: 'proceed' }),
  });
});
