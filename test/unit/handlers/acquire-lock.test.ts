import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { acquireLock, isExecutionRunning } from '../../../functions/acquire-lock/acquire-lock';
import { handler } from '../../../functions/acquire-lock/handler';
import { ReleaseInProgress } from '../../../core/errors';
import { releaseSortKey } from '../../../core/ledger';
import { awsError } from '../../support/fake-lambda';
import { clock, executionArn, itemOf, lambdaContext, NOW, rejectionOf, releaseContext, TARGET, useLedger } from './support';

const db = useLedger();
const sfnMock = mockClient(SFNClient);
const sfn = new SFNClient({});
const deps = () => ({ ledger: db.ledger, sfn, now: clock });

let n = 0;
/** A fresh release id per test, so that tests do not share a lock or an item. */
const freshRelease = (overrides = {}) => releaseContext(overrides, `acq-${++n}`);

/** Another execution's lock on the target (as its AcquireLock would have left it). */
async function lockedBy(id: string) {
  await db.ledger.acquireLock(
    { targetKey: TARGET, ownerExecutionArn: executionArn(id), releaseId: id, releaseSk: releaseSortKey('2026-11-25T00:00:00.000Z', id), acquiredAt: '2026-11-25T00:00:00.000Z' },
    async () => true,
  );
}

beforeEach(async () => {
  sfnMock.reset();
  sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
  // Each test starts with the target free.
  const lock = await db.ledger.getLock(TARGET);
  if (lock) await db.ledger.releaseLock(TARGET, lock.ownerExecutionArn);
});
afterAll(() => sfn.destroy());

describe('acquireLock', () => {
  it('takes a free lock, creates the release item as Running and records the change', async () => {
    // Prepare
    const release = freshRelease();

    // Act
    const out = await acquireLock({ release }, deps());

    // Assess
    expect(out).toEqual({ acquiredAt: NOW.toISOString(), tookOverFrom: null });
    expect(await db.ledger.getLock(TARGET)).toMatchObject({
      ownerExecutionArn: release.executionArn,
      releaseId: release.id,
      releaseSk: releaseSortKey(release.startedAt, release.id),
    });
    const item = await itemOf(db.ledger, release);
    expect(item).toMatchObject({ status: 'Running', executionArn: release.executionArn, artifactUri: 's3://models/ai-handler/v2.json', startedBy: 'console' });
    expect(item?.changes).toEqual({ lock: { at: NOW.toISOString(), state: 'AcquireLock' } });
    expect(sfnMock.calls()).toHaveLength(0); // the lock was free: nobody to ask about
  });

  it('throws ReleaseInProgress naming the owner while the owner still runs, and changes nothing', async () => {
    // Prepare
    await lockedBy('other');
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const release = freshRelease();

    // Act
    const err = await rejectionOf(acquireLock({ release }, deps()));

    // Assess
    expect(err).toBeInstanceOf(ReleaseInProgress);
    expect(err.ownerExecutionArn).toBe(executionArn('other'));
    expect(err.message).toContain(`being released by execution ${executionArn('other')} (since 2026-11-25T00:00:00.000Z)`);
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(executionArn('other'));
    expect(await itemOf(db.ledger, release)).toBeUndefined();
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0].args[0].input).toEqual({ executionArn: executionArn('other') });
  });

  it.each(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'] as const)('takes over the lock of an owner that ended (%s) and says so', async (status) => {
    // Prepare
    await lockedBy('dead');
    sfnMock.on(DescribeExecutionCommand).resolves({ status });
    const release = freshRelease();

    // Act
    const out = await acquireLock({ release }, deps());

    // Assess
    expect(out.tookOverFrom).toBe(executionArn('dead'));
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(release.executionArn);
    expect((await itemOf(db.ledger, release))?.changes.lock.detail).toBe(`took over from ${executionArn('dead')}, which is no longer running`);
  });

  it.each([
    ['a minute ago: its reconciler may still be ending it', 60_000, false],
    ['31 minutes ago: past RECONCILE_GRACE_MS', 31 * 60_000, true],
  ] as const)('an owner stopped %s, with its release still Running: taken over only after the grace', async (_when, agoMs, takenOver) => {
    // Prepare
    const id = `stopped-${agoMs}`;
    await lockedBy(id);
    await db.ledger.createRelease({ releaseId: id, executionArn: executionArn(id), targetKey: TARGET, target: {}, startedAt: '2026-11-25T00:00:00.000Z' });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'ABORTED', stopDate: new Date(NOW.getTime() - agoMs) });
    const release = freshRelease();

    // Act
    const outcome = await acquireLock({ release }, deps()).then(
      () => 'acquired',
      (err: Error) => err.name,
    );

    // Assess
    expect(outcome).toBe(takenOver ? 'acquired' : 'ReleaseInProgress');
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(takenOver ? release.executionArn : executionArn(id));
  });

  it('does not take over the lock of an ended owner that could not restore blue: it needs a person, and the rejection says what to run', async () => {
    // Prepare
    await lockedBy('stuck');
    await db.ledger.markNeedsAttention(TARGET, executionArn('stuck'), { since: '2026-11-25T01:00:00.000Z', reason: 'rolling back to blue 3 failed (AccessDeniedException: denied)' });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    const release = freshRelease();

    // Act
    const err = await rejectionOf(acquireLock({ release }, deps()));

    // Assess
    expect(err).toBeInstanceOf(ReleaseInProgress);
    expect(err.message).toBe(
      `${TARGET} needs a person: release stuck could not restore blue (rolling back to blue 3 failed (AccessDeniedException: denied), since 2026-11-25T01:00:00.000Z), so its traffic split is unknown; check the target, then run cutover rollback ${TARGET}, which puts 100 % on blue and frees it`,
    );
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(executionArn('stuck'));
  });

  it('is idempotent: a retried AcquireLock keeps the lock and the item, and records the change once', async () => {
    // Prepare
    const release = freshRelease();
    await acquireLock({ release }, deps());
    const before = await itemOf(db.ledger, release);

    // Act
    const again = await acquireLock({ release }, deps());

    // Assess
    expect(again.tookOverFrom).toBeNull();
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(release.executionArn);
    const after = await itemOf(db.ledger, release);
    expect(after).toEqual(before);
    expect(Object.keys(after!.changes)).toEqual(['lock']);
    expect((await db.ledger.listReleases(TARGET, 100)).filter((r) => r.releaseId === release.id)).toHaveLength(1);
  });
});

