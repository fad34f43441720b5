/**
 * Nearest-rank percentile: the smallest value such that at least p % of the
 * values are less than or equal to it. Always one of the observed values, no
 * interpolation, so a reported p95 is a latency that really happened; this is
 * also how CloudWatch reads a percentile off a small sample.
 *
 * Returns undefined for no values: a p95 of nothing is not 0 ms.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // Integer arithmetic when p is an integer: 0.95 * 20 is not exactly 19 in floating point.
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1];
}

export function p95(values: readonly number[]): number | undefined {
  return percentile(values, 95);
}
