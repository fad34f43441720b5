import { SCENARIOS, type Scenario } from '../../rehearsal/scenarios';

/**
 * The rehearsal's four scenarios with shorter durations (simulated seconds),
 * for end-to-end tests at a higher time scale: a 40 s bake polled every 10 s,
 * a 120 s retention polled every 20 s (bake and retention span two 60 s alarm periods, so a bad green is judged on one complete period), one canary step. The manual-rollback
 * scenario keeps a long retention: it ends as soon as the rollback is seen.
 */
export function fastScenarios(): Scenario[] {
  return SCENARIOS.map((s) => ({
    ...s,
    input: {
      ...s.input,
      ...(s.input.strategy?.type === 'canary' ? { strategy: { type: 'canary' as const, steps: [50], stepSeconds: 20 } } : {}),
      bake: { seconds: 40, pollSeconds: 10, onInconclusive: 'rollback' as const },
      retention: s.manualRollbackInRetention ? { seconds: 600, pollSeconds: 20 } : { seconds: 120, pollSeconds: 20 },
    },
  }));
}
