import { ExecutionDoesNotExist, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Ledger, ReleaseItem } from './ledger';
import { targetKey, type Target } from './release-input';

/** No release holds the target: nothing to abort. */
export class NothingToAbort extends Error {
  public readonly name = 'NothingToAbort';
}

/** The execution is stopped, but the reconciler has not recorded the end within the wait. */
export class AbortPending extends Error {
  public readonly name = 'AbortPending';
}

export interface AbortResult {
  executionArn: string;
  /** The release as the reconciler left it (status, outcome), or as it was when the wait ran out. */
  release: ReleaseItem;
}

/**
 * `cutover abort`: the documented way to stop a release. It stops the execution that holds the target's lock
 * (StopExecution, with who and why as the error and cause); the orchestrator's reconciler, run on the
 * execution's ABORTED status change, brings the target to a known-good end and records it, which this waits for.
 */
export async function abortRelease(
  target: Target,
  request: { by: string; reason: string },
  deps: { ledger: Ledger; sfn: SFNClient; waitMs?: number; sleep?: (ms: number) => Promise<void> },
): Promise<AbortResult> {
  const key = targetKey(target);
  const lock = await deps.ledger.getLock(key);
  if (!lock) throw new NothingToAbort(`no release of ${key} is running: nothing to abort`);
  if (lock.needsAttention) {
    throw new NothingToAbort(`${key} needs a person, not an abort: its release has ended without restoring blue (${lock.needsAttention.reason}); check the target, then run cutover rollback ${key}`);
  }
  try {
    await deps.sfn.send(new StopExecutionCommand({ executionArn: lock.ownerExecutionArn, error: 'CutoverAbort', cause: `aborted by ${request.by}: ${request.reason}` }));
  } catch (err) {
    if (!(err instanceof ExecutionDoesNotExist)) throw err;
    // No execution, so no status change and no reconciler: nothing to wait for.
    throw new AbortPending(`the lock of ${key} names ${lock.ownerExecutionArn}, which does not exist (any more): no reconciler will run; check the target, then run cutover rollback ${key}`);
  }
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (deps.waitMs ?? 600_000);
  for (;;) {
    const release = await deps.ledger.releaseOfLock(key, lock);
    if (release && release.status !== 'Running') return { executionArn: lock.ownerExecutionArn, release };
    if (Date.now() >= deadline) {
      throw new AbortPending(
        `${lock.ownerExecutionArn} is stopped, but its release is not recorded as ended yet: the reconciler may still be waiting for a Task to finish; see cutover status ${key}`,
      );
    }
    await sleep(1_000);
  }
}
