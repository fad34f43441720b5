import { clients } from '../shared/clients';
import { ledgerFromEnv, systemClock } from '../shared/deps';
import { eventsFromEnv } from '../shared/events';
import { logger, taskHandler } from '../shared/handler-kit';
import { releaseStateSchema } from '../shared/release-state';
import { recordOutcome } from './record-outcome';

export const handler = taskHandler('RecordOutcome', releaseStateSchema, (state) => recordOutcome(state, { ledger: ledgerFromEnv(), now: systemClock, events: eventsFromEnv(logger, clients.eventbridge) }));
