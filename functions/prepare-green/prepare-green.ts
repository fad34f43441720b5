import { randomUUID } from 'node:crypto';
import { releaseKey, type Clock } from '../kit/deps';
import type { Fence } from '../kit/fence';
import { TargetBusy } from '../../core/errors';
import type { Ledger } from '../../core/ledger';
import type { Green, ReleaseState } from '../../core/release-state';
import type { GreenPreparer } from '../../core/traffic-router';
import type { TaskBudget } from '../../core/traffic-router';

export interface PrepareGreenDeps {
  ledger: Ledger;
  router: GreenPreparer;
  now: Clock;
  /** The invocation's remaining time (context.getRemainingTimeInMillis); no budget: the router's attempts bound its waits. */
  budget?: TaskBudget;
  /** Checks that this execution still holds the target's lock (a redriven execution must not write $LATEST again). */
  fence?: Fence;
  /** This invocation's id (context.awsRequestId): the writer lease's holder. */
  invocation?: string;
}

/** A lease held by a caller without a budget (tests, the rehearsal's direct calls) lasts this long. */
const UNBUDGETED_LEASE_MS = 15 * 60_000;
/** Past the invocation's end: its last write (the ledger's) may still land after the function's deadline. */
const LEASE_MARGIN_MS = 5_000;

/** Green ready, no traffic moved: for a Lambda alias, $LATEST (with the artifact) published as a version. */
export async function prepareGreen(state: ReleaseState, deps: PrepareGreenDeps): Promise<Green> {
  await deps.fence?.(state.release);
  const shared = deps.router.sharedResource?.();
  const green = shared ? await withWriterLease(state, shared, deps) : await deps.router.prepare(state.release, deps.budget);
  await deps.ledger.record(
    releaseKey(state.release),
    {
      id: 'prepared',
      at: deps.now().toISOString(),
      state: 'PrepareGreen',
      detail: `green ${green.green}${green.createdGreen ? ' (new)' : ' (existing)'}, blue ${green.blue}`,
    },
    { blueVersion: green.blue, greenVersion: green.green, green },
  );
  return green;
}

/**
 * Prepare while holding the writer lease on what other targets' releases also write (a Lambda function's
 * $LATEST, shared by its aliases and stages): two releases of one function never interleave setting the
 * artifact and publishing. A lease held by another release is TargetBusy, which the state's Retry waits out.
 */
async function withWriterLease(state: ReleaseState, resource: string, deps: PrepareGreenDeps): Promise<Green> {
  const { release } = state;
  const invocation = deps.invocation ?? randomUUID();
  const now = deps.now();
  const lasts = (deps.budget ? deps.budget.remainingMs() : UNBUDGETED_LEASE_MS) + LEASE_MARGIN_MS;
  const lease = await deps.ledger.acquireWriterLease(
    resource,
    {
      ownerExecutionArn: release.executionArn,
      invocation,
      releaseId: release.id,
      targetKey: release.targetKey,
      acquiredAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + lasts).toISOString(),
    },
    now.toISOString(),
  );
  if (!lease.acquired) {
    const who = lease.holder ? `release ${lease.holder.releaseId} of ${lease.holder.targetKey} (until ${lease.holder.expiresAt})` : 'another release';
    throw new TargetBusy(`${resource} is being written by ${who}; releases of one function publish one at a time: the step will retry`);
  }
  try {
    return await deps.router.prepare(release, deps.budget);
  } finally {
    // The lease expires on its own: failing to give it back must neither hide why preparing failed nor fail a green that is published.
    await deps.ledger.releaseWriterLease(resource, invocation).catch(() => undefined);
  }
}
