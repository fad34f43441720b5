import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { Progress, ReleaseState } from '../../../core/release-state';
import { reconcile, type ReconcileRouter } from '../../../functions/reconcile-release/reconcile';
import { greenOf, holdLock, NOW, releaseContext, useLedger } from './support';

/**
 * The reconciler's decisions from where an execution stopped, against a real (in-memory) ledger, a scripted
 * history and a recording router: which end it brings the release to, and that it acts only as the owner.
 */
const db = useLedger();
const sfnMock = mockClient(SFNClient);
const sfn = new SFNClient({});
const cwMock = mockClient(CloudWatchClient);
const cloudwatch = new CloudWatchClient({});
afterAll(() => {
  sfn.destroy();
  cloudwatch.destroy();
});

const progress = (phase: Progress['phase'], next: Progress['next'], greenPercent = 100): Progress => ({
  steps: [100],
  stepIndex: 0,
  greenPercent,
  phase,
  phaseSeconds: 600,
  remainingSeconds: 300,
  pollSeconds: 30,
  waitSeconds: 30,
  next,
  polls: 3,
  ignoredAlarms: [],
});

function router() {
  const calls: string[] = [];
  const r: ReconcileRouter = {
    rollback: async () => {
      calls.push('rollback');
      return { '1': 100 };
    },
    decommission: async (_g, side) => {
      calls.push(`decommission ${side}`);
      return { removed: [], kept: [] };
    },
    discardOrphans: async () => ({ removed: [], kept: [] }),
    releaseAlarms: () => [],
  };
  return { r, calls };
}

let n = 0;
/** A release stopped as it entered `stateName` with `state`; its lock held and its item Running. */
async function stoppedIn(stateName: string, extra: Partial<ReleaseState>, events: HistoryEvent[] = []) {
  const release = releaseContext({}, `rec-${++n}`);
  const state: ReleaseState = { release, green: greenOf('1', '2'), ...extra };
  await holdLock(db.ledger, release);
  await db.ledger.createRelease({ releaseId: release.id, executionArn: release.executionArn, targetKey: release.targetKey, target: release.spec.target, startedAt: release.startedAt });
  const entered: HistoryEvent = { type: 'TaskStateEntered', id: 10, previousEventId: 9, timestamp: NOW, stateEnteredEventDetails: { name: stateName, input: JSON.stringify(state) } };
  sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [{ type: 'ExecutionAborted', id: 12, previousEventId: 11, timestamp: NOW }, ...events, entered] });
  return { release, state };
}

const deps = (r: ReconcileRouter) => ({ sfn, ledger: db.ledger, routerFor: () => r, cloudwatch, alarmPrefix: 'cutover-', now: () => NOW, sleep: async () => undefined });
const aborted = (release: { executionArn: string }) => ({ executionArn: release.executionArn, status: 'ABORTED', error: 'Operator', cause: 'console' });

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(DescribeExecutionCommand).resolves({ status: 'ABORTED', redriveCount: 0 });
  cwMock.reset();
  cwMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
});

