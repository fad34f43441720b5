import { rehearse, type RehearsalResult } from '../../rehearsal/run';
import { fastScenarios } from './fast-scenarios';

/**
 * The rehearsal scenarios released through an API Gateway stage on the
 * sandbox: traffic goes through `POST /classify` of the stage, whose Lambda
 * integration calls `ai-handler:${stageVariables.lambda_version}`; green is a
 * published version with API Gateway's invoke permission, canary steps use
 * the stage's canary settings. The same four outcomes as the Lambda alias.
 */
let run: RehearsalResult;
const byName = (name: string) => run.results.find((r) => r.scenario.name === name)!;

beforeAll(async () => {
  run = await rehearse({ timeScale: 60, ratePerSecond: 40, target: 'apigateway-stage', scenarios: fastScenarios() });
}, 180_000);

describe('API Gateway stage on the sandbox', () => {
  it('v2 goes through the stage canary to the stage variable and succeeds: the new version answers through the stage', () => {
    // Assess
    const v2 = byName('v2');
    expect([v2.outcome, v2.error]).toEqual(['Succeeded', undefined]);
    expect(v2.switches).toHaveLength(2);
    // The stage only calls a version API Gateway may invoke: green answered, so the permission was added.
    expect(run.report.series.some((b) => (b.perVersion[v2.green!] ?? 0) > 0)).toBe(true);
  });

  it('v3 is stopped by the quality gate before the stage changes', () => {
    // Assess
    const v3 = byName('v3');
    expect([v3.outcome, v3.error]).toEqual(['Failed', 'QualityGateFailed']);
    expect(run.report.series.every((b) => !(b.perVersion[v3.green!] > 0))).toBe(true);
  });

  it('v4 is rolled back by its error-rate alarm on the version (Resource name:version)', () => {
    // Assess
    const v4 = byName('v4');
    expect([v4.outcome, v4.error]).toEqual(['RolledBack', 'AlarmRollback']);
    expect(v4.cause).toContain('-error-rate is ALARM');
    expect(v4.alarmToBlueSeconds).not.toBeNull();
  });

  it('a manual rollback in retention puts the variable back and ends the release as RolledBack', () => {
    // Assess
    const manual = byName('v2-retrained');
    expect([manual.outcome, manual.error]).toEqual(['RolledBack', 'ManualRollback']);
    expect(manual.manualRollbackSeconds).not.toBeNull();
  });

  it('no request fails because of a switch', () => {
    // Assess
    // The failures themselves, so a red run says which requests failed and how.
    expect(run.results.map((r) => r.failuresDuringSwitch)).toEqual([[], [], [], []]);
    expect(run.results.map((r) => r.failedDuringSwitch)).toEqual([0, 0, 0, 0]);
    expect(run.traffic.sent).toBeGreaterThan(200);
  });
});
