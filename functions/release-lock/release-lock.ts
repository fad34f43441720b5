import { causeMessage } from '../../core/cause';
import type { Ledger } from '../../core/ledger';
import type { ReleaseState } from '../../core/release-state';
import type { Clock } from '../kit/deps';

/**
 * Only the owner's delete succeeds: a release rejected as ReleaseInProgress leaves the other's lock alone.
 * After a rollback that could not restore blue the lock is kept, marked as needing a person: the split is
 * unknown, and the next release must not take the target over (`cutover rollback` clears it).
 */
export async function releaseLock(state: ReleaseState, deps: { ledger: Ledger; now?: Clock; asReconciler?: boolean }): Promise<{ released: boolean; needsAttention?: boolean }> {
  const { release } = state;
  const options = { evenIfReconciling: deps.asReconciler ?? false };
  if (state.rollbackError && state.rollbackError.Error !== 'LockLost') {
    const reason = `rolling back to blue ${state.green?.blue ?? ''} failed (${state.rollbackError.Error}: ${causeMessage(state.rollbackError.Cause)})`;
    const at = (deps.now ?? (() => new Date()))().toISOString();
    const marked = await deps.ledger.markNeedsAttention(release.targetKey, release.executionArn, { since: at, reason }, options);
    return { released: false, needsAttention: marked };
  }
  const released = await deps.ledger.releaseLock(release.targetKey, release.executionArn, options);
  return { released };
}
