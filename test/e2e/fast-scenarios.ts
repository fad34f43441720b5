import { SCENARIOS, type Scenario } from '../../rehearsal/scenarios';

/**
 * The rehearsal's four scenarios with shorter durations (simulated seconds),
 * for end-to-end tests at a higher time scale: one 120 s canary step, a 120 s
 * bake polled every 10 s and a 120 s retention polled every 20 s (with 60 s
 * alarm periods, the shortest windows the release alarms can judge). The manual-rollback
 * scenario keeps a long retention: it ends as soon as the rollback is seen.
 */
export function fastScenarios(): Scenario[] {
  return SCENARIOS.map((s) => ({
    ...s,
    input: {
      ...s.input,
      ...(s.input.strategy?.type === 'canary' ? { strategy: { type: 'canary' as const, steps: [50], stepSeconds: 120 } } : {}),
      bake: { seconds: 120, pollSeconds: 30, onInconclusive: 'rollback' as const },
      retention: s.manualRollbackInRetention ? { seconds: 600, pollSeconds: 20 } : { seconds: 120, pollSeconds: 20 },
    },
  }));
}
