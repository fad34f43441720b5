import type { Target } from '../../core/release-input';
import { targetKey } from '../../core/release-input';
import { routerFor } from '../../targets';
import type { CliClients } from '../config';

export interface TargetStatus {
  target: string;
  split: Record<string, number>;
  running: null | {
    releaseId: string;
    executionArn: string;
    startedAt: string;
    /** What started it: cli, console, codepipeline, eventbridge:s3 …, eventbridge:model-package …. */
    startedBy?: string;
    blueVersion?: string;
    greenVersion?: string;
    phase?: string;
    greenPercent?: number;
    lastVerdict?: string;
    retentionEndsAt?: string;
    retentionLeftSeconds?: number;
  };
  last: null | { releaseId: string; status: string; endedAt?: string; cause?: string };
  /** The lock's mark when its release could not restore blue: no release may start until a person runs `cutover rollback`. */
  needsAttention?: { since: string; reason: string };
}

/** The live split from the router, and the running (or last) release from the ledger. */
export async function readStatus(clients: CliClients, target: Target, now = Date.now()): Promise<TargetStatus> {
  const key = targetKey(target);
  const router = routerFor(target, clients.routers);
  const [split, lock, releases] = await Promise.all([
    router.currentSplit({ blue: '', green: '', createdGreen: false }),
    clients.ledger.getLock(key),
    clients.ledger.listReleases(key, 20),
  ]);
  // By the lock's key: the newest 20 items may all be rejected starts (an S3 trigger flood) hiding the running one.
  const current = lock ? await clients.ledger.releaseOfLock(key, lock) : undefined;
  const last = releases.find((r) => r.status !== 'Running');
  return {
    target: key,
    split,
    running: current
      ? {
          releaseId: current.releaseId,
          executionArn: current.executionArn,
          startedAt: current.startedAt,
          startedBy: current.startedBy,
          blueVersion: current.blueVersion,
          greenVersion: current.greenVersion,
          phase: current.phase,
          greenPercent: current.greenPercent,
          lastVerdict: current.lastVerdict,
          retentionEndsAt: current.retentionEndsAt,
          retentionLeftSeconds: current.retentionEndsAt ? Math.max(0, Math.round((Date.parse(current.retentionEndsAt) - now) / 1000)) : undefined,
        }
      : null,
    last: last ? { releaseId: last.releaseId, status: last.status, endedAt: last.endedAt, cause: last.outcome?.cause } : null,
    ...(lock?.needsAttention ? { needsAttention: lock.needsAttention } : {}),
  };
}
