import type { Ledger } from '../../core/ledger';
import type { ReleaseState } from '../../core/release-state';

/** Only the owner's delete succeeds: a release rejected as ReleaseInProgress leaves the other's lock alone. */
export async function releaseLock(state: ReleaseState, deps: { ledger: Ledger }): Promise<{ released: boolean }> {
  const released = await deps.ledger.releaseLock(state.release.targetKey, state.release.executionArn);
  return { released };
}
