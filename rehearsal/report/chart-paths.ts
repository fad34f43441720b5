import type { LinearScale } from './scales';
import { round } from './svg';

/** A bucket as drawn: [t, t + dt) on the x axis. */
export interface Span {
  t0: number;
  t1: number;
}

/** Consecutive runs of indices for which `present(i)` holds and buckets touch in time. */
export function runs(spans: readonly Span[], present: (i: number) => boolean): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < spans.length; i++) {
    const touches = current.length > 0 && spans[i]!.t0 - spans[current[current.length - 1]!]!.t1 < 1e-6;
    if (!present(i)) {
      if (current.length) out.push(current);
      current = [];
      continue;
    }
    if (current.length && !touches) {
      out.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * Step-shaped band between `lower(i)` and `upper(i)` for each run of buckets:
 * the exact shape of per-bucket shares, as one path with a sub-path per run.
 */
export function stepBandPath(
  spans: readonly Span[],
  bucketRuns: readonly number[][],
  lower: (i: number) => number,
  upper: (i: number) => number,
  x: LinearScale,
  y: LinearScale,
): string {
  const parts: string[] = [];
  for (const run of bucketRuns) {
    if (run.every((i) => upper(i) - lower(i) <= 1e-9)) continue;
    const first = run[0]!;
    let d = `M${round(x(spans[first]!.t0))} ${round(y(upper(first)))}`;
    run.forEach((i, k) => {
      d += `H${round(x(spans[i]!.t1))}`;
      const next = run[k + 1];
      if (next !== undefined) d += `V${round(y(upper(next)))}`;
    });
    d += `V${round(y(lower(run[run.length - 1]!)))}`;
    for (let k = run.length - 1; k >= 0; k--) {
      const i = run[k]!;
      d += `H${round(x(spans[i]!.t0))}`;
      const prev = run[k - 1];
      if (prev !== undefined) d += `V${round(y(lower(prev)))}`;
    }
    parts.push(`${d}Z`);
  }
  return parts.join('');
}

/** Polyline through bucket centres; null values break the line. */
export function linePath(
  spans: readonly Span[],
  values: readonly (number | null)[],
  x: LinearScale,
  y: LinearScale,
): string {
  let d = '';
  let pen = false;
  spans.forEach((span, i) => {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${round(x((span.t0 + span.t1) / 2))} ${round(y(v))}`;
    pen = true;
  });
  return d;
}
