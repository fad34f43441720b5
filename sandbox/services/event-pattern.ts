/**
 * EventBridge event patterns (EventBridge user guide, "Event patterns" and
 * "Content filtering"): every field of the pattern must match; a leaf is an
 * array of matchers, any of which may match; an array in the event matches
 * when any of its elements does. Supported matchers: exact strings, numbers,
 * booleans and null; `prefix` and `suffix` (also with `equals-ignore-case`),
 * `equals-ignore-case`, `anything-but` (a value, a list, or a prefix/suffix),
 * `numeric` (`=`, `<`, `<=`, `>`, `>=` in up to two pairs), `exists`,
 * `wildcard` (`*`), and `$or`. Not supported (refused as an invalid pattern):
 * `cidr`, and anything else.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class InvalidEventPattern extends Error {
  public override readonly name = 'InvalidEventPatternException';
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

/** Parses and checks a pattern; throws InvalidEventPattern with the reason. */
export function parseEventPattern(text: string): JsonObject {
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    throw new InvalidEventPattern('Event pattern is not valid JSON');
  }
  if (!isObject(pattern) || Object.keys(pattern).length === 0) throw new InvalidEventPattern('Event pattern must be a non-empty JSON object');
  checkObject(pattern, '');
  return pattern;
}

function checkObject(pattern: JsonObject, at: string): void {
  for (const [key, sub] of Object.entries(pattern)) {
    const path = at ? `${at}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isObject)) throw new InvalidEventPattern(`${path}: $or takes a list of at least two patterns`);
      for (const p of sub) checkObject(p as JsonObject, at);
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) throw new InvalidEventPattern(`${path}: empty arrays are not allowed`);
      for (const m of sub) checkMatcher(m, path);
    } else if (isObject(sub)) {
      checkObject(sub, path);
    } else {
      throw new InvalidEventPattern(`${path}: match expressions must be in an array, e.g. ["value"]`);
    }
  }
}

function checkMatcher(m: Json, path: string): void {
  if (m === null || ['string', 'number', 'boolean'].includes(typeof m)) return;
  if (!isObject(m) || Object.keys(m).length !== 1) throw new InvalidEventPattern(`${path}: unsupported match expression ${JSON.stringify(m)}`);
  const [op, arg] = Object.entries(m)[0] as [string, Json];
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string' || (isObject(arg) && typeof arg['equals-ignore-case'] === 'string')) return;
      break;
    case 'equals-ignore-case':
    case 'wildcard':
      if (typeof arg === 'string') return;
      break;
    case 'exists':
      if (typeof arg === 'boolean') return;
      break;
    case 'anything-but':
      if (typeof arg === 'string' || typeof arg === 'number') return;
      if (Array.isArray(arg) && arg.length > 0 && arg.every((a) => typeof a === 'string' || typeof a === 'number')) return;
      if (isObject(arg) && Object.keys(arg).length === 1 && ['prefix', 'suffix', 'equals-ignore-case'].includes(Object.keys(arg)[0])) return;
      break;
    case 'numeric':
      if (Array.isArray(arg) && (arg.length === 2 || arg.length === 4)) {
        let ok = true;
        for (let i = 0; i < arg.length; i += 2) ok &&= NUMERIC_OPS.has(String(arg[i])) && typeof arg[i + 1] === 'number';
        if (ok) return;
      }
      break;
    default:
      throw new InvalidEventPattern(`${path}: the sandbox does not support the "${op}" match expression`);
  }
  throw new InvalidEventPattern(`${path}: invalid ${op} expression ${JSON.stringify(arg)}`);
}

/** Does `event` match `pattern` (parsed with parseEventPattern)? */
export function matchesEventPattern(pattern: JsonObject, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: JsonObject, value: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(sub as JsonObject[]).some((p) => matchObject(p, value))) return false;
      continue;
    }
    const present = isObject(value) && Object.prototype.hasOwnProperty.call(value, key);
    const field = present ? (value as JsonObject)[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, present, field)) return false;
    } else {
      const candidates = Array.isArray(field) ? field : [field];
      if (!present || !candidates.some((c) => matchObject(sub as JsonObject, c))) return false;
    }
  }
  return true;
}

function matchLeaf(matchers: Json[], present: boolean, value: Json | undefined): boolean {
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists ? present && !isObject(value) : !present;
    if (!present) return false;
    return values.some((v) => matchOne(m, v as Json));
  });
}

const lower = (s: string) => s.toLowerCase();

function matchOne(m: Json, v: Json): boolean {
  if (!isObject(m)) {
    if (typeof m === 'number' && typeof v === 'number') return m === v;
    return m === v;
  }
  const [op, arg] = Object.entries(m)[0] as [string, Json];
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof v !== 'string') return false;
      const ignoreCase = isObject(arg);
      const needle = ignoreCase ? lower(String(arg['equals-ignore-case'])) : String(arg);
      const hay = ignoreCase ? lower(v) : v;
      return op === 'prefix' ? hay.startsWith(needle) : hay.endsWith(needle);
    }
    case 'equals-ignore-case':
      return typeof v === 'string' && lower(v) === lower(String(arg));
    case 'wildcard':
      return typeof v === 'string' && new RegExp(`^${String(arg).split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's').test(v);
    case 'anything-but': {
      if (Array.isArray(arg)) return !arg.some((a) => a === v);
      if (isObject(arg)) return typeof v === 'string' && !matchOne(arg, v);
      return v !== arg;
    }
    case 'numeric': {
      if (typeof v !== 'number') return false;
      const ops = arg as Json[];
      for (let i = 0; i < ops.length; i += 2) {
        const n = ops[i + 1] as number;
        const ok = { '=': v === n, '<': v < n, '<=': v <= n, '>': v > n, '>=': v >= n }[String(ops[i]) as '='];
        if (!ok) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
