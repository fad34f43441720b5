import fc from 'fast-check';
import { compileOutputSchema } from '../../../core/quality/json-schema';
import { outputsAgree, scoreQuality, type CaseResult, type ScoredCase } from '../../../core/quality/score';
import { check, output, scenario } from './arbitraries';

const cases: ScoredCase[] = [
  { id: 'billing-001', expect: [{ path: 'label', equals: 'billing' }] },
  { id: 'billing-002', expect: [{ path: 'label', equals: 'billing' }] },
  { id: 'tech-001', expect: [{ path: 'label', equals: 'technical' }] },
  { id: 'account-001', expect: [{ path: 'label', equals: 'account' }] },
];
const ok = (label: string, latencyMs = 100, note = 'n'): CaseResult => ({ output: { label, note }, latencyMs });
const schema = compileOutputSchema({ type: 'object', required: ['label', 'note'], properties: { label: { type: 'string' } } });

describe('scoreQuality', () => {
  it('scores both sides, compares them and lists the worst cases, regressions first', () => {
    // Prepare
    const green = {
      'billing-001': ok('billing', 120),
      'billing-002': ok('account', 300),
      'tech-001': { error: 'Task timed out after 3.00 seconds', latencyMs: 3000 },
      'account-001': ok('technical', 90, 'different note'),
    };
    const blue = {
      'billing-001': ok('billing', 100),
      'billing-002': ok('billing', 110),
      'tech-001': ok('technical', 95),
      'account-001': ok('technical', 80),
    };

    // Act
    const report = scoreQuality({ cases, green, blue, validateOutput: schema });

    // Assess
    expect(report.cases).toBe(4);
    expect(report.green).toEqual({ ran: 4, passed: 1, passRate: 0.25, schemaValidRate: 0.75, errorCount: 1, p95LatencyMs: 3000 });
    expect(report.blue).toEqual({ ran: 4, passed: 3, passRate: 0.75, schemaValidRate: 1, errorCount: 0, p95LatencyMs: 110 });
    expect(report.passRateDelta).toBeCloseTo(-0.5);
    // billing-001 equal; account-001 equal at `label` although the notes differ
    expect(report.agreementRate).toBe(0.5);
    expect(report.worst).toEqual([
      { id: 'billing-002', reason: 'label: expected "billing", got "account"', green: '{"label":"account","note":"n"}', blue: '{"label":"billing","note":"n"}', regression: true },
      { id: 'tech-001', reason: 'error: Task timed out after 3.00 seconds', green: 'error: Task timed out after 3.00 seconds', blue: '{"label":"technical","note":"n"}', regression: true },
      { id: 'account-001', reason: 'label: expected "account", got "technical"', green: '{"label":"technical","note":"different note"}', blue: '{"label":"technical","note":"n"}', regression: false },
    ]);
    expect(report.schemaInvalid).toEqual([{ id: 'tech-001', errors: 'error: Task timed out after 3.00 seconds' }]);
  });

  it('leaves blue out, and the comparisons null, without blue results', () => {
    // Prepare
    const green = Object.fromEntries(cases.map((c) => [c.id, ok('billing')]));

    // Act
    const withoutBlue = scoreQuality({ cases, green });
    const emptyBlue = scoreQuality({ cases, green, blue: {} });

    // Assess
    for (const report of [withoutBlue, emptyBlue]) {
      expect(report.blue).toBeUndefined();
      expect(report.passRateDelta).toBeNull();
      expect(report.agreementRate).toBeNull();
      expect(report.green.schemaValidRate).toBeNull();
      expect(report.worst.every((w) => w.blue === undefined && !w.regression)).toBe(true);
    }
  });

  it('counts a missing result as not run, not as a failure', () => {
    // Prepare
    const green = new Map([['billing-001', ok('billing')]]);

    // Act
    const report = scoreQuality({ cases, green });

    // Assess
    expect(report.green).toMatchObject({ ran: 1, passed: 1, passRate: 1 });
    expect(report.worst).toEqual([]);
  });

  it('does not find results through inherited keys', () => {
    // Act
    const report = scoreQuality({ cases: [{ id: 'constructor', expect: [] }], green: {} });

    // Assess
    expect(report.green.ran).toBe(0);
    expect(report.green.p95LatencyMs).toBeNull();
  });

  it('keeps at most 5 worst cases with outputs of at most 200 characters', () => {
    // Prepare
    const many = Array.from({ length: 9 }, (_, i) => ({ id: `c${i}`, expect: [{ path: 'label', equals: 'billing' }] }));
    const green = Object.fromEntries(many.map((c) => [c.id, ok('technical', 10, 'x'.repeat(500))]));

    // Act
    const report = scoreQuality({ cases: many, green });

    // Assess
    expect(report.worst.map((w) => w.id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(Math.max(...report.worst.map((w) => w.green.length))).toBe(200);
  });

  it('agreement is symmetric (property)', () => {
    fc.assert(
      fc.property(scenario, ({ cases: cs, a, b }) => {
        // Act
        const ab = scoreQuality({ cases: cs, green: a, blue: b });
        const ba = scoreQuality({ cases: cs, green: b, blue: a });

        // Assess
        return ab.agreementRate === ba.agreementRate && ab.passRateDelta === -ba.passRateDelta!;
      }),
    );
  });

  it('outputsAgree is symmetric and reflexive (property)', () => {
    fc.assert(
      fc.property(output, output, fc.array(check, { maxLength: 3 }), (x, y, expect) => {
        return outputsAgree(x, y, expect) === outputsAgree(y, x, expect) && outputsAgree(x, structuredClone(x), expect);
      }),
    );
  });

  it('a copy of blue agrees with blue wherever neither errored (property)', () => {
    fc.assert(
      fc.property(scenario, ({ cases: cs, b }) => {
        // Act
        const report = scoreQuality({ cases: cs, green: structuredClone(b), blue: b });

        // Assess
        const errored = Object.values(b).filter((r) => r.error !== undefined).length;
        return report.passRateDelta === 0 && report.agreementRate === (cs.length - errored) / cs.length;
      }),
    );
  });
});
