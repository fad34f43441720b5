import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { partitionKey, releaseSortKey, type LockItem } from '../../core/ledger';
import { useLedger } from '../support/dynalite';

/**
 * The ledger against a real (in-memory) DynamoDB: conditional writes decide
 * who holds a target, so they are exercised for real, races included.
 */
const table = useLedger('ledger-unit');
const ledger = () => table.ledger();

let n = 0;
/** A target of its own for each test. */
const freshTarget = () => `lambda-alias:fn-${++n}:live`;
const arn = (id: string) => `arn:aws:states:eu-west-1:123456789012:execution:cutover-release:${id}`;
const lockOf = (targetKey: string, id: string, acquiredAt = '2026-11-26T10:00:00.000Z') => ({
  targetKey,
  ownerExecutionArn: arn(id),
  releaseId: id,
  releaseSk: releaseSortKey('2026-11-26T09:00:00.000Z', id),
  acquiredAt,
});
const running = (...arns: string[]) => async (a: string) => arns.includes(a);

describe('Ledger lock', () => {
  it('acquires a free lock and stores who holds it', async () => {
    // Prepare
    const target = freshTarget();

    // Act
    const out = await ledger().acquireLock(lockOf(target, 'a'), running());

    // Assess
    const expected: LockItem = { pk: partitionKey(target), sk: 'LOCK', ownerExecutionArn: arn('a'), releaseId: 'a', releaseSk: releaseSortKey('2026-11-26T09:00:00.000Z', 'a'), acquiredAt: '2026-11-26T10:00:00.000Z' };
    expect(out).toEqual({ acquired: true, lock: expected });
    expect(await ledger().getLock(target)).toEqual(expected);
  });

  it('lets the same owner acquire again (a retried AcquireLock) without asking whether anyone runs', async () => {
    // Prepare
    const target = freshTarget();
    await ledger().acquireLock(lockOf(target, 'a'), running());
    const isRunning = jest.fn(running());

    // Act
    const again = await ledger().acquireLock(lockOf(target, 'a', '2026-11-26T10:00:05.000Z'), isRunning);

    // Assess
    expect(again.acquired).toBe(true);
    expect(again).not.toHaveProperty('tookOverFrom');
    expect(isRunning).not.toHaveBeenCalled();
    expect((await ledger().getLock(target))?.ownerExecutionArn).toBe(arn('a'));
  });

  it('is busy while the owner still runs: returns the foreign lock untouched', async () => {
    // Prepare
    const target = freshTarget();
    await ledger().acquireLock(lockOf(target, 'a'), running());
    const isRunning = jest.fn(running(arn('a')));

    // Act
    const out = await ledger().acquireLock(lockOf(target, 'b'), isRunning);

    // Assess
    expect(out.acquired).toBe(false);
    expect(out.lock.ownerExecutionArn).toBe(arn('a'));
    expect(isRunning).toHaveBeenCalledWith(arn('a'), expect.objectContaining({ ownerExecutionArn: arn('a'), releaseId: 'a' }));
    expect((await ledger().getLock(target))?.releaseId).toBe('a');
  });

  it('takes over the lock of an owner that no longer runs, and says from whom', async () => {
    // Prepare
    const target = freshTarget();
    await ledger().acquireLock(lockOf(target, 'dead'), running());

    // Act
    const out = await ledger().acquireLock(lockOf(target, 'b'), running());

    // Assess
    expect(out).toMatchObject({ acquired: true, tookOverFrom: arn('dead') });
    expect((await ledger().getLock(target))?.ownerExecutionArn).toBe(arn('b'));
  });

  it('two takeovers of the same dead owner race: exactly one wins, the other sees the winner', async () => {
    // Prepare: both callers find the dead owner and both decide it no longer runs before either writes.
    const target = freshTarget();
    await ledger().acquireLock(lockOf(target, 'dead'), running());
    let arrived = 0;
    let release!: () => void;
    const bothChecked = new Promise<void>((r) => (release = r));
    const isRunning = async (a: string) => {
      if (a !== arn('dead')) return true; // the winner is alive
      if (++arrived === 2) release();
      await bothChecked;
      return false;
    };

    // Act
    const [b, c] = await Promise.all([ledger().acquireLock(lockOf(target, 'b'), isRunning), ledger().acquireLock(lockOf(target, 'c'), isRunning)]);

    // Assess
    expect(arrived).toBe(2);
    expect([b.acquired, c.acquired].filter(Boolean)).toHaveLength(1);
    const winner = b.acquired ? 'b' : 'c';
    const loser = b.acquired ? c : b;
    expect(loser).toEqual({ acquired: false, lock: expect.objectContaining({ ownerExecutionArn: arn(winner) }) });
    expect((await ledger().getLock(target))?.ownerExecutionArn).toBe(arn(winner));
  });

  it('concurrent first acquisitions of a free target: exactly one wins', async () => {
    // Prepare
    const target = freshTarget();

    // Act
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((id) => ledger().acquireLock(lockOf(target, id), async () => true)));

    // Assess
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    const owner = (await ledger().getLock(target))!.ownerExecutionArn;
    expect(results.every((r) => r.lock.ownerExecutionArn === owner)).toBe(true);
  });

  it('releases only for the owner', async () => {
    // Prepare
    const target = freshTarget();
    await ledger().acquireLock(lockOf(target, 'a'), running());

    // Act
    const byOther = await ledger().releaseLock(target, arn('b'));
    const stillHeld = await ledger().getLock(target);
    const byOwner = await ledger().releaseLock(target, arn('a'));
    const again = await ledger().releaseLock(target, arn('a'));

    // Assess
    expect(byOther).toBe(false);
    expect(stillHeld?.ownerExecutionArn).toBe(arn('a'));
    expect(byOwner).toBe(true);
    expect(again).toBe(false);
    expect(await ledger().getLock(target)).toBeUndefined();
  });
});

