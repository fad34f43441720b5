import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { messageOf } from '../../core/errors';
import type { ReleaseEvents } from '../../core/events';
import type { Ledger, ReleaseItem } from '../../core/ledger';
import type { Target } from '../../core/release-input';
import { RECONCILED_EXECUTION_STATUSES, type CaughtError, type ReleaseState, type Rollback, type StateWithGreen } from '../../core/release-state';
import type { ReleaseAlarmSource, SideRetirer, TrafficSwitch } from '../../core/traffic-router';
import { decommission, succeeded } from '../decommission/decommission';
import { releaseKey, type Clock } from '../kit/deps';
import { ownerFence } from '../kit/fence';
import type { Outcome } from '../record-outcome/outcome';
import { recordOutcome } from '../record-outcome/record-outcome';
import { releaseLock } from '../release-lock/release-lock';
import { rollBack } from '../roll-back/roll-back';
import { lastState } from './last-state';
import { whileBusy } from '../../core/while-busy';

type ReconciledStatus = (typeof RECONCILED_EXECUTION_STATUSES)[number];

/** The error the record names for each end, and what happened (the execution's own error and cause follow). */
const ENDS: Record<ReconciledStatus, { error: string; what: string }> = {
  ABORTED: { error: 'ExecutionAborted', what: 'was stopped (StopExecution)' },
  TIMED_OUT: { error: 'ExecutionTimedOut', what: "ran past the state machine's TimeoutSeconds" },
  FAILED: { error: 'ExecutionFailed', what: 'failed outside any Catch' },
};

/** The part of a "Step Functions Execution Status Change" event's detail the reconciler reads. */
export interface ExecutionStatusChange {
  executionArn: string;
  status: string;
  error?: string | null;
  cause?: string | null;
}

export type ReconcileRouter = Pick<TrafficSwitch, 'rollback'> & SideRetirer & ReleaseAlarmSource;

export interface ReconcileDeps {
  sfn: SFNClient;
  ledger: Ledger;
  routerFor: (target: Target) => ReconcileRouter;
  cloudwatch: CloudWatchClient;
  alarmPrefix: string;
  now: Clock;
  events?: ReleaseEvents;
  /** Waits on the clock the handler runs on (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts at restoring blue before the target is left to a person (default 5, 2 s doubling: about a minute). */
  rollbackAttempts?: number;
  /** How long retiring a side may wait for its target to settle (default DECOMMISSION_BUDGET_MS). */
  decommissionBudgetMs?: number;
}

/** Within the reconciler's 15 minutes: its history read, the wait for a Task in flight (up to SmokeTest's 330 s) and the rollback come first. */
export const DECOMMISSION_BUDGET_MS = 8 * 60_000;

export type Reconciled =
  | { action: 'ignored' | 'nothing-to-do' | 'already-recorded'; detail: string }
  | { action: 'recorded' | 'restored'; detail: string; outcome: Outcome };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function caught(err: unknown): CaughtError {
  return { Error: (err as Error)?.name || 'Error', Cause: messageOf(err) };
}

function endedWhy(change: ExecutionStatusChange, stateName: string | undefined): CaughtError {
  const end = ENDS[change.status as ReconciledStatus];
  const own = [change.error, change.cause].filter(Boolean).join(': ');
  return { Error: end.error, Cause: `the execution ${end.what} in ${stateName ?? 'an unknown state'}${own ? ` (${own})` : ''}` };
}

/** Waits until `until` on the handler's clock, one second at a time (in the sandbox that clock runs faster than the timer). */
async function waitUntil(until: Date, now: Clock, sleep: (ms: number) => Promise<void>): Promise<void> {
  while (now().getTime() < until.getTime()) await sleep(Math.min(1_000, until.getTime() - now().getTime()));
}

