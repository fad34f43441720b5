import type { Ledger } from '../../../core/ledger';
import { ownerFence } from '../../../functions/kit/fence';
import { releaseContext } from './support';

/** The fence before traffic moves, against ledgers scripted to answer one way. */
const release = releaseContext({}, 'fence-1');
const ledgerAnswering = (getLock: () => Promise<unknown>) => ({ getLock }) as unknown as Ledger;
const denied = Object.assign(new Error('not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException' });
const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

describe('ownerFence', () => {
  it('passes when the lock names this execution, and throws LockLost naming the holder otherwise', async () => {
    // Act
    const ours = ownerFence(ledgerAnswering(async () => ({ ownerExecutionArn: release.executionArn })))(release);
    const theirs = ownerFence(ledgerAnswering(async () => ({ ownerExecutionArn: 'arn:other' })))(release).catch((e: Error) => e);

    // Assess
    await expect(ours).resolves.toBeUndefined();
    expect(await theirs).toMatchObject({ name: 'LockLost', message: expect.stringContaining('execution arn:other holds its lock') });
  });

  it('lets a rollback through when the lock may not be read (AccessDenied), but not a throttled read, and never a shift', async () => {
    // Act
    const rollback = ownerFence(ledgerAnswering(async () => Promise.reject(denied)), { whenUnreadable: 'proceed' })(release);
    const throttledRollback = ownerFence(ledgerAnswering(async () => Promise.reject(throttled)), { whenUnreadable: 'proceed' })(release).catch((e: Error) => e);
    const shift = ownerFence(ledgerAnswering(async () => Promise.reject(denied)))(release).catch((e: Error) => e);

    // Assess
    await expect(rollback).resolves.toBeUndefined();
    expect(await throttledRollback).toBe(throttled);
    expect(await shift).toBe(denied);
  });

  it('counts a lock of its own execution as lost once it waits for a person, or once the reconciler is ending the release (but for the reconciler)', async () => {
    // Prepare
    const waiting = ledgerAnswering(async () => ({ ownerExecutionArn: release.executionArn, needsAttention: { since: 't0', reason: 'rolling back failed' } }));
    const reconciling = ledgerAnswering(async () => ({ ownerExecutionArn: release.executionArn, reconciling: { since: 't1' } }));

    // Act
    const redrivenAfterFailure = await ownerFence(waiting, { whenUnreadable: 'proceed' })(release).catch((e: Error) => e);
    const redrivenWhileReconciled = await ownerFence(reconciling)(release).catch((e: Error) => e);
    const reconciler = ownerFence(reconciling, { asReconciler: true })(release);

    // Assess
    expect(redrivenAfterFailure).toMatchObject({ name: 'LockLost', message: expect.stringContaining('its lock waits for a person since t0 (rolling back failed)') });
    expect(redrivenWhileReconciled).toMatchObject({ name: 'LockLost', message: expect.stringContaining('the reconciler has been ending this release since t1') });
    await expect(reconciler).resolves.toBeUndefined();
  });
});
