import { rehearse, type RehearsalResult } from '../../rehearsal/run';
import { fastScenarios } from './fast-scenarios';

/**
 * The rehearsal scenarios released through a SageMaker endpoint on the
 * sandbox: the example service runs as the endpoint's models (model data from
 * S3), traffic goes through InvokeEndpoint, green is a second production
 * variant, the switch is weights, blue keeps one standby instance in
 * retention. The same four outcomes as the Lambda alias.
 */
let run: RehearsalResult;
const byName = (name: string) => run.results.find((r) => r.scenario.name === name)!;

beforeAll(async () => {
  run = await rehearse({ timeScale: 60, ratePerSecond: 40, target: 'sagemaker-endpoint', scenarios: fastScenarios() });
}, 180_000);

describe('SageMaker endpoint on the sandbox', () => {
  it('v2 is released through its canary step onto a new variant and succeeds; the variant names its model', () => {
    // Assess
    const v2 = byName('v2');
    expect([v2.outcome, v2.error]).toEqual(['Succeeded', undefined]);
    expect(v2.green).toMatch(/^cutover-rehearsal-v2-/);
    expect(v2.blue).toBe('ai-service-v1');
    expect(v2.quality!.greenPassRate).toBeGreaterThan(v2.quality!.bluePassRate!);
    expect(v2.switches).toHaveLength(2); // 50 %, 100 %
  });

  it('v3 is stopped by the quality gate (green and blue called through TargetVariant) before any weight moves', () => {
    // Assess
    const v3 = byName('v3');
    expect([v3.outcome, v3.error]).toEqual(['Failed', 'QualityGateFailed']);
    expect(v3.switches).toEqual([]);
    expect(run.report.series.every((b) => !(b.perVersion[v3.green!] > 0))).toBe(true);
  });

  it('v4 is rolled back by its per-variant error-rate alarm (Invocation5XXErrors / Invocations)', () => {
    // Assess
    const v4 = byName('v4');
    expect([v4.outcome, v4.error]).toEqual(['RolledBack', 'AlarmRollback']);
    expect(v4.cause).toContain('-error-rate is ALARM');
    expect(v4.cause).toMatch(/100 % of traffic is on variant cutover-rehearsal-v2-/);
    expect(v4.alarmToBlueSeconds).not.toBeNull();
  });

  it('a manual rollback in retention restores blue from standby and ends the release as RolledBack', () => {
    // Assess
    const manual = byName('v2-retrained');
    expect([manual.outcome, manual.error]).toEqual(['RolledBack', 'ManualRollback']);
    expect(manual.manualRollbackSeconds).not.toBeNull();
  });

  it('no request fails because of a switch; traffic flowed through the endpoint', () => {
    // Assess
    // The failures themselves, so a red run says which requests failed and how.
    expect(run.results.map((r) => r.failuresDuringSwitch)).toEqual([[], [], [], []]);
    expect(run.results.map((r) => r.failedDuringSwitch)).toEqual([0, 0, 0, 0]);
    expect(run.traffic.sent).toBeGreaterThan(200);
    expect(run.report.title).toBe('Cutover rehearsal — endpoint ai-endpoint');
  });
});
