import type { ReleaseInput } from '../../core/release-input';

/** A release of ai-handler's production alias with short, poll-counted durations. */
export function releaseInput(overrides: Partial<ReleaseInput> = {}): ReleaseInput {
  return {
    target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' },
    artifact: { uri: 's3://models/ai-handler/v2.json', envVar: 'MODEL_URI' },
    description: 'v2',
    smokeTest: { cases: [{ name: 'greeting', input: { text: 'hello' }, expect: [{ path: 'ok', equals: true }] }] },
    bake: { seconds: 120, pollSeconds: 30, onInconclusive: 'rollback' },
    retention: { seconds: 600, pollSeconds: 300 },
    alarms: {
      names: ['ai-handler-errors'],
      releaseAlarms: true,
      errorRateThreshold: 0.05,
      periodSeconds: 60,
      latencyP95Ms: 10_000,
      blockOnPreexistingAlarms: false,
    },
    ...overrides,
  };
}
