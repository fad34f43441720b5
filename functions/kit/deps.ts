import { clients, requiredEnv } from './clients';
import { Ledger } from '../../core/ledger';
import type { ReleaseContext } from '../../core/release-state';

/** The ledger named by the environment (the CDK construct and the sandbox set LEDGER_TABLE_NAME). */
export const ledgerFromEnv = () => new Ledger(clients.dynamo(), requiredEnv('LEDGER_TABLE_NAME'));

/** The ledger key of a release. */
export const releaseKey = (release: ReleaseContext) => ({
  targetKey: release.targetKey,
  startedAt: release.startedAt,
  releaseId: release.id,
});

/** Injected clock, so tests decide what "now" is. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
