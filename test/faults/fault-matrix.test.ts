import { FaultHarness } from '../../bench/fault-matrix/harness';
import { allCases, fastCases, FAULT_KINDS, LIFECYCLE_POINTS, TARGET_KINDS, uncoveredCalls } from '../../bench/fault-matrix/matrix';

/**
 * The FAST subset of the fault matrix (`npm run faults` runs all of it and
 * writes bench/FAULTS.md): one sandbox per target kind, a few cases each
 * (over all of them: every fault kind and every point of the lifecycle),
 * each a real release of the example service with the fault armed at the
 * right Task; after each, the invariants (bench/fault-matrix/invariants.ts) must hold.
 */
describe('the fault matrix table', () => {
  it('covers every fault kind and every lifecycle point for every target kind, and the FAST subset samples each', () => {
    // Act
    const fast = fastCases();
    // Assess
    expect(Object.keys(TARGET_KINDS)).toEqual(['lambda-alias', 'sagemaker-endpoint', 'apigateway-stage']);
    for (const kind of Object.keys(TARGET_KINDS)) {
      expect(new Set(allCases([kind]).map((c) => c.row.point))).toEqual(new Set(LIFECYCLE_POINTS));
      expect(new Set(fastCases(kind).map((c) => c.kind))).toEqual(new Set(FAULT_KINDS));
    }
    expect(new Set(fast.map((c) => c.row.point))).toEqual(new Set(LIFECYCLE_POINTS));
  });
});

describe.each(Object.keys(TARGET_KINDS))('target kind %s on the sandbox', (kind) => {
  let h: FaultHarness;

  beforeAll(async () => {
    h = await FaultHarness.start({ kind: kind as never });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('the table lists every AWS operation each Task was seen calling in the scenarios without faults (every Task runs in one of them)', async () => {
    // Act
    h.observing = true;
    const baselines = [];
    for (const scenario of ['success', 'alarm-rollback', 'prepare-crash'] as const) baselines.push(await h.run(undefined, scenario));
    h.observing = false;
    // Assess
    expect(baselines.map((b) => b.violations)).toEqual([[], [], []]);
    expect(baselines.map((b) => b.outcome)).toEqual(['Succeeded', 'RolledBack', 'Failed']);
    expect(uncoveredCalls(h.observed, kind)).toEqual([]);
  }, 120_000);

  it.each(fastCases(kind).map((c) => [c.id, c] as const))('%s: the invariants hold', async (_id, c) => {
    // Act
    const r = await h.run(c);
    // Assess
    expect(r.hits).toBeGreaterThan(0); // the fault did hit the operation
    expect(r.violations).toEqual([]);
    expect(r.unexpectedOutcome).toBeUndefined();
  }, 60_000);
});
