import { causeMessage } from '../../core/cause';
import { releaseKey, type Clock } from '../kit/deps';
import type { Fence } from '../kit/fence';
import type { ReleaseEvents } from '../../core/events';
import type { Ledger } from '../../core/ledger';
import type { Rollback, StateWithGreen } from '../../core/release-state';
import type { TrafficSwitch } from '../../core/traffic-router';

export interface RollBackDeps {
  ledger: Ledger;
  router: Pick<TrafficSwitch, 'rollback'>;
  now: Clock;
  /** Release events (`rolled-back`); optional, never fails the Task. */
  events?: ReleaseEvents;
  /** Checked before traffic moves (the handler's: this execution still holds the lock). */
  fence?: Fence;
}

/** Why traffic goes back: a person, an alarm, or an error after traffic moved. */
export function triggerOf(state: StateWithGreen): Pick<Rollback, 'trigger' | 'reason'> {
  const p = state.progress;
  if (p?.next === 'ManualRollback') return { trigger: 'manual', reason: p.reason ?? 'manual rollback' };
  if (state.error) return { trigger: 'error', reason: `${state.error.Error}: ${causeMessage(state.error.Cause)}` };
  return { trigger: 'alarm', reason: p?.reason ?? 'alarm' };
}

/** 100 % on blue, routing config cleared. Idempotent: a retry finds blue live and changes nothing. */
export async function rollBack(state: StateWithGreen, deps: RollBackDeps): Promise<Rollback> {
  await deps.fence?.(state.release);
  const split = await deps.router.rollback(state.green);
  const at = deps.now().toISOString();
  const { trigger, reason } = triggerOf(state);
  const rollback: Rollback = { trigger, reason, restored: state.green.blue, at };
  await deps.ledger.record(
    releaseKey(state.release),
    { id: 'rolled-back', at, state: 'RollBackToBlue', detail: `${trigger}: ${reason}`, split },
    { greenPercent: 0, rollback },
  );
  await deps.events?.publish(state.release, {
    state: 'rolled-back',
    at,
    blue: state.green.blue,
    green: state.green.green,
    greenPercent: 0,
    reason: `${trigger}: ${reason}`,
  });
  return rollback;
}
