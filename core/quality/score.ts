import { deepEqual } from './deep-equal';
import { checkAll, type Check } from './expectations';
import { abbreviate, truncate } from './format';
import type { OutputValidator } from './json-schema';
import { resolvePath } from './path';
import { p95 } from './percentile';

/** What one invocation of one side returned for one case. */
export interface CaseResult {
  /** The decoded output; ignored when `error` is set. */
  output?: unknown;
  /** Set when the invocation failed (function error, timeout, unparseable output). */
  error?: string;
  latencyMs: number;
}

/** Results keyed by case id; a missing id means the case was not run (e.g. past the deadline). */
export type ResultsById = ReadonlyMap<string, CaseResult> | Readonly<Record<string, CaseResult>>;

/** The part of a golden case the score needs. */
export interface ScoredCase {
  id: string;
  expect: readonly Check[];
}

export interface ScoreInput {
  cases: readonly ScoredCase[];
  green: ResultsById;
  /** Absent when compareWithBlue is false or there is no blue to call. */
  blue?: ResultsById;
  /** The output schema; without it the schema-valid rate is not measured (null). */
  validateOutput?: OutputValidator;
}

export interface SideScore {
  /** Cases this side has a result for. */
  ran: number;
  passed: number;
  /** passed / ran (0 when nothing ran). */
  passRate: number;
  /** Outputs valid against the schema / ran; an error counts as not valid. Null without a schema or when nothing ran. */
  schemaValidRate: number | null;
  errorCount: number;
  /** Nearest-rank p95 of the latencies of the cases that ran, errors included. Null when nothing ran. */
  p95LatencyMs: number | null;
}

export interface WorstCase {
  id: string;
  /** Why green failed: the first failing check, or the error. */
  reason: string;
  /** Green's output (or error), abbreviated to at most 200 characters. */
  green: string;
  /** Blue's, likewise; absent without a blue result. */
  blue?: string;
  /** Blue passed this case: green made it worse. */
  regression: boolean;
}

export interface SchemaFailure {
  id: string;
  errors: string;
}

export interface QualityReport {
  /** Cases in the golden set. */
  cases: number;
  green: SideScore;
  /** Absent when there were no blue results at all. */
  blue?: SideScore;
  /** green.passRate − blue.passRate; null without blue. */
  passRateDelta: number | null;
  /**
   * Share of the cases both sides ran on which green and blue agree, compared
   * at the case's expectation paths (see `outputsAgree`); null without blue.
   */
  agreementRate: number | null;
  /** At most 5 failing green cases, regressions first. */
  worst: WorstCase[];
  /** At most 5 green outputs that failed the schema, with the schema errors. */
  schemaInvalid: SchemaFailure[];
}

const MAX_LISTED = 5;
const OUTPUT_CHARS = 200;
const REASON_CHARS = 200;

interface CaseOutcome {
  ran: boolean;
  passed: boolean;
  reason?: string;
  schemaErrors?: string;
  result?: CaseResult;
}

/**
 * Score green (and blue) on a golden set. Pure: the calls were made before,
 * their results are the input, so the same results always give the same report.
 */
export function scoreQuality(input: ScoreInput): QualityReport {
  const { cases, validateOutput } = input;
  const green = cases.map((c) => judge(c, lookup(input.green, c.id), validateOutput));
  const hasBlue = input.blue !== undefined && cases.some((c) => lookup(input.blue!, c.id) !== undefined);
  const blue = hasBlue ? cases.map((c) => judge(c, lookup(input.blue!, c.id), validateOutput)) : undefined;

  const greenScore = summarize(green, validateOutput !== undefined);
  const blueScore = blue && summarize(blue, validateOutput !== undefined);

  return {
    cases: cases.length,
    green: greenScore,
    ...(blueScore ? { blue: blueScore } : {}),
    passRateDelta: blueScore ? greenScore.passRate - blueScore.passRate : null,
    agreementRate: blue ? agreementRate(cases, green, blue) : null,
    worst: worstCases(cases, green, blue),
    schemaInvalid: cases
      .flatMap((c, i) => (green[i].schemaErrors !== undefined ? [{ id: c.id, errors: green[i].schemaErrors! }] : []))
      .slice(0, MAX_LISTED),
  };
}

