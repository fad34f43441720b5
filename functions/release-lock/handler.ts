import { ledgerFromEnv, systemClock } from '../kit/deps';
import { taskHandler } from '../kit/handler-kit';
import { releaseStateSchema } from '../../core/release-state';
import { releaseLock } from './release-lock';

export const handler = taskHandler('ReleaseLock', releaseStateSchema, (state) => releaseLock(state, { ledger: ledgerFromEnv(), now: systemClock }));
