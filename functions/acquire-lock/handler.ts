import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { eventsFromEnv } from '../shared/events';
import { logger, taskHandler } from '../shared/handler-kit';
import { releaseStateSchema } from '../shared/release-state';
import { acquireLock } from './acquire-lock';

export const handler = taskHandler('AcquireLock', releaseStateSchema, (state) =>
  acquireLock(state, { ledger: ledgerFromEnv(), sfn: clients.sfn(), now: systemClock, events: eventsFromEnv(logger, clients.eventbridge) }),
);