/**
 * Whether two outputs agree on a case: equal at each of the case's
 * expectation paths (the fields the golden set says matter), or equal as a
 * whole when the case has no expectations or one of them is on the whole
 * output. Free-text fields nobody checks (an explanation, a request id) do not
 * make a case disagree. Symmetric: deep equality is, and both sides are read
 * at the same paths; a path missing on both sides agrees.
 */
export function outputsAgree(a: unknown, b: unknown, expect: readonly Check[]): boolean {
  const paths = [...new Set(expect.map((e) => e.path ?? ''))];
  if (paths.length === 0 || paths.includes('')) return deepEqual(a, b);
  return paths.every((p) => {
    const x = resolvePath(a, p);
    const y = resolvePath(b, p);
    return x.found === y.found && (!x.found || deepEqual(x.value, (y as { value: unknown }).value));
  });
}

function judge(c: ScoredCase, result: CaseResult | undefined, validate: OutputValidator | undefined): CaseOutcome {
  if (result === undefined) return { ran: false, passed: false };
  if (result.error !== undefined) {
    const reason = `error: ${truncate(result.error, REASON_CHARS)}`;
    return { ran: true, passed: false, reason, result, ...(validate ? { schemaErrors: reason } : {}) };
  }
  const check = checkAll(result.output, c.expect);
  const schema = validate?.(result.output);
  return {
    ran: true,
    passed: check.pass,
    ...(check.reason !== undefined ? { reason: truncate(check.reason, REASON_CHARS) } : {}),
    ...(schema && !schema.valid ? { schemaErrors: schema.errors } : {}),
    result,
  };
}

function summarize(outcomes: readonly CaseOutcome[], withSchema: boolean): SideScore {
  const ran = outcomes.filter((o) => o.ran);
  const passed = ran.filter((o) => o.passed).length;
  const schemaValid = ran.filter((o) => o.schemaErrors === undefined).length;
  return {
    ran: ran.length,
    passed,
    passRate: ran.length === 0 ? 0 : passed / ran.length,
    schemaValidRate: withSchema && ran.length > 0 ? schemaValid / ran.length : null,
    errorCount: ran.filter((o) => o.result?.error !== undefined).length,
    p95LatencyMs: p95(ran.map((o) => o.result!.latencyMs)) ?? null,
  };
}

/**
 * Over the cases both sides ran. An error on either side is a disagreement:
 * there is no output to agree on, and two errors are not evidence that the
 * versions behave alike.
 */
function agreementRate(cases: readonly ScoredCase[], green: readonly CaseOutcome[], blue: readonly CaseOutcome[]): number | null {
  let both = 0;
  let agree = 0;
  cases.forEach((c, i) => {
    const g = green[i].result;
    const b = blue[i].result;
    if (!g || !b) return;
    both += 1;
    if (g.error === undefined && b.error === undefined && outputsAgree(g.output, b.output, c.expect)) agree += 1;
  });
  return both === 0 ? null : agree / both;
}

/**
 * Failing green cases, most telling first: regressions (blue passed), then
 * failures with no blue result to compare, then cases both sides fail. Golden
 * set order within each group keeps the report stable.
 */
function worstCases(cases: readonly ScoredCase[], green: readonly CaseOutcome[], blue: readonly CaseOutcome[] | undefined): WorstCase[] {
  const rank = (i: number): number => {
    const b = blue?.[i];
    if (b?.passed) return 0;
    return b?.ran ? 2 : 1;
  };
  return cases
    .map((c, i) => ({ c, i }))
    .filter(({ i }) => green[i].ran && !green[i].passed)
    .sort((x, y) => rank(x.i) - rank(y.i) || x.i - y.i)
    .slice(0, MAX_LISTED)
    .map(({ c, i }) => {
      const b = blue?.[i]?.result;
      return {
        id: c.id,
        reason: green[i].reason ?? 'failed',
        green: showResult(green[i].result!),
        ...(b ? { blue: showResult(b) } : {}),
        regression: rank(i) === 0,
      };
    });
}

function showResult(r: CaseResult): string {
  return r.error !== undefined ? truncate(`error: ${r.error}`, OUTPUT_CHARS) : abbreviate(r.output, OUTPUT_CHARS);
}

function lookup(results: ResultsById, id: string): CaseResult | undefined {
  if (results instanceof Map) return results.get(id);
  // Own keys only: a case id such as `constructor` must not find Object.prototype's.
  const record = results as Readonly<Record<string, CaseResult>>;
  return Object.hasOwn(record, id) ? record[id] : undefined;
}
