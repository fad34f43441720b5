import fc from 'fast-check';
import { p95, percentile } from '../../../core/quality/percentile';

const latencies = fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 300 });

describe('percentile (nearest rank)', () => {
  it('returns undefined for no values', () => {
    expect(p95([])).toBeUndefined();
  });

  it('picks the ceil(p·n/100)-th smallest value', () => {
    // Prepare: 1..20 shuffled; rank ceil(0.95·20) = 19
    const values = [7, 3, 20, 1, 15, 9, 12, 2, 18, 5, 11, 4, 16, 6, 19, 8, 14, 10, 17, 13];

    // Act / Assess
    expect(p95(values)).toBe(19);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 100)).toBe(20);
    expect(p95([42])).toBe(42);
  });

  it('rejects a percentile outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('is one of the values, with at least 95 % of values at or below it (property)', () => {
    fc.assert(
      fc.property(latencies, (values) => {
        // Act
        const p = p95(values)!;

        // Assess
        const atOrBelow = values.filter((v) => v <= p).length;
        return values.includes(p) && atOrBelow * 100 >= 95 * values.length;
      }),
    );
  });

  it('is the smallest such value: fewer than 95 % are strictly below it (property)', () => {
    fc.assert(
      fc.property(latencies, (values) => {
        const p = p95(values)!;
        return values.filter((v) => v < p).length * 100 < 95 * values.length;
      }),
    );
  });

  it('does not depend on the order of the values (property)', () => {
    fc.assert(
      fc.property(latencies, fc.nat(), (values, seed) => {
        // Prepare: a rotation and a reversal
        const k = seed % values.length;
        const rotated = [...values.slice(k), ...values.slice(0, k)].reverse();

        // Act / Assess
        return p95(rotated) === p95(values);
      }),
    );
  });

  it('grows with p (property)', () => {
    fc.assert(
      fc.property(latencies, fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), (values, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return percentile(values, lo)! <= percentile(values, hi)!;
      }),
    );
  });
});
