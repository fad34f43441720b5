import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../functions/release-lock/handler';
import { releaseLock } from '../../../functions/release-lock/release-lock';
import { releaseSortKey } from '../../../core/ledger';
import { awsError } from '../../support/fake-lambda';
import { lambdaContext, rejectionOf, releaseContext, TARGET, useLedger } from './support';

const db = useLedger();

let n = 0;
const freshRelease = () => releaseContext({}, `unlock-${++n}`);

async function lockFor(release: { id: string; executionArn: string; startedAt: string }) {
  const out = await db.ledger.acquireLock(
    { targetKey: TARGET, ownerExecutionArn: release.executionArn, releaseId: release.id, releaseSk: releaseSortKey(release.startedAt, release.id), acquiredAt: release.startedAt },
    async () => false,
  );
  expect(out.acquired).toBe(true);
}

beforeEach(async () => {
  const lock = await db.ledger.getLock(TARGET);
  if (lock) await db.ledger.releaseLock(TARGET, lock.ownerExecutionArn);
});

describe('releaseLock', () => {
  it('deletes the lock this execution holds', async () => {
    // Prepare
    const release = freshRelease();
    await lockFor(release);

    // Act
    const out = await releaseLock({ release }, { ledger: db.ledger });

    // Assess
    expect(out).toEqual({ released: true });
    expect(await db.ledger.getLock(TARGET)).toBeUndefined();
  });

  it('keeps the lock after a rollback that failed, marked as needing a person with why', async () => {
    // Prepare
    const release = freshRelease();
    await lockFor(release);
    const state = { release, green: { blue: '3', green: '4', createdGreen: true }, rollbackError: { Error: 'TrafficShiftFailed', Cause: 'UpdateAlias kept failing' } };

    // Act
    const out = await releaseLock(state, { ledger: db.ledger, now: () => new Date('2026-11-25T02:00:00.000Z') });

    // Assess
    expect(out).toEqual({ released: false, needsAttention: true });
    expect((await db.ledger.getLock(TARGET))?.needsAttention).toEqual({ since: '2026-11-25T02:00:00.000Z', reason: 'rolling back to blue 3 failed (TrafficShiftFailed: UpdateAlias kept failing)' });
  });

  it("leaves another execution's lock alone (a release rejected as ReleaseInProgress)", async () => {
    // Prepare
    const owner = freshRelease();
    await lockFor(owner);

    // Act
    const out = await releaseLock({ release: freshRelease() }, { ledger: db.ledger });

    // Assess
    expect(out).toEqual({ released: false });
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(owner.executionArn);
  });

  it('is idempotent: a retry after the lock was released changes nothing and does not fail', async () => {
    // Prepare
    const release = freshRelease();
    await lockFor(release);
    await releaseLock({ release }, { ledger: db.ledger });
    const next = freshRelease();
    await lockFor(next); // the next release took the target in between

    // Act
    const again = await releaseLock({ release }, { ledger: db.ledger });

    // Assess
    expect(again).toEqual({ released: false });
    expect((await db.ledger.getLock(TARGET))?.ownerExecutionArn).toBe(next.executionArn);
  });
});

describe('ReleaseLock handler (middy)', () => {
  it('releases the lock of the execution in the state', async () => {
    // Prepare
    const release = freshRelease();
    await lockFor(release);

    // Act
    const out = await handler({ release }, lambdaContext('release-lock'));

    // Assess
    expect(out).toEqual({ released: true });
    expect(await db.ledger.getLock(TARGET)).toBeUndefined();
  });

  it('turns DynamoDB throttling into TransientAwsError', async () => {
    // Prepare
    const doc = mockClient(DynamoDBDocumentClient);
    doc.on(DeleteCommand).rejects(awsError('ProvisionedThroughputExceededException', 'slow down', 400));
    try {
      // Act
      const err = await rejectionOf(handler({ release: freshRelease() }, lambdaContext('release-lock')));

      // Assess
      expect(err.name).toBe('TransientAwsError');
      expect(err.message).toBe('ReleaseLock: ProvisionedThroughputExceededException: slow down');
    } finally {
      doc.restore();
    }
  });

  it('rejects a state whose release has no executionArn, naming the field', async () => {
    // Prepare
    const { executionArn: _omit, ...release } = freshRelease();

    // Act
    const err = await rejectionOf(handler({ release }, lambdaContext('release-lock')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toMatch(/^invalid ReleaseLock input: release\.executionArn: /);
  });

  it('needs LEDGER_TABLE_NAME (set by the construct)', async () => {
    // Prepare
    const saved = process.env.LEDGER_TABLE_NAME;
    delete process.env.LEDGER_TABLE_NAME;
    try {
      // Act
      const err = await rejectionOf(handler({ release: freshRelease() }, lambdaContext('release-lock')));

      // Assess
      expect(err.message).toContain('environment variable LEDGER_TABLE_NAME is not set');
    } finally {
      process.env.LEDGER_TABLE_NAME = saved;
    }
  });
});

