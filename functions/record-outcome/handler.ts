import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { eventsFromEnv } from '../../core/events';
import { logger, taskHandler } from '../kit/handler-kit';
import { releaseStateSchema } from '../../core/release-state';
import { recordOutcome } from './record-outcome';

export const handler = taskHandler('RecordOutcome', releaseStateSchema, (state) => recordOutcome(state, { ledger: ledgerFromEnv(), now: systemClock, events: eventsFromEnv(logger, clients.eventbridge) }));
