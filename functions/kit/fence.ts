import { LockLost } from '../../core/errors';
import type { Ledger } from '../../core/ledger';
import type { ReleaseContext } from '../../core/release-state';

/** Throws LockLost unless `release`'s execution holds its target's lock. */
export type Fence = (release: ReleaseContext) => Promise<void>;

/**
 * The check a Task makes before it moves traffic: the lock names this execution. A stale execution (a
 * redrive after another release took the target over, or after the reconciler ended this one) fails here
 * instead of moving production to its own versions.
 */
export function ownerFence(ledger: Ledger): Fence {
  return async (release) => {
    const lock = await ledger.getLock(release.targetKey);
    if (lock?.ownerExecutionArn === release.executionArn) return;
    throw new LockLost(
      `${release.targetKey} is no longer held by this release (${lock ? `execution ${lock.ownerExecutionArn} holds its lock` : 'nobody holds its lock'}): this execution moves no traffic`,
    );
  };
}
