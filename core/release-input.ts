import { z } from 'zod';

/**
 * The release input: what a person pastes in the Step Functions console, what
 * the CLI and the triggers send. One schema, with every default, so that a
 * handler never has to guess. Durations are in seconds; weights in percent.
 */

export { lambdaAliasTarget, bareFunctionName } from './kinds/lambda-alias';
export { apiGatewayStageTarget } from './kinds/apigateway-stage';
export { greenModelSchema, READY_TIMEOUT_MAX_SECONDS, SAGEMAKER_NAME_PREFIX, sagemakerEndpointTarget } from './kinds/sagemaker-endpoint';
export { findKind, kindFacts, sideText, TARGET_KINDS, targetKey, targetSchema, type TargetKind } from './kinds';
import { kindFacts, targetSchema } from './kinds';

export const s3Uri = z
  .string()
  .max(1024)
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^\s]+$/, 'must be an S3 URI like s3://bucket/key');

export const artifactSchema = z.strictObject({
  /** Where the model (or prompt template) lives; handed to the function through `envVar`. */
  uri: z.string().min(1).max(1024).regex(/^(s3|file|https):\/\/\S+$/, 'must be an s3://, file:// or https:// URI'),
  /** Environment variable set on $LATEST before publishing. */
  envVar: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name (letters, digits and _)')
    .default('MODEL_URI'),
});

// Lambda weights are fractions; Cutover reads splits back to 0.01 %, so steps have at most two decimals.
const percent = z
  .number()
  .gt(0)
  .lt(100)
  .refine((v) => Math.abs(Math.round(v * 100) - v * 100) < 1e-9, 'must have at most two decimals, e.g. 0.5 or 12.25');

export const strategySchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('all-at-once') }),
    z.strictObject({
      type: z.literal('canary'),
      /** Percent of traffic on green at each step before 100 %, strictly increasing. */
      steps: z
        .array(percent, { error: 'must be a list of percentages between 0 and 100, e.g. [10, 50]' })
        .min(1)
        .max(10)
        .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]), 'must be strictly increasing, e.g. [10, 50]'),
      /** How long each canary step bakes before the next. */
      stepSeconds: z.number().int().min(0).max(86_400).default(300),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? 'use {"type":"all-at-once"} or {"type":"canary","steps":[10,50]}' : undefined) },
);

/** One smoke-test check on a JSON output; `path` is a dot path (`label`, `scores.0`), empty for the whole output. */
export const expectationSchema = z
  .strictObject({
    path: z.string().max(256).default(''),
    equals: z.unknown().optional(),
    oneOf: z.array(z.unknown()).min(1).optional(),
    regex: z.string().max(1024).optional(),
    contains: z.string().max(4096).optional(),
    approx: z.strictObject({ value: z.number(), tolerance: z.number().min(0) }).optional(),
  })
  .refine(
    (e) => ['equals', 'oneOf', 'regex', 'contains', 'approx'].filter((k) => k in e && (e as Record<string, unknown>)[k] !== undefined).length === 1,
    'give exactly one of equals, oneOf, regex, contains, approx',
  );

export const smokeCaseSchema = z.strictObject({
  name: z.string().min(1).max(128),
  input: z.unknown(),
  expect: z.array(expectationSchema).max(20).default(() => []),
});

export const goldenSetSchema = z.strictObject({
  /** JSON Lines: {"id", "input", "expect": [checks]} per line. */
  uri: s3Uri,
  /** JSON Schema every output must satisfy; overrides the golden set's own. */
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  minSchemaValidRate: z.number().min(0).max(1).default(1),
  maxPassRateDrop: z.number().min(0).max(1).default(0.02),
  /** Only without a blue baseline (compareWithBlue false, or a first release): green's pass rate must reach this. */
  minPassRate: z.number().min(0).max(1).optional(),
  latencyP95Ms: z.number().int().positive().max(900_000).default(10_000),
  concurrency: z.number().int().min(1).max(32).default(8),
  compareWithBlue: z.boolean().default(true),
});

export const smokeTestSchema = z.strictObject({
  cases: z.array(smokeCaseSchema).max(50).default(() => []),
  goldenSet: goldenSetSchema.optional(),
});

export const bakeSchema = z.strictObject({
  seconds: z.number().int().min(0).max(86_400).default(600),
  pollSeconds: z.number().int().min(1).max(3_600).default(30),
  /** What an INSUFFICIENT_DATA alarm at the end of the bake means: not proven healthy. */
  onInconclusive: z.enum(['rollback', 'proceed']).default('rollback'),
});

export const retentionSchema = z.strictObject({
  // The execution times out after 21 days (TimeoutSeconds in the ASL): retention stays well inside.
  seconds: z.number().int().min(0).max(14 * 86_400).default(172_800),
  pollSeconds: z.number().int().min(1).max(86_400).default(300),
});

/** Why release alarm periods are multiples of 60 (shared by the release input and the construct's defaults). */
export const PERIOD_RULE =
  'must be a multiple of 60 seconds (at most 86400): Lambda and SageMaker publish 1-minute metrics, and CloudWatch gives a 10, 20 or 30 s alarm period no datapoints on them';

