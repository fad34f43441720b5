import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeReport } from '../../rehearsal/report';
import { rehearse, type RehearsalResult } from '../../rehearsal/run';

/**
 * The `npm start` scenarios end to end on the sandbox: the real ASL and
 * handlers deployed in it, the example service serving traffic, each release
 * driven by the CLI's code. One rehearsal, several assertions.
 */
let run: RehearsalResult;
const byName = (name: string) => run.results.find((r) => r.scenario.name === name)!;

beforeAll(async () => {
  run = await rehearse({ timeScale: 40, ratePerSecond: 40 });
}, 180_000);

describe('rehearsal on the sandbox', () => {
  it('v2 (a better model) is released through its canary steps and succeeds', () => {
    // Assess
    const v2 = byName('v2');
    expect(v2.outcome).toBe('Succeeded');
    expect(v2.quality!.greenPassRate).toBeGreaterThan(v2.quality!.bluePassRate!);
    expect(v2.switches).toHaveLength(3); // 25 %, 50 %, 100 %
  });

  it('v3 (subtly worse, no errors) is stopped by the quality gate before any traffic moves', () => {
    // Assess
    const v3 = byName('v3');
    expect(v3.outcome).toBe('Failed');
    expect(v3.error).toBe('QualityGateFailed');
    expect(v3.cause).toMatch(/pass rate: green 0\.\d+ vs blue 0\.\d+ on 100 cases/);
    expect(v3.switches).toEqual([]);
    expect(run.report.series.every((b) => !(b.perVersion[v3.green!] > 0))).toBe(true);
  });

  it('v4 (fails on live inputs the golden set lacks) is rolled back by its error-rate alarm', () => {
    // Assess
    const v4 = byName('v4');
    expect(v4.outcome).toBe('RolledBack');
    expect(v4.error).toBe('AlarmRollback');
    expect(v4.cause).toContain('-error-rate is ALARM');
    expect(v4.alarmToBlueSeconds).not.toBeNull();
  });

  it('a manual rollback during retention puts blue back and ends the release as RolledBack', () => {
    // Assess
    const manual = byName('v2-retrained');
    expect(manual.outcome).toBe('RolledBack');
    expect(manual.error).toBe('ManualRollback');
    expect(manual.manualRollbackSeconds).not.toBeNull();
  });

  it('no request fails because of a switch; every failure is a bad green answering', () => {
    // Assess
    // The failures themselves, so a red run says which requests failed and how.
    expect(run.results.map((r) => r.failuresDuringSwitch)).toEqual([[], [], [], []]);
    expect(run.results.map((r) => r.failedDuringSwitch)).toEqual([0, 0, 0, 0]);
    expect(run.traffic.sent).toBeGreaterThan(200);
  });

  it('writes a self-contained HTML report with the timeline', async () => {
    // Act
    const file = await writeReport(run.report, path.join(mkdtempSync(path.join(tmpdir(), 'cutover-report-')), 'report.html'));
    // Assess
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<svg');
    for (const r of run.results) expect(html).toContain(r.scenario.name);
    expect(html).not.toMatch(/<script[^>]+src=|https?:\/\/(?!www\.w3\.org)/);
    // Each release ends in its outcome's own words (issue #17): a rollback that worked is not drawn as "failed".
    const ends = run.report.events.filter((e) => ['succeeded', 'ended-rolled-back', 'quality-gate', 'failed'].includes(e.kind));
    expect(ends.map((e) => [e.kind, e.label])).toEqual([
      ['succeeded', 'v2: succeeded'],
      ['quality-gate', 'v3: failed'],
      ['ended-rolled-back', 'v4: rolled back'],
      ['ended-rolled-back', 'v2-retrained: rolled back'],
    ]);
    expect(html).toContain('data-kind="ended-rolled-back"');
  });
});
