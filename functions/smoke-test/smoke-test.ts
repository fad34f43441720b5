import type { S3Client } from '@aws-sdk/client-s3';
import { releaseKey, type Clock } from '../kit/deps';
import { QualityGateFailed, SmokeTestFailed } from '../../core/errors';
import type { Ledger } from '../../core/ledger';
import type { GoldenSetSpec, SmokeCase } from '../../core/release-input';
import type { Green, StateWithGreen } from '../../core/release-state';
import type { SideInvoker } from '../../core/traffic-router';
import type { InvokeResult } from '../../targets';
import {
  checkAll,
  compileOutputSchema,
  evaluateGates,
  loadGoldenSet,
  mapBounded,
  scoreQuality,
  type CaseResult,
  type GateVerdict,
  type QualityReport,
} from '../../core/quality';

export interface SmokeTestDeps {
  ledger: Ledger;
  router: SideInvoker;
  s3: S3Client;
  now: Clock;
  /**
   * When to stop starting golden-set cases (the Lambda timeout, less a margin),
   * on a monotonic clock: `Date` may be skewed (the sandbox compresses time).
   */
  deadline?: { atMs: number; now: () => number };
}

export interface SmokeTestResult {
  cases: number;
  passed: number;
  quality: { report: QualityReport; verdict: Omit<GateVerdict, 'failures'> & { failures: string[] } } | null;
}

/** The named cases: each must succeed on green and meet its checks; the first failure stops the release. */
async function runCases(cases: SmokeCase[], green: Green, router: SideInvoker): Promise<number> {
  for (const c of cases) {
    const result = await router.invoke(green, 'green', c.input);
    if (result.error) throw new SmokeTestFailed(`smoke case "${c.name}" failed on green ${green.green}: ${result.error}`, c.name);
    const check = checkAll(result.output, c.expect);
    if (!check.pass) throw new SmokeTestFailed(`smoke case "${c.name}" failed on green ${green.green}: ${check.reason}`, c.name);
  }
  return cases.length;
}

function asCaseResult(outcome: { status: string; value?: InvokeResult; reason?: unknown } | undefined): CaseResult | undefined {
  if (!outcome || outcome.status === 'not-run') return undefined;
  if (outcome.status === 'rejected') return { error: String((outcome.reason as Error)?.message ?? outcome.reason), latencyMs: 0 };
  return outcome.value;
}

/** Green and blue on every golden case, scored and held against the gates. */
async function runGoldenSet(spec: GoldenSetSpec, green: Green, deps: SmokeTestDeps) {
  const set = await loadGoldenSet(deps.s3, spec.uri);
  const schema = spec.outputSchema ?? set.outputSchema;
  const validateOutput = schema ? compileOutputSchema(schema) : undefined;
  const side = async (which: 'green' | 'blue') => {
    const run = await mapBounded(set.cases, spec.concurrency, (c) => deps.router.invoke(green, which, c.input), { deadlineMs: deps.deadline?.atMs, now: deps.deadline?.now });
    // The invoke call itself failed (throttled, 5xx, denied, timed out): that says nothing about the model,
    // so it must not score as a failed case. Fail the step instead: retried when transient, a named error otherwise.
    const apiFailure = run.outcomes.find((o) => o?.status === 'rejected');
    if (apiFailure?.status === 'rejected') throw apiFailure.reason;
    return new Map(set.cases.flatMap((c, i) => {
      const r = asCaseResult(run.outcomes[i] as never);
      return r ? [[c.id, r] as const] : [];
    }));
  };
  const greenResults = await side('green');
  const blueResults = spec.compareWithBlue ? await side('blue') : undefined;
  const report = scoreQuality({ cases: set.cases, green: greenResults, blue: blueResults, validateOutput });
  const verdict = evaluateGates(report, spec);
  return { report, verdict };
}

export async function smokeTest(state: StateWithGreen, deps: SmokeTestDeps): Promise<SmokeTestResult> {
  const { smokeTest: spec } = state.release.spec;
  const passed = await runCases(spec.cases, state.green, deps.router);
  const quality = spec.goldenSet ? await runGoldenSet(spec.goldenSet, state.green, deps) : null;
  await deps.ledger.record(
    releaseKey(state.release),
    {
      id: 'smoke-tested',
      at: deps.now().toISOString(),
      state: 'SmokeTestGreen',
      detail: `${passed} smoke cases passed${quality ? `; ${quality.verdict.summary}` : ''}`,
    },
    quality ? { quality: { report: quality.report, verdict: quality.verdict } } : {},
  );
  if (quality && !quality.verdict.passed) {
    throw new QualityGateFailed(`green ${state.green.green}: ${quality.verdict.summary}`);
  }
  return { cases: spec.cases.length, passed, quality };
}
