/**
 * Short, readable renderings of values for failure messages: people read
 * these in the Step Functions console, where a full model output would drown
 * the reason.
 */

/** JSON text of a value, never throwing (cycles and BigInt render as a placeholder). */
export function jsonText(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '[unserializable]';
  }
}

/** JSON text cut to at most `max` characters (the ellipsis included). */
export function abbreviate(value: unknown, max = 200): string {
  return truncate(jsonText(value), max);
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? '…'.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

/** Rates as people write them: 0.81, 0.933, 1. */
export function formatRate(rate: number): string {
  return String(Number(rate.toFixed(3)));
}
