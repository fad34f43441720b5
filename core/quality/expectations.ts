import type { Expectation } from '../release-input';
import { deepEqual } from './deep-equal';
import { abbreviate, jsonText } from './format';
import { displayPath, resolvePath } from './path';

/** One check on an output; `path` may be left out (the whole output), as in the release input. */
export type Check = Omit<Expectation, 'path'> & { path?: string };

export interface CheckResult {
  pass: boolean;
  /** Why it failed, for a person: `label: expected "billing", got "technical"`. Absent on a pass. */
  reason?: string;
}

/** Values inside a reason stay short; the whole reason must fit a console line. */
const VALUE_CHARS = 80;

/**
 * Floating-point slack for `approx`: 0.7 vs 0.8 ± 0.1 must pass although
 * |0.7 − 0.8| is 0.10000000000000009 in binary.
 */
const APPROX_SLACK = 1e-9;

const PASS: CheckResult = { pass: true };

/**
 * Check one expectation against a JSON output.
 *
 * - equals: deep equality (JSON semantics: key order ignored)
 * - oneOf: deep-equal to any of the values
 * - regex / contains: on a string as is; on anything else on its JSON text,
 *   so `{"contains": "refund"}` works on a structured output too
 * - approx: a finite number within value ± tolerance (a numeric string does not count)
 */
export function checkExpectation(output: unknown, e: Check): CheckResult {
  const path = e.path ?? '';
  const where = displayPath(path);
  const lookup = resolvePath(output, path);
  if (!lookup.found) {
    // Name the first segment that is missing when it is not the whole path: `scores.0` may fail at `scores`.
    const at = lookup.missingAt === path ? '' : ` (nothing at ${lookup.missingAt})`;
    return fail(`${where}: missing${at}, expected ${describeExpectation(e)}`);
  }
  const got = lookup.value;

  if (e.equals !== undefined) {
    return deepEqual(got, e.equals) ? PASS : fail(`${where}: expected ${show(e.equals)}, got ${show(got)}`);
  }
  if (e.oneOf !== undefined) {
    return e.oneOf.some((v) => deepEqual(got, v)) ? PASS : fail(`${where}: expected one of ${show(e.oneOf)}, got ${show(got)}`);
  }
  if (e.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(e.regex);
    } catch (err) {
      return fail(`${where}: the regex ${show(e.regex)} is not valid (${(err as Error).message})`);
    }
    return re.test(textOf(got)) ? PASS : fail(`${where}: expected to match /${e.regex}/, got ${show(got)}`);
  }
  if (e.contains !== undefined) {
    return textOf(got).includes(e.contains) ? PASS : fail(`${where}: expected to contain ${show(e.contains)}, got ${show(got)}`);
  }
  if (e.approx !== undefined) {
    const { value, tolerance } = e.approx;
    if (typeof got !== 'number' || !Number.isFinite(got)) {
      return fail(`${where}: expected a number within ${value} ± ${tolerance}, got ${show(got)}`);
    }
    return Math.abs(got - value) <= tolerance + APPROX_SLACK
      ? PASS
      : fail(`${where}: expected ${value} ± ${tolerance}, got ${got}`);
  }
  // The release-input schema rejects this; a hand-built check could still reach here.
  return fail(`${where}: the check gives none of equals, oneOf, regex, contains, approx`);
}

/** All checks in order; the result carries the first failure's reason. */
export function checkAll(output: unknown, expectations: readonly Check[]): CheckResult {
  for (const e of expectations) {
    const r = checkExpectation(output, e);
    if (!r.pass) return r;
  }
  return PASS;
}

/** The text that `regex` and `contains` look at. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : jsonText(value);
}

function show(value: unknown): string {
  return abbreviate(value, VALUE_CHARS);
}

function describeExpectation(e: Check): string {
  if (e.equals !== undefined) return show(e.equals);
  if (e.oneOf !== undefined) return `one of ${show(e.oneOf)}`;
  if (e.regex !== undefined) return `a match for /${e.regex}/`;
  if (e.contains !== undefined) return `text containing ${show(e.contains)}`;
  if (e.approx !== undefined) return `${e.approx.value} ± ${e.approx.tolerance}`;
  return 'a value';
}

function fail(reason: string): CheckResult {
  return { pass: false, reason };
}
