import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ReleaseInProgress } from '../../core/errors';
import { releaseKey, type Clock } from '../kit/deps';
import type { ReleaseEvents } from '../../core/events';
import { releaseSortKey, type Ledger, type LockItem } from '../../core/ledger';
import type { ReleaseState } from '../../core/release-state';

export interface AcquireLockDeps {
  ledger: Ledger;
  sfn: SFNClient;
  now: Clock;
  /** Release events (`started`); optional, never fails the Task. */
  events?: ReleaseEvents;
}

/**
 * How long after a stop, a timeout or a crash the owner's reconciler may still be ending its release: it waits
 * out a Task still running (at most SmokeTest's 330 s), retries restoring blue, and Lambda retries the
 * reconciler twice (after about 1 and 2 minutes) if it fails.
 */
export const RECONCILE_GRACE_MS = 30 * 60_000;

/** An owner whose execution has ended (or never existed here) no longer holds the target. */
export async function isExecutionRunning(sfn: SFNClient, executionArn: string): Promise<boolean> {
  return (await ownerStatus(sfn, executionArn)).running;
}

async function ownerStatus(sfn: SFNClient, executionArn: string): Promise<{ running: boolean; status?: string; stopDate?: Date }> {
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return { running: out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE', ...(out.status ? { status: out.status } : {}), ...(out.stopDate ? { stopDate: out.stopDate } : {}) };
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') return { running: false };
    throw err;
  }
}

/**
 * Whether the lock's owner still holds the target: running, or stopped, timed out or failed less than
 * RECONCILE_GRACE_MS ago with its release still Running in the ledger, that is, before its reconciler has
 * ended it. Taking the target over then would leave the stopped canary's split to nobody.
 */
export async function ownerStillHolds(deps: Pick<AcquireLockDeps, 'sfn' | 'ledger' | 'now'>, targetKey: string, lock: LockItem): Promise<boolean> {
  const owner = await ownerStatus(deps.sfn, lock.ownerExecutionArn);
  if (owner.running) return true;
  if (!owner.stopDate || owner.status === 'SUCCEEDED' || deps.now().getTime() - owner.stopDate.getTime() > RECONCILE_GRACE_MS) return false;
  return (await deps.ledger.releaseOfLock(targetKey, lock))?.status === 'Running';
}

export async function acquireLock(state: ReleaseState, deps: AcquireLockDeps) {
  const { release } = state;
  const at = deps.now().toISOString();
  const result = await deps.ledger.acquireLock(
    {
      targetKey: release.targetKey,
      ownerExecutionArn: release.executionArn,
      releaseId: release.id,
      releaseSk: releaseSortKey(release.startedAt, release.id),
      acquiredAt: at,
    },
    (_arn, lock) => ownerStillHolds(deps, release.targetKey, lock),
  );
  if (!result.acquired && result.lock.needsAttention) {
    const n = result.lock.needsAttention;
    throw new ReleaseInProgress(
      `${release.targetKey} needs a person: release ${result.lock.releaseId} could not restore blue (${n.reason}, since ${n.since}), so its traffic split is unknown; check the target, then run cutover rollback ${release.targetKey}, which puts 100 % on blue and frees it`,
      result.lock.ownerExecutionArn,
    );
  }
  if (!result.acquired) {
    throw new ReleaseInProgress(
      `${release.targetKey} is being released by execution ${result.lock.ownerExecutionArn} (since ${result.lock.acquiredAt}); wait for it to end, or stop it, then start again`,
      result.lock.ownerExecutionArn,
    );
  }
  const spec = release.spec;
  await deps.ledger.createRelease({
    releaseId: release.id,
    executionArn: release.executionArn,
    targetKey: release.targetKey,
    target: spec.target,
    artifactUri: spec.artifact?.uri,
    description: spec.description,
    startedBy: spec.startedBy,
    startedAt: release.startedAt,
  });
  const detail = result.tookOverFrom ? `took over from ${result.tookOverFrom}, which is no longer running` : undefined;
  await deps.ledger.record(releaseKey(release), { id: 'lock', at, state: 'AcquireLock', detail });
  await deps.events?.publish(release, { state: 'started', at, reason: detail ?? null });
  return { acquiredAt: result.lock.acquiredAt, tookOverFrom: result.tookOverFrom ?? null };
}
