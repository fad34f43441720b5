import { goldenSetSchema, type GoldenSetSpec } from '../release-input';
import { formatRate } from './format';
import type { QualityReport } from './score';

/**
 * The gates of `goldenSet` in the release input, plus `minPassRate` for runs
 * without a blue baseline. Missing values take the release-input defaults.
 */
export type QualityGates = Partial<Pick<GoldenSetSpec, 'minSchemaValidRate' | 'maxPassRateDrop' | 'latencyP95Ms'>> & {
  /**
   * Only used without blue results (compareWithBlue false, or no blue to call,
   * as on a first release): green's pass rate must reach this.
   * @default DEFAULT_MIN_PASS_RATE
   */
  minPassRate?: number;
};

/**
 * Without blue there is nothing to compare with, and `maxPassRateDrop` is a
 * relative figure: turning it into an absolute bar (1 − 0.02) would demand a
 * near-perfect model. Golden-set expectations are exact answers; a good model
 * misses a few, so the absolute bar is 0.9 unless the release says otherwise.
 */
export const DEFAULT_MIN_PASS_RATE = 0.9;

export interface GateVerdict {
  passed: boolean;
  /** One line per breached gate, with the figures and the worst case. */
  failures: string[];
  /** One line for the console and the release history. */
  summary: string;
  /** What green's pass rate was held against. */
  passRateBaseline: 'blue' | 'minPassRate';
}

/** Rates computed as ratios (182/200) must not fail against 0.93 − 0.02 by a rounding error. */
const RATE_SLACK = 1e-9;

/** Release-input defaults, read from the schema so the two cannot drift apart. */
const DEFAULTS = {
  minSchemaValidRate: goldenSetSchema.shape.minSchemaValidRate.parse(undefined),
  maxPassRateDrop: goldenSetSchema.shape.maxPassRateDrop.parse(undefined),
  latencyP95Ms: goldenSetSchema.shape.latencyP95Ms.parse(undefined),
};

/**
 * Hold a quality report against the gates. Every gate is checked (not only
 * the first breached) so that one run tells everything to fix:
 *
 * - coverage: green ran every case (a run cut short by the deadline proves nothing)
 * - schema: green's schema-valid rate ≥ minSchemaValidRate (skipped, and said so, without a schema)
 * - pass rate: with blue, green ≥ blue − maxPassRateDrop; without blue,
 *   green ≥ minPassRate (the verdict names the baseline used)
 * - latency: green's p95 ≤ latencyP95Ms
 */
export function evaluateGates(report: QualityReport, gates: QualityGates = {}): GateVerdict {
  const minSchemaValidRate = gates.minSchemaValidRate ?? DEFAULTS.minSchemaValidRate;
  const maxPassRateDrop = gates.maxPassRateDrop ?? DEFAULTS.maxPassRateDrop;
  const latencyP95Ms = gates.latencyP95Ms ?? DEFAULTS.latencyP95Ms;
  const minPassRate = gates.minPassRate ?? DEFAULT_MIN_PASS_RATE;
  const { green, blue, cases } = report;
  const failures: string[] = [];
  const notes: string[] = [];

  if (green.ran < cases) {
    failures.push(`coverage: green ran ${green.ran} of ${cases} cases before the deadline (${cases - green.ran} not run); a partial run does not prove quality`);
  }

  if (green.schemaValidRate === null) {
    notes.push(green.ran === 0 ? 'schema not checked (nothing ran)' : 'schema not checked (no outputSchema)');
  } else if (green.schemaValidRate < minSchemaValidRate - RATE_SLACK) {
    const first = report.schemaInvalid[0];
    failures.push(
      `schema: green ${formatRate(green.schemaValidRate)} of ${green.ran} outputs valid (minimum ${formatRate(minSchemaValidRate)})` +
        (first ? `; first: ${first.id} ${first.errors}` : ''),
    );
  } else {
    notes.push(`schema valid ${formatRate(green.schemaValidRate)}`);
  }

  const worst = report.worst[0];
  const worstText = worst ? `; worst: ${worst.id} ${worst.reason}` : '';
  if (blue) {
    if (green.passRate < blue.passRate - maxPassRateDrop - RATE_SLACK) {
      const blueRan = blue.ran < cases ? `, blue ran ${blue.ran}` : '';
      failures.push(
        `pass rate: green ${formatRate(green.passRate)} vs blue ${formatRate(blue.passRate)} on ${cases} cases${blueRan} (allowed drop ${formatRate(maxPassRateDrop)})${worstText}`,
      );
    } else {
      notes.push(`pass rate green ${formatRate(green.passRate)} vs blue ${formatRate(blue.passRate)}`);
    }
  } else if (green.passRate < minPassRate - RATE_SLACK) {
    failures.push(
      `pass rate: green ${formatRate(green.passRate)} on ${cases} cases, below the minimum ${formatRate(minPassRate)} (no blue baseline)${worstText}`,
    );
  } else {
    notes.push(`pass rate green ${formatRate(green.passRate)} (no blue baseline, minimum ${formatRate(minPassRate)})`);
  }

  if (green.p95LatencyMs !== null && green.p95LatencyMs > latencyP95Ms) {
    failures.push(`latency: green p95 ${green.p95LatencyMs} ms on ${green.ran} cases (limit ${latencyP95Ms} ms)`);
  } else if (green.p95LatencyMs !== null) {
    notes.push(`p95 ${green.p95LatencyMs} ms`);
  }

  if (report.agreementRate !== null) notes.push(`agreement with blue ${formatRate(report.agreementRate)}`);

  const passed = failures.length === 0;
  const summary = passed
    ? `quality gates passed on ${cases} cases: ${notes.join(', ')}`
    : `quality gates failed on ${cases} cases: ${failures.join(' | ')}`;
  return { passed, failures, summary, passRateBaseline: blue ? 'blue' : 'minPassRate' };
}
