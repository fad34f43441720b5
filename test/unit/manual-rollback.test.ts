import { releaseSortKey } from '../../core/ledger';
import { manualRollback, NothingToRollBack, RollbackPending } from '../../core/manual-rollback';
import type { Target } from '../../core/release-input';
import type { Split, TrafficRouter } from '../../targets';
import { useLedger } from '../support/dynalite';

/**
 * `cutover rollback` against a real (in-memory) ledger and a scripted router:
 * the request is recorded before traffic moves, and a move that races the
 * release's own rollback counts as done once the router shows 100 % on blue.
 */
const table = useLedger('manual-rollback-unit');
const ledger = () => table.ledger();

let n = 0;
const STARTED = '2026-11-26T09:00:00.000Z';
const arn = (id: string) => `arn:aws:states:eu-west-1:123456789012:execution:cutover-release:${id}`;

/** A target with a running release r (blue 3, green 4) holding its lock. */
async function runningRelease(): Promise<{ target: Target; key: string }> {
  const fn = `fn-${++n}`;
  const target = { kind: 'lambda-alias', functionName: fn, alias: 'live' } as unknown as Target;
  const key = `lambda-alias:${fn}:live`;
  await ledger().acquireLock({ targetKey: key, ownerExecutionArn: arn('r'), releaseId: 'r', releaseSk: releaseSortKey(STARTED, 'r'), acquiredAt: STARTED }, async () => true);
  await ledger().createRelease({ releaseId: 'r', executionArn: arn('r'), targetKey: key, target, startedAt: STARTED, blueVersion: '3', greenVersion: '4' });
  return { target, key };
}

/** A router whose rollback fails with `error`, and whose reads show `splits` one after another (the last repeats). */
function racingRouter(error: Error, splits: Split[]): { router: TrafficRouter; reads: () => number } {
  let reads = 0;
  const router = {
    rollback: async () => {
      throw error;
    },
    currentSplit: async () => splits[Math.min(reads++, splits.length - 1)]!,
  } as unknown as TrafficRouter;
  return { router, reads: () => reads };
}

const busy = Object.assign(new Error('endpoint is Updating'), { name: 'TargetBusy' });
const noSleep = async () => undefined;

