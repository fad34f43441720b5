import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { eventsFromEnv } from '../shared/events';
import { logger, taskHandler } from '../shared/handler-kit';
import { releaseStateSchema } from '../shared/release-state';
import { routerFor } from '../shared/routers';
import { decommission } from './decommission';

export const handler = taskHandler('Decommission', releaseStateSchema, (state) =>
  decommission(state, {
    ledger: ledgerFromEnv(),
    router: routerFor(state.release.spec.target, clients),
    cloudwatch: clients.cloudwatch(),
    alarmPrefix: process.env.CUTOVER_ALARM_PREFIX ?? 'cutover-',
    now: systemClock,
    events: eventsFromEnv(logger, clients.eventbridge),
  }),
);
