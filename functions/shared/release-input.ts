import { z } from 'zod';

/**
 * The release input: what a person pastes in the Step Functions console, what
 * the CLI and the triggers send. One schema, with every default, so that a
 * handler never has to guess. Durations are in seconds; weights in percent.
 */

/** Lambda names: 1-64 of letters, digits, - and _ (a full ARN is accepted too). */
const lambdaFunctionName = z
  .string()
  .regex(
    /^(arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/,
    'must be a Lambda function name (letters, digits, - and _, at most 64) or its unqualified ARN',
  );

const aliasName = z
  .string()
  .regex(/^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$/, 'must be an alias name (letters, digits, - and _, not only digits)');

export const lambdaAliasTarget = z.strictObject({
  kind: z.literal('lambda-alias'),
  functionName: lambdaFunctionName,
  alias: aliasName,
});

export const targetSchema = z.discriminatedUnion('kind', [lambdaAliasTarget], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'unknown target kind: use "lambda-alias" (with functionName and alias)'
      : undefined,
});

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

const alarmName = z.string().min(1).max(255).regex(/^[^\x00-\x1f]+$/, 'must be a CloudWatch alarm name');

export const alarmsSchema = z.strictObject({
  /** The user's own alarms, evaluated with the release alarms. */
  names: z.array(alarmName).max(95).default(() => []),
  /** Create alarms scoped to the green version for this release (and delete them at the end). */
  releaseAlarms: z.boolean().default(true),
  errorRateThreshold: z.number().gt(0).lt(1).default(0.05),
  /** Window of the release alarms (error rate, p95, schema failures): 10, 20, 30 or a multiple of 60. */
  periodSeconds: z
    .number()
    .int()
    .refine((p) => [10, 20, 30].includes(p) || (p >= 60 && p % 60 === 0 && p <= 86_400), 'must be 10, 20, 30 or a multiple of 60 (CloudWatch periods)')
    .default(600),
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
  bake: bakeSchema.default({ seconds: 600, pollSeconds: 30, onInconclusive: 'rollback' }),
  retention: retentionSchema.default({ seconds: 172_800, pollSeconds: 300 }),
  alarms: alarmsSchema.default(() => ({
    names: [],
    releaseAlarms: true,
    errorRateThreshold: 0.05,
    periodSeconds: 600,
    latencyP95Ms: 10_000,
    blockOnPreexistingAlarms: false,
  })),
  decommission: decommissionSchema.default({ deleteBlueVersion: false }),
  /** Who or what started the release, for the history. */
  startedBy: z.string().max(128).default('console'),
});

export type ReleaseInput = z.input<typeof releaseInputSchema>;
export type ReleaseSpec = z.output<typeof releaseInputSchema>;
export type Target = ReleaseSpec['target'];
export type Expectation = z.output<typeof expectationSchema>;
export type SmokeCase = z.output<typeof smokeCaseSchema>;
export type GoldenSetSpec = z.output<typeof goldenSetSchema>;

/** A stable key per target: the lock and the history are keyed by it. */
export function targetKey(target: Target): string {
  switch (target.kind) {
    case 'lambda-alias':
      return `lambda-alias:${bareFunctionName(target.functionName)}:${target.alias}`;
  }
}

/** `ai-handler` from `ai-handler` or `arn:aws:lambda:…:function:ai-handler`. */
export function bareFunctionName(nameOrArn: string): string {
  const i = nameOrArn.lastIndexOf(':function:');
  return i >= 0 ? nameOrArn.slice(i + ':function:'.length) : nameOrArn;
}
