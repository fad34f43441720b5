/** Linear scales and "nice" tick values for the SVG chart. */

export interface LinearScale {
  (value: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

export function linearScale(domain: [number, number], range: [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as LinearScale;
  scale.domain = domain;
  scale.range = range;
  return scale;
}

/** A step of 1, 2 or 5 × 10^n giving about `target` intervals over `span`. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !(target > 0)) return 1;
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const factor = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10;
  return factor * magnitude;
}

/** Smallest multiple of a nice step that is ≥ `value` (at least `minimum`). */
export function niceCeil(value: number, minimum: number, target = 4): number {
  const v = Math.max(value, minimum);
  const step = niceStep(v, target);
  return Math.ceil(v / step - 1e-9) * step;
}

/** Tick values from 0 (or domain start) to the domain end, inclusive. */
export function ticks(start: number, end: number, target: number): number[] {
  const step = niceStep(end - start, target);
  const out: number[] = [];
  const first = Math.ceil(start / step - 1e-9) * step;
  for (let v = first; v <= end + step * 1e-6; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** Compact tick label: drops trailing zeros, keeps up to 2 decimals. */
export function tickLabel(v: number): string {
  return String(Number(v.toFixed(2)));
}
