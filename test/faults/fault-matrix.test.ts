import { DisruptionHarness } from '../../bench/fault-matrix/disruption-harness';
import { DISRUPTIONS, disruptionCases, fastDisruptions } from '../../bench/fault-matrix/disruptions';
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

  it('has a disruption for a stop at every Task state of the machine and a timeout in every phase, on every kind', () => {
    // Prepare: the Task states of the release machine (the readiness check only runs for a target whose green takes time)
    const asl = require('../../statemachine/release.asl.json') as { States: Record<string, { Type: string }> };
    const tasks = Object.entries(asl.States).filter(([, s]) => s.Type === 'Task').map(([name]) => name);

    // Act
    const stopped = (kind: string) => new Set(disruptionCases([kind]).filter((c) => c.d.kind === 'stop').map((c) => c.d.at!.task));

    // Assess
    expect([...stopped('sagemaker-endpoint')].sort()).toEqual([...tasks].sort());
    expect([...stopped('lambda-alias')].sort()).toEqual(tasks.filter((t) => t !== 'CheckGreenReady').sort());
    const timeouts = DISRUPTIONS.filter((d) => d.kind === 'timeout').map((d) => `${d.at!.task}/${d.at!.phase ?? ''}/${d.scenario}`);
    expect(timeouts).toEqual(['SmokeTestGreen//success', 'CheckAlarms/bake/success', 'CheckAlarms/retention/success', 'RollBackToBlue//alarm-rollback']);
    for (const kind of Object.keys(TARGET_KINDS)) expect(fastDisruptions(kind).length).toBeGreaterThan(0);
  });
});

describe.each(Object.keys(TARGET_KINDS))('target kind %s on the sandbox', (kind) => {
  let h: DisruptionHarness;

  beforeAll(async () => {
    h = await DisruptionHarness.start({ kind: kind as never });
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

  it.each(fastDisruptions(kind).map((c) => [c.id, c] as const))('%s: ends at a known-good end, the invariants hold', async (_id, c) => {
    // Act
    const r = await h.runDisruption(c);
    // Assess
    expect(r.violations).toEqual([]);
    expect(r.unexpectedOutcome).toBeUndefined();
  }, 120_000);
});
