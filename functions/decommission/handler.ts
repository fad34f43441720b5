import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { eventsFromEnv } from '../../core/events';
import { logger, taskHandler } from '../kit/handler-kit';
import { releaseStateSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
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