describe('reconcile', () => {
  it('rolls back a release stopped as RollBackToBlue began in retention (an alarm breach), and records the alarm as the reason', async () => {
    // Prepare
    const { release } = await stoppedIn('RollBackToBlue', { progress: { ...progress('retention', 'Rollback'), reason: 'errors is ALARM' } });
    const { r, calls } = router();

    // Act
    const out = await reconcile(aborted(release), deps(r));

    // Assess
    expect(calls).toEqual(['rollback', 'decommission green']);
    expect(out).toMatchObject({ action: 'restored', outcome: { status: 'RolledBack', error: 'AlarmRollback' } });
  });

  it('keeps green in retention while the monitor only waits: Succeeded, blue retired', async () => {
    // Prepare
    const { release } = await stoppedIn('WaitBeforeCheck', { progress: progress('retention', 'Wait') });
    const { r, calls } = router();

    // Act
    const out = await reconcile(aborted(release), deps(r));

    // Assess
    expect(calls).toEqual(['decommission blue']);
    expect(out).toMatchObject({ outcome: { status: 'Succeeded' } });
  });

  it('moves no traffic for a release stopped before any switch: Failed, "No traffic moved", green retired', async () => {
    // Prepare
    const { release } = await stoppedIn('SmokeTestGreen', {});
    const { r, calls } = router();

    // Act
    const out = await reconcile(aborted(release), deps(r));

    // Assess
    expect(calls).toEqual(['decommission green']);
    expect(out).toMatchObject({ outcome: { status: 'Failed', error: 'ExecutionAborted' } });
    expect((out as { outcome: { cause: string } }).outcome.cause).toContain('No traffic moved. 100 % of traffic is on version 1.');
  });

  it('waits out a Task still running (its scheduling time plus TimeoutSeconds) before it acts', async () => {
    // Prepare: ShiftTraffic was scheduled 10 s before the clock's now, with a 60 s timeout, and never ended.
    let now = NOW.getTime();
    const scheduled: HistoryEvent = { type: 'LambdaFunctionScheduled', id: 11, previousEventId: 10, timestamp: new Date(now - 10_000), lambdaFunctionScheduledEventDetails: { resource: 'fn', timeoutInSeconds: 60 } };
    const { release } = await stoppedIn('ShiftTraffic', {}, [scheduled]);
    const { r, calls } = router();
    const slept: number[] = [];

    // Act
    await reconcile(aborted(release), { ...deps(r), now: () => new Date(now), sleep: async (ms) => void (slept.push(ms), (now += ms)) });

    // Assess: 50 s in one-second steps, then the rollback (ShiftTraffic may have moved traffic)
    expect(slept.reduce((a, b) => a + b, 0)).toBe(50_000);
    expect(calls[0]).toBe('rollback');
  });

  it('counts a function whose invocation failed with Lambda.ClientExecutionTimeoutException as still running', async () => {
    // Prepare: the client gave up on ShiftTraffic's invocation 10 s before the stop; the function itself runs on.
    let now = NOW.getTime();
    const scheduled: HistoryEvent = { type: 'LambdaFunctionScheduled', id: 10, previousEventId: 9, timestamp: new Date(now - 20_000), lambdaFunctionScheduledEventDetails: { resource: 'fn', timeoutInSeconds: 60 } };
    const failed: HistoryEvent = { type: 'LambdaFunctionFailed', id: 11, previousEventId: 10, timestamp: new Date(now - 10_000), lambdaFunctionFailedEventDetails: { error: 'Lambda.ClientExecutionTimeoutException', cause: 'timed out' } };
    const { release } = await stoppedIn('ShiftTraffic', {}, [failed, scheduled]);
    const { r } = router();
    const slept: number[] = [];

    // Act
    await reconcile(aborted(release), { ...deps(r), now: () => new Date(now), sleep: async (ms) => void (slept.push(ms), (now += ms)) });

    // Assess: until 60 s after it was scheduled
    expect(slept.reduce((a, b) => a + b, 0)).toBe(40_000);
  });

  it('leaves an execution redriven since its end alone: it is a running release again and ends itself', async () => {
    // Prepare
    const { release } = await stoppedIn('CheckAlarms', { progress: progress('bake', 'Wait', 50) });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', redriveCount: 1 });
    const { r, calls } = router();

    // Act
    const out = await reconcile(aborted(release), deps(r));

    // Assess
    expect(out).toMatchObject({ action: 'ignored', detail: expect.stringContaining('redriven (redriveCount 1)') });
    expect(calls).toEqual([]);
    expect((await db.ledger.getLock(release.targetKey))?.reconciling).toBeUndefined();
  });

  it('marks the lock before it acts, so that a redrive of the execution meanwhile passes no fence, and releases it as the reconciler', async () => {
    // Prepare
    const { release } = await stoppedIn('CheckAlarms', { progress: progress('bake', 'Wait', 50) });
    const fenceChecks: string[] = [];
    const { r, calls } = router();
    const watching: ReconcileRouter = {
      ...r,
      rollback: async (g) => {
        // A Task of the redriven execution checking its fence at this moment.
        const { ownerFence } = await import('../../../functions/kit/fence');
        fenceChecks.push(await ownerFence(db.ledger)(release).then(() => 'passed', (e: Error) => e.name));
        return r.rollback(g);
      },
    };

    // Act
    await reconcile(aborted(release), deps(watching));

    // Assess
    expect(fenceChecks).toEqual(['LockLost']);
    expect(calls[0]).toBe('rollback');
    expect(await db.ledger.getLock(release.targetKey)).toBeUndefined();
  });

  it('records what an earlier run did when a retry finds the lock already freed by it', async () => {
    // Prepare: a first run rolled back, decommissioned and freed the lock, then failed to record the outcome.
    const { release } = await stoppedIn('WaitBeforeCheck', { progress: progress('canary', 'Wait', 10) });
    await db.ledger.record({ targetKey: release.targetKey, startedAt: release.startedAt, releaseId: release.id }, { id: 'reconciled', at: NOW.toISOString(), state: 'Reconcile' }, { rollback: { trigger: 'error', reason: 'ExecutionAborted: stopped', restored: '1', at: NOW.toISOString() } });
    await db.ledger.releaseLock(release.targetKey, release.executionArn);
    const { r, calls } = router();

    // Act
    const out = await reconcile(aborted(release), deps(r));

    // Assess
    expect(calls).toEqual([]);
    expect(out).toMatchObject({ action: 'recorded', outcome: { status: 'RolledBack' } });
    expect((await db.ledger.getRelease(release.targetKey, release.startedAt, release.id))?.status).toBe('RolledBack');
  });
});