describe('Ledger releases', () => {
  const keyOf = (targetKey: string, id: string, startedAt = '2026-11-26T09:00:00.000Z') => ({ targetKey, startedAt, releaseId: id });
  const release = (targetKey: string, id: string, startedAt = '2026-11-26T09:00:00.000Z') => ({
    releaseId: id,
    executionArn: arn(id),
    targetKey,
    target: { kind: 'lambda-alias' },
    startedAt,
  });

  it('creates a release once: a second create leaves the first as it is', async () => {
    // Prepare
    const target = freshTarget();
    await ledger().createRelease({ ...release(target, 'r'), description: 'first' });
    await ledger().record(keyOf(target, 'r'), { id: 'lock', at: 't1', state: 'AcquireLock' }, { greenPercent: 10 });

    // Act
    await ledger().createRelease({ ...release(target, 'r'), description: 'second' });

    // Assess
    const item = await ledger().getRelease(target, '2026-11-26T09:00:00.000Z', 'r');
    expect(item).toMatchObject({ description: 'first', status: 'Running', greenPercent: 10, changes: { lock: { at: 't1', state: 'AcquireLock' } } });
  });

  it('records a change under its id: a retry overwrites it, never duplicates it', async () => {
    // Prepare
    const target = freshTarget();
    await ledger().createRelease(release(target, 'r'));

    // Act
    await ledger().record(keyOf(target, 'r'), { id: 'switch-0', at: 't1', state: 'ShiftTraffic', detail: 'first try' });
    await ledger().record(keyOf(target, 'r'), { id: 'switch-0', at: 't2', state: 'ShiftTraffic', detail: 'retry' });
    await ledger().record(keyOf(target, 'r'), { id: 'switch-1', at: 't3', state: 'ShiftTraffic' });

    // Assess
    const item = await ledger().getRelease(target, '2026-11-26T09:00:00.000Z', 'r');
    expect(item?.changes).toEqual({
      'switch-0': { at: 't2', state: 'ShiftTraffic', detail: 'retry' },
      'switch-1': { at: 't3', state: 'ShiftTraffic' },
    });
  });

  it('records on a release that has no item yet (a rejected release still gets one), setting fields and skipping undefined ones', async () => {
    // Prepare
    const target = freshTarget();

    // Act
    await ledger().record(keyOf(target, 'rejected'), { id: 'ended', at: 't', state: 'RecordOutcome', detail: undefined }, { status: 'Rejected', greenPercent: undefined, phase: 'bake' });

    // Assess
    const item = await ledger().getRelease(target, '2026-11-26T09:00:00.000Z', 'rejected');
    expect(item).toEqual({
      pk: partitionKey(target),
      sk: releaseSortKey('2026-11-26T09:00:00.000Z', 'rejected'),
      status: 'Rejected',
      phase: 'bake',
      changes: { ended: { at: 't', state: 'RecordOutcome' } },
    });
  });

  it('accepts change ids and field names that are DynamoDB reserved words or hold dots', async () => {
    // Prepare
    const target = freshTarget();

    // Act
    await ledger().record(keyOf(target, 'r'), { id: 'check-bake-0.5-Wait', at: 't', state: 'CheckAlarms' }, { status: 'Running' });

    // Assess
    const item = await ledger().getRelease(target, '2026-11-26T09:00:00.000Z', 'r');
    expect(Object.keys(item!.changes)).toEqual(['check-bake-0.5-Wait']);
    expect(item?.status).toBe('Running');
  });

  it('lists the releases of a target newest first, without the lock, up to the limit', async () => {
    // Prepare
    const target = freshTarget();
    const other = freshTarget();
    await ledger().acquireLock(lockOf(target, 'r2'), running());
    await ledger().createRelease(release(target, 'r2', '2026-11-02T00:00:00.000Z'));
    await ledger().createRelease(release(target, 'r3', '2026-11-03T00:00:00.000Z'));
    await ledger().createRelease(release(target, 'r1', '2026-11-01T00:00:00.000Z'));
    await ledger().createRelease(release(other, 'x', '2026-12-01T00:00:00.000Z'));

    // Act
    const all = await ledger().listReleases(target);
    const two = await ledger().listReleases(target, 2);

    // Assess
    expect(all.map((r) => r.releaseId)).toEqual(['r3', 'r2', 'r1']);
    expect(two.map((r) => r.releaseId)).toEqual(['r3', 'r2']);
  });

  it('keeps the first manual rollback request; later ones change nothing', async () => {
    // Prepare
    const target = freshTarget();
    await ledger().createRelease(release(target, 'r'));

    // Act
    await ledger().requestManualRollback(keyOf(target, 'r'), { at: 't1', by: 'alice', reason: 'answers sound off' });
    await ledger().requestManualRollback(keyOf(target, 'r'), { at: 't2', by: 'bob', reason: 'me too' });

    // Assess
    expect((await ledger().getRelease(target, '2026-11-26T09:00:00.000Z', 'r'))?.manualRollback).toEqual({ at: 't1', by: 'alice', reason: 'answers sound off' });
  });

  it('refuses a manual rollback request for a release that does not exist (no stray item)', async () => {
    // Prepare
    const target = freshTarget();

    // Act
    const act = ledger().requestManualRollback(keyOf(target, 'nope'), { at: 't', by: 'alice', reason: 'r' });

    // Assess
    await expect(act).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await ledger().listReleases(target)).toEqual([]);
  });
});
