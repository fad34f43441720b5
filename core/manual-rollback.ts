import type { Ledger, ReleaseItem } from './ledger';
import type { Target } from './release-input';
import { targetKey } from './release-input';
import type { Green } from './release-state';
import type { Split, SideRetirer, TrafficSwitch } from './traffic-router';
import { whileBusy } from './while-busy';

export interface ManualRollbackResult {
  release: ReleaseItem;
  split: Split;
  /** Milliseconds from the request to the router showing 100 % on blue. */
  elapsedMs: number;
  /** The target needed a person (its release could not restore blue): the release is recorded RolledBack and the lock freed. */
  freed?: boolean;
}

export class NothingToRollBack extends Error {
  public readonly name = 'NothingToRollBack';
}

/** The rollback is recorded but the router could not be moved now: the running release does it at its next check. */
export class RollbackPending extends Error {
  public readonly name = 'RollbackPending';
}

const SETTLE_POLL_MS = 500;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A person's rollback: traffic goes back to blue now, through the router
 * (seconds, not the next poll), then the running release is asked to end as
 * RolledBack, which its next CheckAlarms does.
 */
export async function manualRollback(
  target: Target,
  request: { by: string; reason: string },
  deps: {
    ledger: Ledger;
    /** With `decommission`, green is retired after a target that needed a person is freed (its release could not). */
    router: (target: Target) => Pick<TrafficSwitch, 'rollback' | 'currentSplit'> & Partial<Pick<SideRetirer, 'decommission'>>;
    now?: () => number;
    /** How long to wait for blue when the release is moving traffic at the same time (wall ms). @default 30,000 */
    settleMs?: number;
    /** How long retiring green may wait for the target to settle (a SageMaker fleet replacement; wall ms). @default 20 minutes */
    retireMs?: number;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<ManualRollbackResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const key = targetKey(target);
  const lock = await deps.ledger.getLock(key);
  if (!lock) throw new NothingToRollBack(`no release of ${key} is running: nothing to roll back (start a release of the version you want instead)`);
  const release = await deps.ledger.releaseOfLock(key, lock);
  if (!release) throw new NothingToRollBack(`the running release ${lock.releaseId} of ${key} has no ledger record yet: try again in a few seconds`);
  if (!release.blueVersion || !release.greenVersion) {
    throw new NothingToRollBack(`release ${release.releaseId} has not prepared green yet: no traffic has moved, stop the execution instead`);
  }
  const green: Green = { blue: release.blueVersion, green: release.greenVersion, createdGreen: false };
  // Record the request first, then move traffic. The other order, with a ledger write that fails, would leave
  // blue live while the release goes on and ends Succeeded with green "live" in the ledger. In this order a
  // failed write moves nothing, and a failed move is made by the release itself at its next check.
  await deps.ledger.requestManualRollback(
    { targetKey: key, startedAt: release.startedAt, releaseId: release.releaseId },
    { at: new Date(now()).toISOString(), by: request.by, reason: request.reason },
  );
  const router = deps.router(target);
  let split: Split;
  try {
    split = await router.rollback(green);
  } catch (err) {
    // The release may have seen the request and be rolling back at the same moment (a RevisionId mismatch, an
    // endpoint Updating): done once the router shows 100 % on blue, whoever moved it.
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const checks = Math.ceil((deps.settleMs ?? 30_000) / SETTLE_POLL_MS);
    for (let check = 0; ; check++) {
      const shown = await router.currentSplit(green).catch(() => ({}) as Split);
      if (shown[green.blue] === 100) {
        split = shown;
        break;
      }
      if (check >= checks) {
        throw new RollbackPending(
          `the rollback of ${key} is recorded, but moving traffic now failed (${(err as Error).name}: ${(err as Error).message}): the release puts 100 % on blue ${green.blue} at its next check`,
          { cause: err },
        );
      }
      await sleep(SETTLE_POLL_MS);
    }
  }
  if (lock.needsAttention) {
    // Its execution has ended without restoring blue: nobody else will record the end, retire green or free the target.
    const at = new Date(now()).toISOString();
    const cause = `${request.reason} (by ${request.by}), after the release could not restore blue itself (${lock.needsAttention.reason}). 100 % of traffic is on ${green.blue}.`;
    const releaseKey = { targetKey: key, startedAt: release.startedAt, releaseId: release.releaseId };
    // Its Decommission ran while green still had traffic, so it kept green: retire it now, as Decommission would.
    let warning: string | undefined;
    let cleanup: unknown;
    if (release.green && router.decommission) {
      try {
        const retire = router.decommission.bind(router);
        const g = release.green;
        cleanup = await whileBusy(() => retire(g, 'green', { deleteVersion: false }), { now, sleep: deps.sleep ?? defaultSleep, budgetMs: deps.retireMs ?? 20 * 60_000, intervalMs: 5_000 });
      } catch (err) {
        warning = `green ${release.green.green} was not retired (${(err as Error).name}: ${(err as Error).message}): retire it by hand`;
      }
    }
    const outcome = { status: 'RolledBack' as const, error: 'ManualRollback', cause, ...(warning ? { warning } : {}) };
    await deps.ledger.record(releaseKey, { id: 'ended', at, state: 'cutover rollback', detail: `RolledBack: ${cause}` }, { status: 'RolledBack', outcome, greenPercent: 0, endedAt: at, ...(cleanup ? { cleanup } : {}) }, { endedBy: 'person' });
    await deps.ledger.releaseLock(key, lock.ownerExecutionArn, { evenIfReconciling: true });
    return { release: { ...release, status: 'RolledBack' }, split, elapsedMs: now() - started, freed: true };
  }
  return { release, split, elapsedMs: now() - started };
}