/**
 * The end to bring the release to. One already decided is kept: an error caught, a rollback done or asked for
 * by the monitor (progress.next Rollback / ManualRollback), a success. In retention, with the monitor only
 * waiting, green has taken 100 % and passed the bake: it stays, blue is retired (the ledger may know the phase
 * first: CheckAlarms records it before the next state's input has it). Otherwise the stop is the error.
 */
function endState(state: ReleaseState, item: ReleaseItem | undefined, why: CaughtError): ReleaseState {
  const p = state.progress;
  if (state.error || state.rollback || state.rollbackError || succeeded(state) || p?.next === 'Rollback' || p?.next === 'ManualRollback') return state;
  const retained = p && (p.phase === 'retention' || item?.phase === 'retention') && p.next === 'Wait' && !item?.manualRollback && item?.lastVerdict !== 'Breached';
  return retained ? { ...state, progress: { ...p, phase: 'retention', next: 'Decommission' } } : { ...state, error: why };
}

/**
 * Brings a release whose execution ended without its own clean-up (stopped, timed out, failed outside a
 * Catch) to a known-good end, as the machine's Catch path would have: 100 % of traffic on blue (on green
 * if the release had finished moving traffic and was in retention), the release's alarms and leftovers
 * removed, the lock released, the outcome recorded. Only while this execution still holds the target's
 * lock does it touch the target: a lock released or taken over means another writer may own the target.
 * Safe to run twice: every step is idempotent, and an outcome already recorded ends it at once.
 */
