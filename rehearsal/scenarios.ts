import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ReleaseInput } from '../core/release-input';
import { ALIAS, FUNCTION, GOLDEN_SET_URI, modelUri } from '../examples/ai-service/sandbox-service';

export interface Scenario {
  name: string;
  artifact: string;
  /** What a person should see happen. */
  expect: 'Succeeded' | 'Failed' | 'RolledBack';
  story: string;
  input: ReleaseInput;
  /** Roll back by hand once the release is in retention. */
  manualRollbackInRetention?: boolean;
}

/** The example service's output contract: every golden-set output must satisfy it. */
const OUTPUT_SCHEMA = JSON.parse(readFileSync(path.join(__dirname, '../examples/ai-service/output.schema.json'), 'utf8')) as Record<string, unknown>;

/**
 * Durations in simulated seconds (the sandbox runs them `timeScale` times
 * faster): a 120 s bake polled every 10 s, a 120 s retention polled every
 * 20 s, release alarms over 60 s windows (Lambda's metrics are 1-minute
 * metrics; a step or bake lasts at least the period + 60 s, or the alarms
 * cannot judge green).
 */
function release(artifact: string, extra: Partial<ReleaseInput> = {}): ReleaseInput {
  return {
    target: { kind: 'lambda-alias', functionName: FUNCTION, alias: ALIAS },
    artifact: { uri: modelUri(artifact), envVar: 'MODEL_URI' },
    description: `model ${artifact}`,
    smokeTest: {
      cases: [{ name: 'double charge is billing', input: { text: 'I was charged twice for my subscription this month' }, expect: [{ path: 'label', equals: 'billing' }] }],
      goldenSet: { uri: GOLDEN_SET_URI, outputSchema: OUTPUT_SCHEMA },
    },
    bake: { seconds: 120, pollSeconds: 10, onInconclusive: 'rollback' },
    retention: { seconds: 120, pollSeconds: 20 },
    alarms: { names: [], releaseAlarms: true, errorRateThreshold: 0.05, periodSeconds: 60, latencyP95Ms: 10_000, blockOnPreexistingAlarms: false },
    startedBy: 'npm start',
    ...extra,
  };
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'v2',
    artifact: 'v2',
    expect: 'Succeeded',
    story: 'a better model: canary 25 % → 50 % → 100 %, bake, retention, blue retired',
    input: release('v2', { strategy: { type: 'canary', steps: [25, 50], stepSeconds: 120 } }),
  },
  {
    name: 'v3',
    artifact: 'v3',
    expect: 'Failed',
    story: 'subtly worse (no errors, lower accuracy): stopped by the quality gate before any traffic moves',
    input: release('v3'),
  },
  {
    name: 'v4',
    artifact: 'v4',
    expect: 'RolledBack',
    story: 'passes the golden set, fails on live non-ASCII tickets: error-rate alarm during the bake, automatic rollback',
    input: release('v4'),
  },
  {
    name: 'v2-retrained',
    artifact: 'v2-retrained',
    expect: 'RolledBack',
    story: 'passes every gate; during retention a stakeholder reports a change of tone: manual rollback',
    input: release('v2-retrained'),
    manualRollbackInRetention: true,
  },
];