describe('isExecutionRunning', () => {
  it.each([
    ['RUNNING', true],
    ['PENDING_REDRIVE', true],
    ['SUCCEEDED', false],
    ['FAILED', false],
    ['ABORTED', false],
  ] as const)('reads %s as running=%s', async (status, running) => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({ status });

    // Act / Assess
    expect(await isExecutionRunning(sfn, executionArn('x'))).toBe(running);
  });

  it('treats an execution that does not exist as not running', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist', 'no such execution'));

    // Act / Assess
    expect(await isExecutionRunning(sfn, executionArn('gone'))).toBe(false);
  });

  it('rethrows anything else (the lock is not taken on a guess)', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(awsError('AccessDeniedException', 'no states:DescribeExecution', 403));

    // Act
    const err = await rejectionOf(isExecutionRunning(sfn, executionArn('x')));

    // Assess
    expect(err.name).toBe('AccessDeniedException');
  });
});

describe('AcquireLock handler (middy)', () => {
  it('parses the state document and takes the lock', async () => {
    // Prepare
    const release = freshRelease();

    // Act
    const out = await handler({ release }, lambdaContext('acquire-lock'));

    // Assess
    expect(out).toMatchObject({ tookOverFrom: null });
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(release.executionArn);
  });

  it('surfaces ReleaseInProgress by name', async () => {
    // Prepare
    await lockedBy('other');
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const err = await rejectionOf(handler({ release: freshRelease() }, lambdaContext('acquire-lock')));

    // Assess
    expect(err.name).toBe('ReleaseInProgress');
    expect(err.message).toContain(executionArn('other'));
  });

  it('turns Step Functions throttling into TransientAwsError and leaves the owner its lock', async () => {
    // Prepare
    await lockedBy('other');
    sfnMock.on(DescribeExecutionCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 400));

    // Act
    const err = await rejectionOf(handler({ release: freshRelease() }, lambdaContext('acquire-lock')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(executionArn('other'));
  });

  it('rejects a state without release as InvalidReleaseInput naming the field', async () => {
    // Act
    const err = await rejectionOf(handler({ green: {} }, lambdaContext('acquire-lock')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toMatch(/^invalid AcquireLock input: release: /);
  });
});
