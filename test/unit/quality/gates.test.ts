import fc from 'fast-check';
import { DEFAULT_MIN_PASS_RATE, evaluateGates } from '../../../core/quality/gates';
import { scoreQuality, type CaseResult, type QualityReport, type ScoredCase } from '../../../core/quality/score';
import { scenario } from './arbitraries';

/** 200 billing cases; `greenWrong` / `blueWrong` of them answered "account". */
function scenarioOf(greenWrong: number, blueWrong: number, latencyMs = 500): { cases: ScoredCase[]; green: Record<string, CaseResult>; blue: Record<string, CaseResult> } {
  const cases = Array.from({ length: 200 }, (_, i) => ({ id: `billing-${String(i + 1).padStart(3, '0')}`, expect: [{ path: 'label', equals: 'billing' }] }));
  const side = (wrong: number) =>
    Object.fromEntries(cases.map((c, i) => [c.id, { output: { label: i >= 200 - wrong ? 'account' : 'billing' }, latencyMs }]));
  return { cases, green: side(greenWrong), blue: side(blueWrong) };
}

describe('evaluateGates', () => {
  it('passes a green as good as blue, summarising the figures', () => {
    // Prepare
    const report = scoreQuality(scenarioOf(4, 4));

    // Act
    const verdict = evaluateGates(report);

    // Assess
    expect(verdict).toEqual({
      passed: true,
      failures: [],
      passRateBaseline: 'blue',
      summary: 'quality gates passed on 200 cases: schema not checked (no outputSchema), pass rate green 0.98 vs blue 0.98, p95 500 ms, agreement with blue 1',
    });
  });

  it('fails a pass-rate drop beyond the allowance, with the figures and the worst case', () => {
    // Prepare: green 162/200 = 0.81, blue 186/200 = 0.93
    const report = scoreQuality(scenarioOf(38, 14));

    // Act
    const verdict = evaluateGates(report, { maxPassRateDrop: 0.02 });

    // Assess
    expect(verdict.passed).toBe(false);
    expect(verdict.failures).toEqual([
      'pass rate: green 0.81 vs blue 0.93 on 200 cases (allowed drop 0.02); worst: billing-163 label: expected "billing", got "account"',
    ]);
    expect(verdict.summary).toBe(`quality gates failed on 200 cases: ${verdict.failures[0]}`);
  });

  it('allows exactly the allowed drop despite floating point (0.93 − 0.02 = 0.91)', () => {
    // Prepare: green 182/200 = 0.91, blue 186/200 = 0.93
    const report = scoreQuality(scenarioOf(18, 14));

    // Act / Assess
    expect(evaluateGates(report, { maxPassRateDrop: 0.02 }).passed).toBe(true);
    expect(evaluateGates(report, { maxPassRateDrop: 0.01 }).passed).toBe(false);
  });

  it('holds green to minPassRate without blue, and says so', () => {
    // Prepare: green 0.85, no blue
    const { cases, green } = scenarioOf(30, 0);
    const report = scoreQuality({ cases, green });

    // Act
    const byDefault = evaluateGates(report);
    const lenient = evaluateGates(report, { minPassRate: 0.8 });

    // Assess
    expect(byDefault.passRateBaseline).toBe('minPassRate');
    expect(byDefault.failures).toEqual([
      `pass rate: green 0.85 on 200 cases, below the minimum ${DEFAULT_MIN_PASS_RATE} (no blue baseline); worst: billing-171 label: expected "billing", got "account"`,
    ]);
    expect(lenient.passed).toBe(true);
    expect(lenient.summary).toContain('pass rate green 0.85 (no blue baseline, minimum 0.8)');
  });

  it('fails a p95 latency over the limit', () => {
    const verdict = evaluateGates(scoreQuality(scenarioOf(0, 0, 12_400)), { latencyP95Ms: 10_000 });
    expect(verdict.failures).toEqual(['latency: green p95 12400 ms on 200 cases (limit 10000 ms)']);
  });

  it('fails a schema-valid rate under the minimum, naming the first invalid case', () => {
    // Prepare
    const report: QualityReport = {
      ...scoreQuality(scenarioOf(0, 0)),
      green: { ran: 200, passed: 200, passRate: 1, schemaValidRate: 0.97, errorCount: 0, p95LatencyMs: 500 },
      schemaInvalid: [{ id: 'billing-017', errors: "output must have required property 'confidence'" }],
    };

    // Act
    const verdict = evaluateGates(report);

    // Assess
    expect(verdict.failures).toEqual([
      "schema: green 0.97 of 200 outputs valid (minimum 1); first: billing-017 output must have required property 'confidence'",
    ]);
  });

  it('fails a run cut short by the deadline, and reports every breached gate', () => {
    // Prepare
    const { cases, green, blue } = scenarioOf(100, 0, 20_000);
    for (const c of cases.slice(0, 20)) delete green[c.id];

    // Act
    const verdict = evaluateGates(scoreQuality({ cases, green, blue }));

    // Assess
    expect(verdict.failures.map((f) => f.split(':')[0])).toEqual(['coverage', 'pass rate', 'latency']);
    expect(verdict.failures[0]).toBe('coverage: green ran 180 of 200 cases before the deadline (20 not run); a partial run does not prove quality');
  });

  it('a copy of blue always passes the comparison gate (property)', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, noNaN: true }), ({ cases, b }, maxPassRateDrop) => {
        // Act
        const verdict = evaluateGates(scoreQuality({ cases, green: structuredClone(b), blue: b }), { maxPassRateDrop });

        // Assess
        return verdict.passRateBaseline === 'blue' && !verdict.failures.some((f) => f.startsWith('pass rate:'));
      }),
    );
  });
});
