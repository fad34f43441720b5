import { ledgerFromEnv } from '../shared/deps';
import { taskHandler } from '../shared/handler-kit';
import { releaseStateSchema } from '../shared/release-state';
import { releaseLock } from './release-lock';

export const handler = taskHandler('ReleaseLock', releaseStateSchema, (state) => releaseLock(state, { ledger: ledgerFromEnv() }));
