import { causeMessage } from '../../core/cause';
import type { CaughtError, ReleaseState, ReleaseStatus } from '../../core/release-state';
import { sideText } from '../../core/release-input';
import { succeeded } from '../decommission/decommission';

export interface Outcome {
  status: ReleaseStatus;
  /** The Fail state's Error (unset on success). */
  error?: string;
  /** The Fail state's Cause: what happened and what is live now. */
  cause?: string;
  /** Something a person should look at whatever the status: a clean-up or an unlock that failed. */
  warning?: string;
}

/**
 * What happened, from what the states left behind. A clean-up or an unlock
 * that failed is reported on every path (in `warning`, and in the cause a
 * failed execution shows), not only after a success: otherwise what it left
 * behind would go unnoticed.
 */
export function outcomeOf(state: ReleaseState): Outcome {
  const outcome = mainOutcome(state);
  const warnings = outcome.warning ? [outcome.warning] : [];
  const d = state.decommissionError as CaughtError | undefined;
  if (d && outcome.status !== 'Succeeded') {
    const green = state.green ? `green ${state.green.green}${state.green.createdGreen ? ' (created by this release)' : ''}` : `what this release created before it failed (named after ${state.release.id})`;
    warnings.push(`decommission failed (${d.Error}: ${causeMessage(d.Cause)}): ${green} and the release alarms may remain`);
  }
  const u = (state as { unlockError?: CaughtError }).unlockError;
  if (u) warnings.push(`releasing the lock failed (${u.Error}: ${causeMessage(u.Cause)}): the next release of ${state.release.targetKey} takes it over, since this execution has ended`);
  if (!warnings.length) return outcome;
  const warning = warnings.join('; ');
  // A failed execution shows only Error and Cause in the console: the cause carries the warning too.
  return { ...outcome, warning, ...(outcome.cause ? { cause: `${outcome.cause} Also: ${warning}.` } : {}) };
}

function mainOutcome(state: ReleaseState): Outcome {
  const blue = state.green?.blue;
  // Fenced off: what is live now is the new owner's business, not this execution's.
  const lost = [state.error, state.rollbackError].find((e) => e?.Error === 'LockLost');
  if (lost) return { status: 'Failed', error: 'LockLost', cause: `${causeMessage(lost.Cause)}; it changed no traffic after that.` };
  const live = (v: string | undefined) => (v ? ` 100 % of traffic is on ${sideText(state.release.spec.target.kind, v)}.` : '');
  if (state.rollbackError) {
    return {
      status: 'Failed',
      error: 'RollbackFailed',
      cause: `rolling back to blue failed (${state.rollbackError.Error}: ${causeMessage(state.rollbackError.Cause)}) after: ${state.rollback?.reason ?? (state.error ? `${state.error.Error}: ${causeMessage(state.error.Cause)}` : state.progress?.reason ?? 'unknown')}. Check the router now: traffic may still be on green ${state.green?.green ?? ''}.`,
    };
  }
  if (state.rollback) {
    return {
      status: 'RolledBack',
      error: state.rollback.trigger === 'manual' ? 'ManualRollback' : state.rollback.trigger === 'alarm' ? 'AlarmRollback' : 'RolledBackOnError',
      cause: `${state.rollback.reason}.${live(state.rollback.restored)}`,
    };
  }
  if (state.error) {
    const status: ReleaseStatus = state.error.Error === 'ReleaseInProgress' ? 'Rejected' : 'Failed';
    const message = causeMessage(state.error.Cause).trim();
    const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
    return { status, error: state.error.Error, cause: `${sentence}${blue ? ` No traffic moved.${live(blue)}` : ''}` };
  }
  if (succeeded(state)) {
    // Green is live and proved healthy; a failed clean-up does not undo that, but a person must know.
    const d = state.decommissionError as CaughtError | undefined;
    return d
      ? { status: 'Succeeded', warning: `decommission failed (${d.Error}: ${causeMessage(d.Cause)}): blue ${blue ?? ''} and the release alarms may remain` }
      : { status: 'Succeeded' };
  }
  return { status: 'Failed', error: 'ReleaseIncomplete', cause: 'the release ended without reaching decommission and without a recorded error' };
}