export async function reconcile(change: ExecutionStatusChange, deps: ReconcileDeps): Promise<Reconciled> {
  if (!(RECONCILED_EXECUTION_STATUSES as readonly string[]).includes(change.status)) return { action: 'ignored', detail: `status ${change.status} needs no reconciling` };
  const sleep = deps.sleep ?? realSleep;
  const stopped = await lastState(deps.sfn, change.executionArn);
  if (!stopped.state) return { action: 'nothing-to-do', detail: 'the execution ended before ValidateInput produced a release: nothing was locked or changed' };
  // A Task function invoked before the end keeps running: act after its last possible write.
  if (stopped.inFlightUntil) await waitUntil(stopped.inFlightUntil, deps.now, sleep);

  const { release } = stopped.state;
  const item = await deps.ledger.getRelease(release.targetKey, release.startedAt, release.id);
  if (item && item.status !== 'Running') return { action: 'already-recorded', detail: `the release is already recorded as ${item.status}` };
  // Redriven since this end (RedriveExecution reruns it with the same ARN): it is a running release again, and ends itself.
  const now = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: change.executionArn }));
  if (now.status === 'RUNNING' || now.status === 'PENDING_REDRIVE') return { action: 'ignored', detail: `the execution was redriven (redriveCount ${now.redriveCount ?? '?'}) and runs again: it ends its own release` };

  const why = endedWhy(change, stopped.stateName);
  let state = endState(stopped.state, item, why);
  const at = deps.now().toISOString();
  // From this mark on no Task of the execution passes the fence: a redrive from here on cannot move traffic behind this run.
  const marked = await deps.ledger.markReconciling(release.targetKey, release.executionArn, at);
  const lock = await deps.ledger.getLock(release.targetKey);
  if (!marked && lock?.ownerExecutionArn === release.executionArn && lock.needsAttention) {
    // An earlier run could not restore blue and left the target to a person, then failed to record it.
    const failed = { ...state, rollbackError: { Error: 'RollbackFailed', Cause: lock.needsAttention.reason } };
    return { action: 'recorded', detail: 'the target waits for a person', outcome: await recordOutcome(failed, { ...deps, writer: 'reconciler' }) };
  }
  if (!marked || lock?.ownerExecutionArn !== release.executionArn) {
    // An earlier run of this reconciler did the work and freed the lock, then failed to record: record what it did.
    if (item?.changes?.reconciled) return { action: 'recorded', detail: 'outcome of an earlier reconciliation recorded', outcome: await recordOutcome(item.rollback ? { ...state, rollback: item.rollback as Rollback } : state, { ...deps, writer: 'reconciler' }) };
    const holder = lock ? `execution ${lock.ownerExecutionArn} holds its lock now` : 'this execution no longer held its lock';
    await deps.ledger.record(releaseKey(release), { id: 'not-reconciled', at, state: 'Reconcile', detail: `${why.Error}: ${why.Cause}; the target was not touched: ${holder}` });
    if (state.error === why) {
      const outcome: Outcome = { status: 'Failed', error: why.Error, cause: `${why.Cause}. The target was not touched: ${holder}.` };
      const written = await deps.ledger.record(releaseKey(release), { id: 'ended', at, state: 'Reconcile', detail: `Failed: ${outcome.cause}` }, { status: 'Failed', outcome, endedAt: at }, { endedBy: 'reconciler' });
      if (!written) return { action: 'already-recorded', detail: 'another writer recorded the end first' };
      return { action: 'recorded', detail: outcome.cause!, outcome };
    }
    return { action: 'recorded', detail: `outcome of the decided end recorded; ${holder}`, outcome: await recordOutcome(state, { ...deps, writer: 'reconciler' }) };
  }

  // Recorded before anything is changed: a retry after this run freed the lock knows the work was this execution's.
  await deps.ledger.record(releaseKey(release), { id: 'reconciled', at, state: 'Reconcile', detail: `${why.Error}: ${why.Cause}` });
  const router = deps.routerFor(release.spec.target);
  // Traffic may have moved once ShiftTraffic ran (or was running); before that blue alone serves, and the end says so.
  const mayHaveMoved = Boolean(state.progress) || stopped.stateName === 'ShiftTraffic' || (item?.greenPercent ?? 0) > 0;
  if (state.green && mayHaveMoved && !succeeded(state) && !state.rollback && !state.rollbackError) {
    const attempts = deps.rollbackAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        // Fenced like RollBackToBlue: a release that took the target over meanwhile keeps its traffic.
        state = { ...state, rollback: await rollBack(state as StateWithGreen, { ledger: deps.ledger, router, now: deps.now, fence: ownerFence(deps.ledger, { whenUnreadable: 'proceed', asReconciler: true }), ...(deps.events ? { events: deps.events } : {}) }) };
        break;
      } catch (err) {
        if (attempt >= attempts || (err as Error).name === 'LockLost') {
          state = { ...state, rollbackError: caught(err) };
          break;
        }
        await sleep(2_000 * 2 ** (attempt - 1));
      }
    }
  }
  if (!state.rollbackError) {
    try {
      // Retiring a SageMaker side replaces the endpoint's fleet: TargetBusy until it is InService, as Decommission's Retry would wait.
      const retire = state;
      await whileBusy(() => decommission(retire, { ledger: deps.ledger, router, cloudwatch: deps.cloudwatch, alarmPrefix: deps.alarmPrefix, now: deps.now, ...(deps.events ? { events: deps.events } : {}) }), {
        now: () => deps.now().getTime(),
        sleep: (ms) => waitUntil(new Date(deps.now().getTime() + ms), deps.now, sleep),
        budgetMs: deps.decommissionBudgetMs ?? DECOMMISSION_BUDGET_MS,
        intervalMs: 30_000,
      });
    } catch (err) {
      state = { ...state, decommissionError: caught(err) };
    }
  }
  // After a rollback that could not restore blue this keeps the lock, marked as needing a person (release-lock.ts).
  try {
    await releaseLock(state, { ...deps, asReconciler: true });
  } catch (err) {
    state = { ...state, unlockError: caught(err) } as ReleaseState;
  }
  const outcome = await recordOutcome(state, { ...deps, writer: 'reconciler' });
  return { action: 'restored', detail: `${why.Error}: ${outcome.status}${outcome.cause ? ` — ${outcome.cause}` : ''}`, outcome };
}