/** The nearest period that works: the next multiple of 60 (60 at least, 86400 at most). */
export function periodFix(value: unknown): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? value : 60;
  return Math.min(86_400, Math.max(60, Math.ceil(n / 60) * 60));
}

const alarmName = z.string().min(1).max(255).regex(/^[^\x00-\x1f]+$/, 'must be a CloudWatch alarm name');

/**
 * The shortest window (a canary step, the bake) in which the release alarms can
 * judge green: CloudWatch evaluates a period once it is over and its metrics
 * have arrived (Lambda's and SageMaker's 1-minute metrics take up to about a
 * minute), so the first period with green traffic in it is judged up to one
 * period plus that minute after the switch. A shorter window ends on the alarm
 * state from before the switch: OK, with missing data treated as not breaching,
 * which proves nothing about green.
 */
export const ALARM_VERDICT_SLACK_SECONDS = 60;

export function shortestJudgedWindow(periodSeconds: number): number {
  return periodSeconds + ALARM_VERDICT_SLACK_SECONDS;
}

/**
 * The canary step and the bake, when release alarms watch them, must each be
 * long enough for those alarms to judge green (a check across fields and the
 * orchestrator's defaults, so ValidateInput makes it, not the schema).
 */
export function unjudgedWindows(spec: Pick<ReleaseSpec, 'alarms' | 'bake' | 'strategy'>): { field: string; message: string }[] {
  if (!spec.alarms.releaseAlarms) return [];
  const period = spec.alarms.periodSeconds;
  const shortest = shortestJudgedWindow(period);
  const windows: [string, number][] = [['bake.seconds', spec.bake.seconds]];
  if (spec.strategy.type === 'canary') windows.push(['strategy.stepSeconds', spec.strategy.stepSeconds]);
  return windows
    .filter(([, seconds]) => seconds > 0 && seconds < shortest)
    .map(([field, seconds]) => ({
      field,
      message: `${seconds} s is too short for the release alarms to judge green: with alarms.periodSeconds ${period}, CloudWatch judges the first period with green traffic up to ${shortest} s after the switch; use at least ${shortest}, or a shorter alarms.periodSeconds`,
    }));
}

export const alarmsSchema = z.strictObject({
  /** The user's own alarms, evaluated with the release alarms. */
  names: z.array(alarmName).max(95).default(() => []),
  /** Create alarms scoped to the green version for this release (and delete them at the end). */
  releaseAlarms: z.boolean().default(true),
  errorRateThreshold: z.number().gt(0).lt(1).default(0.05),
  /**
   * Window of the release alarms (error rate, p95, schema failures): a multiple of 60. CloudWatch evaluates
   * 10, 20 and 30 s periods only for high-resolution metrics, and every metric these alarms read is
   * standard resolution (Lambda and SageMaker publish 1-minute metrics, the output-schema EMF too).
   */
  periodSeconds: z
    .number()
    .int()
    .refine((p) => p >= 60 && p % 60 === 0 && p <= 86_400, {
      error: (issue) => `${PERIOD_RULE}; got ${String(issue.input)}: use ${periodFix(issue.input)}`,
    })
    .default(60),
  latencyP95Ms: z.number().int().positive().max(900_000).default(10_000),
  blockOnPreexistingAlarms: z.boolean().default(false),
});

export const decommissionSchema = z.strictObject({
  /** Delete the blue version after retention (never while an alias serves it). */
  deleteBlueVersion: z.boolean().default(false),
});

export const releaseInputSchema = z.strictObject({
  target: targetSchema,
  artifact: artifactSchema.optional(),
  description: z.string().max(256).default(''),
  strategy: strategySchema.default({ type: 'all-at-once' }),
  smokeTest: smokeTestSchema.default(() => ({ cases: [] })),
  // A group left out is the group with every field at its own default (read from the group's schema, never restated).
  bake: bakeSchema.default(() => bakeSchema.parse({})),
  retention: retentionSchema.default(() => retentionSchema.parse({})),
  alarms: alarmsSchema.default(() => alarmsSchema.parse({})),
  decommission: decommissionSchema.default(() => decommissionSchema.parse({})),
  /** Who or what started the release, for the history. */
  startedBy: z.string().max(128).default('console'),
}).superRefine((input, ctx) => {
  // A kind whose target carries its artifact (a SageMaker model's greenModel.modelDataUrl) would silently ignore this one.
  const inTarget = kindFacts(input.target.kind).artifactInTarget;
  if (inTarget && input.artifact) {
    ctx.addIssue({ code: 'custom', path: ['artifact'], message: `not used by a ${input.target.kind} target: give the model data as ${inTarget.field}` });
  }
});

export type ReleaseInput = z.input<typeof releaseInputSchema>;
export type ReleaseSpec = z.output<typeof releaseInputSchema>;
export type Target = ReleaseSpec['target'];
export type LambdaAliasTarget = Extract<Target, { kind: 'lambda-alias' }>;
export type ApiGatewayStageTarget = Extract<Target, { kind: 'apigateway-stage' }>;
export type SageMakerEndpointTarget = Extract<Target, { kind: 'sagemaker-endpoint' }>;
export type Expectation = z.output<typeof expectationSchema>;
export type SmokeCase = z.output<typeof smokeCaseSchema>;
export type GoldenSetSpec = z.output<typeof goldenSetSchema>;

