import { releaseKey, type Clock } from '../kit/deps';
import type { ReleaseEvents, ReleaseEventState } from '../../core/events';
import type { EndWriter, Ledger } from '../../core/ledger';
import type { ReleaseState, ReleaseStatus } from '../../core/release-state';
import { outcomeOf, type Outcome } from './outcome';

/** The release event RecordOutcome emits for each outcome. */
const FINAL_STATE: Record<Exclude<ReleaseStatus, 'Running'>, ReleaseEventState> = {
  Succeeded: 'succeeded',
  Failed: 'failed',
  Rejected: 'rejected',
  RolledBack: 'rolled-back',
};

const splitUnknown = (outcome: Outcome) => outcome.error === 'RollbackFailed' || outcome.error === 'LockLost';

/**
 * Write the outcome on the release item; the item is created if the release was rejected before having one.
 * An end another writer recorded first is kept (a redriven execution after the reconciler ended it, a
 * RollbackFailed after a person's `cutover rollback`): the execution ends with its own outcome, which then
 * says so in its warning, and publishes no final event (the first writer did).
 */
export async function recordOutcome(state: ReleaseState, deps: { ledger: Ledger; now: Clock; events?: ReleaseEvents; writer?: EndWriter }): Promise<Outcome> {
  const outcome = outcomeOf(state);
  const { release } = state;
  const at = deps.now().toISOString();
  const written = await deps.ledger.record(
    releaseKey(release),
    { id: 'ended', at, state: 'RecordOutcome', detail: `${outcome.status}${outcome.cause ? `: ${outcome.cause}` : ''}` },
    {
      status: outcome.status,
      outcome,
      endedAt: at,
      releaseId: release.id,
      executionArn: release.executionArn,
      targetKey: release.targetKey,
      target: release.spec.target,
      startedAt: release.startedAt,
      startedBy: release.spec.startedBy,
      artifactUri: release.spec.artifact?.uri,
      // After a failed rollback nobody knows the split (a fenced-off execution does not either): leave the last recorded one.
      greenPercent: outcome.status === 'Succeeded' ? 100 : splitUnknown(outcome) || !state.green ? undefined : 0,
    },
    { endedBy: deps.writer ?? 'execution' },
  );
  if (!written) {
    // The execution still ends with its own outcome (what this run did), and says what the ledger keeps.
    const item = await deps.ledger.getRelease(release.targetKey, release.startedAt, release.id);
    const kept = item?.outcome ? `${item.outcome.status}${item.outcome.error ? ` (${item.outcome.error})` : ''}` : 'another end';
    return { ...outcome, warning: [outcome.warning, `not recorded: the ledger keeps the end the ${item?.endedBy ?? 'other writer'} recorded first, ${kept}`].filter(Boolean).join('; ') };
  }
  const greenPercent = outcome.status === 'Succeeded' ? 100 : splitUnknown(outcome) || !state.green ? null : 0;
  if (outcome.status !== 'Running') {
    await deps.events?.publish(release, {
      state: FINAL_STATE[outcome.status],
      key: 'outcome',
      final: true,
      at,
      blue: state.green?.blue ?? null,
      green: state.green?.green ?? null,
      greenPercent,
      reason: [outcome.error, outcome.cause ?? outcome.warning].filter(Boolean).join(': ') || null,
    });
  }
  return outcome;
}
