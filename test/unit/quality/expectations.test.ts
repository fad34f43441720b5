import fc from 'fast-check';
import { checkAll, checkExpectation } from '../../../core/quality/expectations';

const output = {
  label: 'technical',
  confidence: 0.83,
  scores: [0.1, 0.83, 0.07],
  answer: 'Please reset your password from the account page.',
  meta: { model: 'v2', tags: ['reset', 'account'] },
};

describe('checkExpectation', () => {
  describe('equals', () => {
    it('passes on a deep-equal value whatever the key order', () => {
      // Prepare
      const e = { path: 'meta', equals: { tags: ['reset', 'account'], model: 'v2' } };

      // Act
      const result = checkExpectation(output, e);

      // Assess
      expect(result).toEqual({ pass: true });
    });

    it('fails with a reason naming the path, the expected and the actual value', () => {
      // Act
      const result = checkExpectation(output, { path: 'label', equals: 'billing' });

      // Assess
      expect(result).toEqual({ pass: false, reason: 'label: expected "billing", got "technical"' });
    });

    it('treats null as a value to compare, not as absent', () => {
      // Act / Assess
      expect(checkExpectation({ x: null }, { path: 'x', equals: null }).pass).toBe(true);
      expect(checkExpectation({ x: 0 }, { path: 'x', equals: null }).reason).toBe('x: expected null, got 0');
    });

    it('holds for any JSON value compared with itself (property)', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (v) => {
          // Act
          const result = checkExpectation(v, { path: '', equals: structuredClone(v) });

          // Assess
          return result.pass;
        }),
      );
    });
  });

  describe('oneOf', () => {
    it('passes when the value is among the options', () => {
      expect(checkExpectation(output, { path: 'label', oneOf: ['billing', 'technical'] }).pass).toBe(true);
    });

    it('fails listing the options', () => {
      const result = checkExpectation(output, { path: 'label', oneOf: ['billing', 'account'] });
      expect(result).toEqual({ pass: false, reason: 'label: expected one of ["billing","account"], got "technical"' });
    });
  });

  describe('regex', () => {
    it('passes on a matching string', () => {
      expect(checkExpectation(output, { path: 'answer', regex: '^Please .*page\\.$' }).pass).toBe(true);
    });

    it('fails on a string that does not match', () => {
      const result = checkExpectation(output, { path: 'label', regex: '^bill' });
      expect(result).toEqual({ pass: false, reason: 'label: expected to match /^bill/, got "technical"' });
    });

    it('matches a non-string on its JSON text', () => {
      expect(checkExpectation(output, { path: 'confidence', regex: '^0\\.8\\d$' }).pass).toBe(true);
    });

    it('fails, rather than throws, on an invalid pattern', () => {
      const result = checkExpectation(output, { path: 'label', regex: '(' });
      expect(result.pass).toBe(false);
      expect(result.reason).toMatch(/^label: the regex "\(" is not valid/);
    });
  });

  describe('contains', () => {
    it('passes on a string containing the text', () => {
      expect(checkExpectation(output, { path: 'answer', contains: 'reset your password' }).pass).toBe(true);
    });

    it('looks into the JSON text of a structured value', () => {
      expect(checkExpectation(output, { path: 'meta', contains: '"account"' }).pass).toBe(true);
    });

    it('fails naming the missing text', () => {
      const result = checkExpectation(output, { path: 'answer', contains: 'refund' });
      expect(result).toEqual({
        pass: false,
        reason: 'answer: expected to contain "refund", got "Please reset your password from the account page."',
      });
    });
  });

  describe('approx', () => {
    it('passes within the tolerance, bounds included despite binary rounding', () => {
      expect(checkExpectation(output, { path: 'confidence', approx: { value: 0.8, tolerance: 0.05 } }).pass).toBe(true);
      expect(checkExpectation({ x: 0.7 }, { path: 'x', approx: { value: 0.8, tolerance: 0.1 } }).pass).toBe(true);
    });

    it('fails outside the tolerance', () => {
      const result = checkExpectation(output, { path: 'confidence', approx: { value: 0.5, tolerance: 0.1 } });
      expect(result).toEqual({ pass: false, reason: 'confidence: expected 0.5 ± 0.1, got 0.83' });
    });

    it('fails on something that is not a number', () => {
      const result = checkExpectation(output, { path: 'label', approx: { value: 1, tolerance: 0 } });
      expect(result).toEqual({ pass: false, reason: 'label: expected a number within 1 ± 0, got "technical"' });
    });

    it('passes for every number inside the interval (property)', () => {
      fc.assert(
        fc.property(
          fc.double({ min: -1e6, max: 1e6, noNaN: true }),
          fc.double({ min: 0, max: 1e3, noNaN: true }),
          fc.double({ min: -1, max: 1, noNaN: true }),
          (value, tolerance, fraction) => {
            // Prepare
            const got = value + tolerance * fraction;

            // Act / Assess
            return checkExpectation({ x: got }, { path: 'x', approx: { value, tolerance } }).pass;
          },
        ),
      );
    });
  });

  describe('paths', () => {
    it('indexes arrays with a number segment', () => {
      expect(checkExpectation(output, { path: 'scores.1', equals: 0.83 }).pass).toBe(true);
      expect(checkExpectation(output, { path: 'meta.tags.0', equals: 'reset' }).pass).toBe(true);
    });

    it('checks the whole output for the empty or missing path', () => {
      expect(checkExpectation('billing', { path: '', equals: 'billing' }).pass).toBe(true);
      expect(checkExpectation('billing', { equals: 'billing' }).pass).toBe(true);
      expect(checkExpectation('x', { equals: 'y' }).reason).toBe('output: expected "y", got "x"');
    });

    it('reports a missing path and where it stops', () => {
      expect(checkExpectation(output, { path: 'category', equals: 'billing' }).reason).toBe('category: missing, expected "billing"');
      expect(checkExpectation(output, { path: 'ranks.0', equals: 1 }).reason).toBe('ranks.0: missing (nothing at ranks), expected 1');
      expect(checkExpectation(output, { path: 'scores.3', equals: 1 }).pass).toBe(false);
    });

    it('does not resolve inherited properties', () => {
      expect(checkExpectation({}, { path: 'constructor', contains: 'Object' }).pass).toBe(false);
    });
  });

  it('abbreviates long values in reasons', () => {
    // Prepare
    const long = 'x'.repeat(1000);

    // Act
    const result = checkExpectation({ text: long }, { path: 'text', equals: 'short' });

    // Assess
    expect(result.reason!.length).toBeLessThan(200);
    expect(result.reason).toMatch(/…$/);
  });
});

describe('checkAll', () => {
  it('passes when every check passes', () => {
    expect(checkAll(output, [{ path: 'label', equals: 'technical' }, { path: 'answer', contains: 'password' }])).toEqual({ pass: true });
  });

  it('passes with no checks', () => {
    expect(checkAll(output, [])).toEqual({ pass: true });
  });

  it('returns the first failure', () => {
    // Act
    const result = checkAll(output, [
      { path: 'label', equals: 'technical' },
      { path: 'label', equals: 'billing' },
      { path: 'answer', contains: 'refund' },
    ]);

    // Assess
    expect(result).toEqual({ pass: false, reason: 'label: expected "billing", got "technical"' });
  });
});
