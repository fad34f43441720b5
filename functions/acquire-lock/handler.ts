import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { eventsFromEnv } from '../../core/events';
import { logger, taskHandler } from '../kit/handler-kit';
import { releaseStateSchema } from '../../core/release-state';
import { acquireLock } from './acquire-lock';

export const handler = taskHandler('AcquireLock', releaseStateSchema, (state) =>
  acquireLock(state, { ledger: ledgerFromEnv(), sfn: clients.sfn(), now: systemClock, events: eventsFromEnv(logger, clients.eventbridge) }),
);
