import type { Green } from '../core/release-state';
import type { Split } from '../core/traffic-router';

/** Two splits agree to within a hundredth of a percent (weights come back from AWS as fractions). */
export function sameSplit(a: Split, b: Split): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => Math.abs((a[k] ?? 0) - (b[k] ?? 0)) < 0.01);
}

/** The split that gives green `percent` and blue the rest (one side alone at 0 or 100). */
export function splitFor(green: Green, percent: number): Split {
  if (percent >= 100) return { [green.green]: 100 };
  if (percent <= 0) return { [green.blue]: 100 };
  return { [green.blue]: 100 - percent, [green.green]: percent };
}