describe('manualRollback', () => {
  it('records the request and returns the split the router moved to', async () => {
    // Prepare
    const { target, key } = await runningRelease();
    const router = { rollback: async () => ({ '3': 100 }) } as unknown as TrafficRouter;

    // Act
    const result = await manualRollback(target, { by: 'alice', reason: 'tone changed' }, { ledger: ledger(), router: () => router });

    // Assess
    expect(result.split).toEqual({ '3': 100 });
    expect(result.release.releaseId).toBe('r');
    expect((await ledger().getRelease(key, STARTED, 'r'))?.manualRollback).toMatchObject({ by: 'alice', reason: 'tone changed' });
  });

  it('counts a move that lost the race to the release itself as done once blue shows 100 %', async () => {
    // Prepare: the release is rolling back at the same moment, so the CLI's own move finds the target busy.
    const { target } = await runningRelease();
    const { router, reads } = racingRouter(busy, [{ '3': 40, '4': 60 }, { '3': 100 }]);

    // Act
    const result = await manualRollback(target, { by: 'alice', reason: 'race' }, { ledger: ledger(), router: () => router, sleep: noSleep });

    // Assess
    expect(result.split).toEqual({ '3': 100 });
    expect(reads()).toBe(2);
  });

  it('raises RollbackPending, naming blue and the failure, when blue never shows 100 % within settleMs', async () => {
    // Prepare
    const { target, key } = await runningRelease();
    const { router, reads } = racingRouter(busy, [{ '4': 100 }]);

    // Act
    const failure = await manualRollback(target, { by: 'alice', reason: 'stuck' }, { ledger: ledger(), router: () => router, sleep: noSleep, settleMs: 2_000 }).catch((e: Error) => e);

    // Assess: one read now and one per 500 ms of settleMs; the request stays recorded for the release to act on.
    expect(failure).toBeInstanceOf(RollbackPending);
    expect((failure as Error).message).toMatch(/TargetBusy: endpoint is Updating.*100 % on blue 3 at its next check/);
    expect(reads()).toBe(5);
    expect((await ledger().getRelease(key, STARTED, 'r'))?.manualRollback).toMatchObject({ by: 'alice' });
  });

  it('finds the running release by its lock after 60 newer rejected starts (an S3 trigger flood)', async () => {
    // Prepare: newer release items than the running one, as rejected starts write them; before, only the newest 50 were read.
    const { target, key } = await runningRelease();
    for (let i = 0; i < 60; i++) {
      await ledger().createRelease({ releaseId: `rejected-${i}`, executionArn: arn(`rejected-${i}`), targetKey: key, target, startedAt: `2026-11-26T10:${String(i).padStart(2, '0')}:00.000Z` });
    }
    const router = { rollback: async () => ({ '3': 100 }) } as unknown as TrafficRouter;

    // Act
    const result = await manualRollback(target, { by: 'alice', reason: 'flood' }, { ledger: ledger(), router: () => router });

    // Assess
    expect(result.release.releaseId).toBe('r');
    expect((await ledger().listReleases(key, 100)).length).toBe(61);
  });

  it('on a target that needs a person (its release could not restore blue), records the release RolledBack and frees the lock', async () => {
    // Prepare
    const { target, key } = await runningRelease();
    await ledger().markNeedsAttention(key, arn('r'), { since: STARTED, reason: 'rolling back to blue 3 failed (TargetBusy: Updating)' });
    const router = { rollback: async () => ({ '3': 100 }) } as unknown as TrafficRouter;

    // Act
    const result = await manualRollback(target, { by: 'alice', reason: 'checked the endpoint' }, { ledger: ledger(), router: () => router });

    // Assess
    expect(result.freed).toBe(true);
    expect(await ledger().getLock(key)).toBeUndefined();
    expect(await ledger().getRelease(key, STARTED, 'r')).toMatchObject({
      status: 'RolledBack',
      greenPercent: 0,
      outcome: { status: 'RolledBack', error: 'ManualRollback', cause: 'checked the endpoint (by alice), after the release could not restore blue itself (rolling back to blue 3 failed (TargetBusy: Updating)). 100 % of traffic is on 3.' },
    });
  });

  it('on a target that needs a person, retires green as Decommission would have (it kept green while green still had traffic)', async () => {
    // Prepare: the release recorded green as PrepareGreen made it
    const { target, key } = await runningRelease();
    const green = { blue: '3', green: '4', createdGreen: true, artifactVar: 'MODEL_URI', artifactUri: 's3://m/v4.json' };
    await ledger().record({ targetKey: key, startedAt: STARTED, releaseId: 'r' }, { id: 'prepared', at: STARTED, state: 'PrepareGreen' }, { green });
    await ledger().markNeedsAttention(key, arn('r'), { since: STARTED, reason: 'rolling back failed' });
    const retired: unknown[] = [];
    const router = {
      rollback: async () => ({ '3': 100 }),
      decommission: async (...args: unknown[]) => {
        retired.push(args);
        return { removed: ['fn:4'], kept: [] };
      },
    } as unknown as TrafficRouter;
    const failing = { ...router, decommission: async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })) } as unknown as TrafficRouter;

    // Act
    await manualRollback(target, { by: 'alice', reason: 'checked' }, { ledger: ledger(), router: () => router });
    const other = await runningRelease();
    await ledger().record({ targetKey: other.key, startedAt: STARTED, releaseId: 'r' }, { id: 'prepared', at: STARTED, state: 'PrepareGreen' }, { green });
    await ledger().markNeedsAttention(other.key, arn('r'), { since: STARTED, reason: 'rolling back failed' });
    const stillFreed = await manualRollback(other.target, { by: 'alice', reason: 'checked' }, { ledger: ledger(), router: () => failing });

    // Assess: retired after traffic moved, recorded; a retirement that fails still frees the target and says what is left
    expect(retired).toEqual([[green, 'green', { deleteVersion: false }]]);
    expect(await ledger().getRelease(key, STARTED, 'r')).toMatchObject({ status: 'RolledBack', cleanup: { removed: ['fn:4'], kept: [] } });
    expect(stillFreed.freed).toBe(true);
    expect((await ledger().getRelease(other.key, STARTED, 'r'))?.outcome?.warning).toBe('green 4 was not retired (AccessDeniedException: denied): retire it by hand');
  });

  it('refuses when no release holds the target, without recording anything', async () => {
    // Prepare
    const target = { kind: 'lambda-alias', functionName: `idle-${++n}`, alias: 'live' } as unknown as Target;
    const router = { rollback: jest.fn() } as unknown as TrafficRouter;

    // Act
    const failure = await manualRollback(target, { by: 'alice', reason: 'x' }, { ledger: ledger(), router: () => router }).catch((e: Error) => e);

    // Assess
    expect(failure).toBeInstanceOf(NothingToRollBack);
    expect((router.rollback as jest.Mock).mock.calls).toHaveLength(0);
  });
});
