import { LockLost } from '../../core/errors';
import type { Ledger } from '../../core/ledger';
import type { ReleaseContext } from '../../core/release-state';

/** Throws LockLost unless `release`'s execution holds its target's lock. */
export type Fence = (release: ReleaseContext) => Promise<void>;

/**
 * The check a Task makes before it moves traffic: the lock names this execution. A stale execution (a
 * redrive after another release took the target over, or after the reconciler ended this one) fails here
 * instead of moving production to its own versions.
 *
 * `whenUnreadable: 'proceed'` is for the rollback: a lock it may not read (a permanent AccessDenied) must not
 * keep 100 % off blue, and every execution of this orchestrator has the same role, so a stale one would be
 * denied the same read as the owner. Throttling and 5xx still fail the check, and the state's Retry repeats it.
 */
export function ownerFence(ledger: Ledger, options: { whenUnreadable?: 'fail' | 'proceed'; asReconciler?: boolean } = {}): Fence {
  return async (release) => {
    let lock;
    try {
      lock = await ledger.getLock(release.targetKey);
    } catch (err) {
      if (options.whenUnreadable === 'proceed' && (err as Error).name === 'AccessDeniedException') return;
      throw err;
    }
    const ours = lock?.ownerExecutionArn === release.executionArn;
    // A lock left for a person, or one the reconciler is ending the release of (a redrive meanwhile), is not the execution's any more.
    if (ours && !lock?.needsAttention && (!lock?.reconciling || options.asReconciler)) return;
    const why = !lock
      ? 'nobody holds its lock'
      : !ours
        ? `execution ${lock.ownerExecutionArn} holds its lock`
        : lock.needsAttention
          ? `its lock waits for a person since ${lock.needsAttention.since} (${lock.needsAttention.reason})`
          : `the reconciler has been ending this release since ${lock.reconciling!.since}`;
    throw new LockLost(`${release.targetKey} is no longer held by this release (${why}): this execution moves no traffic`);
  };
}
