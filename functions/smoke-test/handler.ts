import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { taskHandler } from '../kit/handler-kit';
import { stateWithGreenSchema } from '../../core/release-state';
import { routerFor } from '../../targets';
import { smokeTest } from './smoke-test';

/** Stop starting golden-set calls this long before the Lambda timeout, to score and record what ran. */
const MARGIN_MS = 15_000;

export const handler = taskHandler('SmokeTestGreen', stateWithGreenSchema, (state, context) =>
  smokeTest(state, {
    ledger: ledgerFromEnv(),
    router: routerFor(state.release.spec.target, clients),
    s3: clients.s3(),
    now: systemClock,
    deadline: context?.getRemainingTimeInMillis
      ? { atMs: performance.now() + context.getRemainingTimeInMillis() - MARGIN_MS, now: () => performance.now() }
      : undefined,
  }),
);
