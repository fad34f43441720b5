import { releaseKey, type Clock } from '../kit/deps';
import { TargetNotReady } from '../../core/errors';
import type { Ledger } from '../../core/ledger';
import type { Green, StateWithGreen } from '../../core/release-state';
import type { GreenPreparer } from '../../core/traffic-router';

export interface CheckGreenReadyDeps {
  ledger: Ledger;
  router: Pick<GreenPreparer, 'waitState'>;
  now: Clock;
}

/**
 * One poll of the readiness loop (IsGreenReady → WaitForGreen →
 * CheckGreenReady): green with `ready` true once deployed, false while the
 * deployment goes on; `TargetNotReady` when it failed or when the checks
 * PrepareGreen allowed (target.readyTimeoutSeconds / readyPollSeconds) are
 * used up. Counted in the document, so the loop is bounded whatever the clock says.
 */
export async function checkGreenReady(state: StateWithGreen, deps: CheckGreenReadyDeps): Promise<Green> {
  const green = state.green;
  const checks = (green.readyChecks ?? 0) + 1;
  const max = green.readyMaxChecks ?? 1;
  const readiness = deps.router.waitState ? await deps.router.waitState(green) : { state: 'ready' as const };
  if (readiness.state === 'failed') {
    throw new TargetNotReady(`green ${green.green} could not be deployed: ${readiness.reason ?? 'no reason given'}`);
  }
  if (readiness.state === 'ready') {
    await deps.ledger.record(releaseKey(state.release), {
      id: 'green-ready',
      at: deps.now().toISOString(),
      state: 'CheckGreenReady',
      detail: `green ${green.green} ready after ${checks} check${checks === 1 ? '' : 's'}`,
    });
    return { ...green, ready: true, readyChecks: checks };
  }
  if (checks >= max) {
    const waited = (green.waitSeconds ?? 0) * checks;
    throw new TargetNotReady(
      `green ${green.green} is still not ready after ${checks} checks (about ${waited} s; target.readyTimeoutSeconds): ${readiness.reason ?? 'still updating'}`,
    );
  }
  return { ...green, ready: false, readyChecks: checks };
}
