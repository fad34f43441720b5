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

/**
 * An API Gateway REST API stage whose integration calls
 * `<functionName>:${stageVariables.<variable>}`: green is a published version
 * of the function, the switch rewrites the stage variable (canary steps use
 * the stage's canary settings).
 */
export const apiGatewayStageTarget = z.strictObject({
  kind: z.literal('apigateway-stage'),
  restApiId: z.string().regex(/^[a-z0-9]{10}$/, 'must be a REST API id: 10 lowercase letters and digits, e.g. a1b2c3d4e5'),
  stageName: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a stage name (letters, digits, - and _, at most 128)'),
  /** The stage variable that holds the Lambda version number the integration calls. */
  variable: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, 'must be a stage variable name (letters, digits and _, at most 64)')
    .default('lambda_version'),
  functionName: lambdaFunctionName,
});

/** The prefix of every SageMaker resource Cutover creates (models, endpoint configs): IAM lets it create and delete only those. */
export const SAGEMAKER_NAME_PREFIX = 'cutover-';

const sagemakerName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker name: letters, digits and -, at most 63, starting and ending with a letter or digit');

/**
 * Green's model: an existing model (`{ modelName }`), or a model Cutover
 * creates (`{ image, modelDataUrl?, executionRoleArn, environment?, modelName? }`,
 * named `cutover-<release id>` unless given; a retry reuses it).
 */
export const greenModelSchema = z
  .strictObject({
    modelName: sagemakerName.optional(),
    image: z.string().min(1).max(255).regex(/^\S+$/, 'must be a container image URI without spaces (ECR: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)').optional(),
    modelDataUrl: z.string().max(1024).regex(/^(https|s3):\/\/([^/]+)\/?(.*)$/, 'must be an s3:// (or https://) URI of the model artifact').optional(),
    executionRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/, 'must be an IAM role ARN SageMaker assumes to pull the image and the model data')
      .optional(),
    /** Environment of the model container. */
    environment: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$/), z.string().max(1024)).optional(),
  })
  .superRefine((m, ctx) => {
    const spec = m.image !== undefined || m.modelDataUrl !== undefined || m.executionRoleArn !== undefined || m.environment !== undefined;
    if (!spec) {
      if (m.modelName === undefined) {
        ctx.addIssue({ code: 'custom', path: ['modelName'], message: 'give the name of an existing model, or image and executionRoleArn for Cutover to create one' });
      }
      return;
    }
    if (m.image === undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: 'required to create a model (with executionRoleArn); or give only modelName to use an existing model' });
    if (m.executionRoleArn === undefined) ctx.addIssue({ code: 'custom', path: ['executionRoleArn'], message: 'required to create a model (with image); or give only modelName to use an existing model' });
    if (m.modelName !== undefined && !m.modelName.startsWith(SAGEMAKER_NAME_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: ['modelName'],
        message: `a model Cutover creates must be named ${SAGEMAKER_NAME_PREFIX}… (it may create and delete only those): rename it, or leave modelName out to name it after the release`,
      });
    }
  });

/**
 * The longest a SageMaker endpoint update may take (target.readyTimeoutSeconds). Every UpdateEndpoint replaces the
 * endpoint's fleet, Decommission's included, so Decommission's TargetBusy retries wait at least this long too.
 */
export const READY_TIMEOUT_MAX_SECONDS = 7_200;

/**
 * A SageMaker real-time endpoint: green is a second production variant on the
 * same endpoint (weight 0 until the switch), blue the variant that serves now.
 */
export const sagemakerEndpointTarget = z.strictObject({
  kind: z.literal('sagemaker-endpoint'),
  endpointName: sagemakerName,
  greenModel: greenModelSchema,
  /** Green's instance type; default: blue's. */
  instanceType: z.string().regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, 'must be a SageMaker instance type, e.g. ml.m5.large').optional(),
  /** Green's instance count; default: blue's. */
  initialInstanceCount: z.number().int().min(1).max(100).optional(),
  /** Blue's instances during retention (blue keeps its full count when unset): cheaper, but a rollback then waits for blue to scale back up. */
  blueStandbyInstanceCount: z.number().int().min(1).max(100).optional(),
  /** How long PrepareGreen's endpoint update may take before the release fails (TargetNotReady). */
  readyTimeoutSeconds: z.number().int().min(60).max(READY_TIMEOUT_MAX_SECONDS).default(1_800),
  /** How often the readiness loop checks the endpoint. */
  readyPollSeconds: z.number().int().min(5).max(600).default(30),
});

export const targetSchema = z.discriminatedUnion('kind', [lambdaAliasTarget, apiGatewayStageTarget, sagemakerEndpointTarget], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'unknown target kind: use "lambda-alias" (with functionName and alias), "apigateway-stage" (with restApiId, stageName and functionName) or "sagemaker-endpoint" (with endpointName and greenModel)'
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
  // A SageMaker model carries its artifact itself (greenModel.modelDataUrl): an artifact here would be silently ignored.
  if (input.target.kind === 'sagemaker-endpoint' && input.artifact) {
    ctx.addIssue({ code: 'custom', path: ['artifact'], message: 'not used by a sagemaker-endpoint target: give the model data as target.greenModel.modelDataUrl' });
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

/** A stable key per target: the lock and the history are keyed by it. */
export function targetKey(target: Target): string {
  switch (target.kind) {
    case 'lambda-alias':
      return `lambda-alias:${bareFunctionName(target.functionName)}:${target.alias}`;
    // One lock per stage: its canary settings and variables are shared by every route.
    case 'apigateway-stage':
      return `apigateway-stage:${target.restApiId}:${target.stageName}`;
    case 'sagemaker-endpoint':
      return `sagemaker-endpoint:${target.endpointName}`;
  }
}

/** `ai-handler` from `ai-handler` or `arn:aws:lambda:…:function:ai-handler`. */
export function bareFunctionName(nameOrArn: string): string {
  const i = nameOrArn.lastIndexOf(':function:');
  return i >= 0 ? nameOrArn.slice(i + ':function:'.length) : nameOrArn;
}
