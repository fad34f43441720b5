/**
 * Structural equality on JSON values, the way two model outputs are compared.
 *
 * JSON semantics rather than `util.isDeepStrictEqual`: key order does not
 * matter and a key holding `undefined` equals a missing key (neither survives
 * JSON.stringify, so they cannot differ on the wire). Symmetric by
 * construction: every branch tests both sides the same way.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;

  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) return false;
  if (aIsArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((v, i) => deepEqual(v, y[i]));
  }

  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const xKeys = definedKeys(x);
  const yKeys = definedKeys(y);
  return xKeys.length === yKeys.length && xKeys.every((k) => Object.hasOwn(y, k) && deepEqual(x[k], y[k]));
}

function definedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}
