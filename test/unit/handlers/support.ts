import type { Context } from 'aws-lambda';
import { clients } from '../../../functions/kit/clients';
import { Ledger, releaseSortKey } from '../../../core/ledger';
import { releaseInputSchema, targetKey, type ReleaseInput } from '../../../core/release-input';
import type { Green, ReleaseContext } from '../../../core/release-state';
import { startLedgerTable } from '../../support/dynalite';
import { lambdaContext as baseContext } from '../../../bench/hostile/lambda-context';
import { releaseInput } from '../../support/release-input';

/**
 * Shared by the handler unit tests: a release context as ValidateInput makes
 * it, a Lambda context for the middy handlers, a fixed clock, and a real
 * in-memory ledger (dynalite) for the files that assert what gets recorded.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const TARGET = 'lambda-alias:ai-handler:production';
export const STARTED_AT = '2026-11-26T09:00:00.000Z';
export const NOW = new Date('2026-11-26T10:00:00.000Z');
export const clock = () => NOW;

export const executionArn = (id: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:cutover-release:${id}`;

/** The `release` document ValidateInput hands to every later Task (spec parsed, defaults filled). */
export function releaseContext(overrides: Partial<ReleaseInput> = {}, id = 'rel-1'): ReleaseContext {
  const spec = releaseInputSchema.parse(releaseInput(overrides));
  return { id, executionArn: executionArn(id), startedAt: STARTED_AT, targetKey: targetKey(spec.target), spec };
}

/** Green as PrepareGreen returns it for ai-handler (blue 1, green 2 unless told). */
export function greenOf(blue = '1', green = '2', createdGreen = true): Green {
  const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ai-handler`;
  return { blue, green, createdGreen, greenArn: `${arn}:${green}`, blueArn: `${arn}:${blue}` };
}

/** The Lambda context the runtime passes; the middy handlers log with it. */
export const lambdaContext = (folder: string): Context => baseContext(folder, `req-${folder}`, { region: REGION, account: ACCOUNT });

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Destroy the per-process SDK clients the handlers created (jest must exit cleanly). */
export function destroyClients(): void {
  for (const make of [clients.lambda, clients.cloudwatch, clients.sfn, clients.s3, clients.dynamo]) make().destroy();
}

/**
 * A real DynamoDB (dynalite) for this test file, shared with the handlers:
 * `clients.dynamo()` is created after AWS_ENDPOINT_URL_DYNAMODB points at it.
 * Stops the server and destroys the clients after the file's tests.
 */
export function useLedger(): { ledger: Ledger; tableName: string } {
  const env = {} as { ledger: Ledger; tableName: string };
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const table = await startLedgerTable();
    stop = table.stop;
    env.tableName = table.tableName;
    env.ledger = new Ledger(clients.dynamo(), table.tableName);
  });
  afterAll(async () => {
    destroyClients();
    await stop?.();
  });
  return env;
}

/** The release item of `release` in the ledger. */
export async function itemOf(ledger: Ledger, release: ReleaseContext) {
  return ledger.getRelease(release.targetKey, release.startedAt, release.id);
}

/** The target's lock given to `release` (whoever held it), as its AcquireLock would have left it: Tasks that move traffic check it. */
export async function holdLock(ledger: Ledger, release: ReleaseContext): Promise<void> {
  const current = await ledger.getLock(release.targetKey);
  if (current) await ledger.releaseLock(release.targetKey, current.ownerExecutionArn);
  await ledger.acquireLock(
    { targetKey: release.targetKey, ownerExecutionArn: release.executionArn, releaseId: release.id, releaseSk: releaseSortKey(release.startedAt, release.id), acquiredAt: release.startedAt },
    async () => true,
  );
}
