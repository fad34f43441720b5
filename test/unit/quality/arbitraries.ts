import fc from 'fast-check';
import type { Check } from '../../../core/quality/expectations';
import type { CaseResult, ScoredCase } from '../../../core/quality/score';

/** Support-ticket outputs: a label that checks look at, a free-text note they do not. */
export const output = fc.oneof(
  fc.record({
    label: fc.constantFrom('billing', 'technical', 'account'),
    confidence: fc.constantFrom(0.2, 0.5, 0.9),
    note: fc.string({ maxLength: 5 }),
  }),
  fc.jsonValue({ maxDepth: 2 }),
);

export const check: fc.Arbitrary<Check> = fc.oneof(
  fc.constantFrom<Check>(
    { path: 'label', equals: 'billing' },
    { path: 'label', oneOf: ['billing', 'technical'] },
    { path: 'confidence', approx: { value: 0.9, tolerance: 0.05 } },
    { path: 'note', regex: '^a' },
    { path: '', contains: 'account' },
  ),
);

export const result: fc.Arbitrary<CaseResult> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ output, latencyMs: fc.integer({ min: 1, max: 20_000 }) }) },
  { weight: 1, arbitrary: fc.record({ error: fc.constantFrom('Task timed out', 'Unhandled'), latencyMs: fc.integer({ min: 1, max: 20_000 }) }) },
);

/** Golden cases with unique ids, and one result per case for each of two sides. */
export const scenario = fc
  .array(fc.tuple(fc.array(check, { maxLength: 3 }), result, result), { minLength: 1, maxLength: 30 })
  .map((rows) => {
    const cases: ScoredCase[] = rows.map(([expect], i) => ({ id: `case-${i}`, expect }));
    const a = Object.fromEntries(rows.map(([, r], i) => [`case-${i}`, r]));
    const b = Object.fromEntries(rows.map(([, , r], i) => [`case-${i}`, r]));
    return { cases, a, b };
  });
