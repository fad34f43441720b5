import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ReleaseInProgress } from '../../core/errors';
import { releaseKey, type Clock } from '../kit/deps';
import type { ReleaseEvents } from '../../core/events';
import { releaseSortKey, type Ledger } from '../../core/ledger';
import type { ReleaseState } from '../../core/release-state';

export interface AcquireLockDeps {
  ledger: Ledger;
  sfn: SFNClient;
  now: Clock;
  /** Release events (`started`); optional, never fails the Task. */
  events?: ReleaseEvents;
}

/** An owner whose execution has ended (or never existed here) no longer holds the target. */
export async function isExecutionRunning(sfn: SFNClient, executionArn: string): Promise<boolean> {
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE';
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') return false;
    throw err;
  }
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
    (arn) => isExecutionRunning(deps.sfn, arn),
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
