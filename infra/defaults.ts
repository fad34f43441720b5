/**
 * Default values of the ReleaseOrchestrator, kept apart from the code that
 * builds resources (the aws-solutions-constructs way): a reviewer reads the
 * values here, the wiring in release-orchestrator.ts.
 */
import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { alarmsSchema, bakeSchema, retentionSchema } from '../core/release-input';

/** Repository root: the construct bundles `functions/` and reads `statemachine/` from here. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The ASL file the state machine is built from. */
export const ASL_FILE = path.join(PROJECT_ROOT, 'statemachine', 'release.asl.json');

export const DEFAULT_STATE_MACHINE_NAME = 'cutover-release';
export const DEFAULT_ALARM_PREFIX = 'cutover-';
export const DEFAULT_LOG_LEVEL = 'INFO';
export const DEFAULT_TABLE_REMOVAL_POLICY = RemovalPolicy.RETAIN;

/** The fields of the release input that the `defaults` prop may set, per group; their schemas are the release input's. */
export const DEFAULTABLE = {
  bake: { schema: bakeSchema, keys: ['seconds', 'pollSeconds'] },
  retention: { schema: retentionSchema, keys: ['seconds', 'pollSeconds'] },
  alarms: { schema: alarmsSchema, keys: ['errorRateThreshold', 'periodSeconds', 'latencyP95Ms'] },
} as const;

const defaultsOf = <G extends keyof typeof DEFAULTABLE>(group: G) => {
  const all = DEFAULTABLE[group].schema.parse({}) as Record<string, number>;
  return Object.fromEntries(DEFAULTABLE[group].keys.map((k) => [k, all[k]])) as Record<(typeof DEFAULTABLE)[G]['keys'][number], number>;
};

/**
 * The release defaults built into the handlers, read from the release input
 * schema (core/release-input.ts): used when neither the release
 * input nor the `defaults` prop sets a value. The construct passes on just
 * what the prop sets.
 */
export const BUILT_IN_RELEASE_DEFAULTS = {
  bake: defaultsOf('bake'),
  retention: defaultsOf('retention'),
  alarms: defaultsOf('alarms'),
} as const;

/** Retention of every log group the construct creates. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/** Lambda settings shared by every handler. */
export const FUNCTION_DEFAULTS = {
  runtime: lambda.Runtime.NODEJS_22_X,
  architecture: lambda.Architecture.ARM_64,
  memorySize: 256,
  timeout: Duration.seconds(30),
  tracing: lambda.Tracing.ACTIVE,
} as const;

/**
 * esbuild settings: local esbuild (a devDependency, so never Docker), CommonJS
 * output with ESM entry points preferred (`@middy/core` 6 is ESM-only), the
 * AWS SDK bundled so the versions in package-lock.json are the ones that run
 * (not the runtime's), and class/function names kept because Step Functions
 * matches `ErrorEquals` against `error.name`.
 */
export const BUNDLING_DEFAULTS: BundlingOptions = {
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  target: 'node22',
  bundleAwsSDK: true,
  externalModules: [],
  minify: true,
  keepNames: true,
  sourceMap: false,
  forceDockerBundling: false,
  // Warnings and errors only (not the per-bundle size summary).
  logLevel: LogLevel.WARNING,
};

/** What a Task state's function may do; the construct turns each kind into IAM statements. */
export type Permission =
  | 'sfn:describe-own-executions'
  | 'sfn:read-own-history'
  | 'lambda:prepare'
  | 'lambda:invoke-versions'
  | 'lambda:shift'
  | 'lambda:decommission'
  | 'cloudwatch:describe-alarms'
  | 'cloudwatch:put-release-alarms'
  | 'cloudwatch:delete-release-alarms'
  | 's3:read-golden-sets'
  | 'events:put-release-events'
  // SageMaker endpoints and API Gateway stages: empty unless the construct manages some.
  | 'sagemaker:prepare'
  | 'sagemaker:read-endpoint'
  | 'sagemaker:invoke'
  | 'sagemaker:shift'
  | 'sagemaker:decommission'
  | 'apigateway:read-stage'
  | 'apigateway:update-stage'
  | 'lambda:allow-apigateway';

/** DynamoDB item actions a handler may take on the ledger table. */
export type LedgerAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/** One of the orchestrator's functions: a Task state's, or the reconciler's. */
export interface FunctionSpec {
  /** Task name (construct id of its function, role and log group). */
  readonly task: string;
  /** Folder under functions/ holding handler.ts. */
  readonly folder: string;
  /** One line for the function's description. */
  readonly description: string;
  /** Overrides FUNCTION_DEFAULTS.timeout. */
  readonly timeout?: Duration;
  /** Item actions on the ledger table (one statement). */
  readonly ledger: readonly LedgerAction[];
  /** Everything else it may do. */
  readonly permissions: readonly Permission[];
  /** It retires Lambda versions, so it reads the managed stages (CUTOVER_MANAGED_STAGES) that may route to them. */
  readonly managedStagesEnv?: true;
}

/** One Task state of statemachine/release.asl.json and the function behind it. */
export interface TaskFunctionSpec extends FunctionSpec {
  /** The ASL placeholder its ARN replaces: `"Resource": "${<substitution>}"`. */
  readonly substitution: string;
}

/**
 * The Task states, in workflow order. The permissions follow the handlers:
 * validate-input reads alarms (to reject a release naming alarms that do not
 * exist) and nothing else.
 */
export const TASK_FUNCTIONS: readonly TaskFunctionSpec[] = [
  {
    task: 'ValidateInput',
    substitution: 'ValidateInputFunctionArn',
    folder: 'validate-input',
    description: 'Cutover: validate the release request and apply the defaults',
    ledger: [],
    permissions: ['cloudwatch:describe-alarms'],
  },
  {
    task: 'AcquireLock',
    substitution: 'AcquireLockFunctionArn',
    folder: 'acquire-lock',
    description: 'Cutover: take the per-target release lock',
    ledger: ['GetItem', 'PutItem', 'UpdateItem'],
    permissions: ['sfn:describe-own-executions', 'events:put-release-events'],
  },
  {
    task: 'PrepareGreen',
    substitution: 'PrepareGreenFunctionArn',
    folder: 'prepare-green',
    description: 'Cutover: publish the green version',
    // GetItem: it checks that this execution still holds the lock. PutItem, DeleteItem (and GetItem): the writer
    // lease on a Lambda function's $LATEST, which every target of that function publishes from.
    ledger: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    permissions: ['lambda:prepare', 'sagemaker:prepare', 'apigateway:read-stage', 'lambda:allow-apigateway'],
  },
  {
    task: 'CheckGreenReady',
    substitution: 'CheckGreenReadyFunctionArn',
    folder: 'check-green-ready',
    description: 'Cutover: check whether green is deployed (SageMaker endpoint InService)',
    ledger: ['UpdateItem'],
    permissions: ['sagemaker:read-endpoint'],
  },
  {
    task: 'SmokeTest',
    substitution: 'SmokeTestFunctionArn',
    folder: 'smoke-test',
    description: 'Cutover: smoke test green (cases and golden set) against blue',
    timeout: Duration.seconds(300),
    ledger: ['UpdateItem'],
    permissions: ['lambda:invoke-versions', 's3:read-golden-sets', 'sagemaker:invoke'],
  },
  {
    task: 'ArmAlarms',
    substitution: 'ArmAlarmsFunctionArn',
    folder: 'arm-alarms',
    description: 'Cutover: create the release alarms for green',
    ledger: ['UpdateItem'],
    permissions: ['cloudwatch:describe-alarms', 'cloudwatch:put-release-alarms'],
  },
  {
    task: 'ShiftTraffic',
    substitution: 'ShiftTrafficFunctionArn',
    folder: 'shift-traffic',
    description: 'Cutover: move alias traffic to green',
    // GetItem: it reads the release (a manual rollback requested meanwhile) and the lock (still this execution's) before it moves traffic.
    ledger: ['GetItem', 'UpdateItem'],
    permissions: ['lambda:shift', 'events:put-release-events', 'sagemaker:shift', 'apigateway:update-stage'],
  },
  {
    task: 'CheckAlarms',
    substitution: 'CheckAlarmsFunctionArn',
    folder: 'check-alarms',
    description: 'Cutover: evaluate the alarms (Healthy / Breached / Inconclusive)',
    ledger: ['GetItem', 'UpdateItem'],
    // sagemaker:shift for the standby capacity of blue during retention.
    permissions: ['cloudwatch:describe-alarms', 'sagemaker:shift'],
  },
  {
    task: 'RollBack',
    substitution: 'RollBackFunctionArn',
    folder: 'roll-back',
    description: 'Cutover: route all traffic back to blue',
    // GetItem: it checks that this execution still holds the lock before it moves traffic.
    ledger: ['GetItem', 'UpdateItem'],
    permissions: ['lambda:shift', 'events:put-release-events', 'sagemaker:shift', 'apigateway:update-stage'],
  },
  {
    task: 'Decommission',
    substitution: 'DecommissionFunctionArn',
    folder: 'decommission',
    description: 'Cutover: retire blue and delete the release alarms',
    // GetItem: a stale execution (its lock lost) retires nothing of the target.
    ledger: ['GetItem', 'UpdateItem'],
    managedStagesEnv: true,
    permissions: [
      'lambda:decommission',
      'cloudwatch:describe-alarms',
      'cloudwatch:delete-release-alarms',
      'events:put-release-events',
      'sagemaker:decommission',
      'apigateway:read-stage',
    ],
  },
  {
    task: 'ReleaseLock',
    substitution: 'ReleaseLockFunctionArn',
    folder: 'release-lock',
    description: 'Cutover: release the per-target lock',
    // UpdateItem: after a rollback that failed it keeps the lock, marked as needing a person.
    ledger: ['DeleteItem', 'UpdateItem'],
    permissions: [],
  },
  {
    task: 'RecordOutcome',
    substitution: 'RecordOutcomeFunctionArn',
    folder: 'record-outcome',
    description: 'Cutover: record the release outcome in the ledger',
    // GetItem: an end another writer recorded first (the reconciler, a person) is read and kept.
    ledger: ['GetItem', 'UpdateItem'],
    permissions: ['events:put-release-events'],
  },
];

/**
 * Not a Task: run by an EventBridge rule on the state machine's own "Step Functions Execution Status
 * Change" events (ABORTED, TIMED_OUT, FAILED), it ends a release the machine could not end itself (a
 * stop, a timeout) as RollBack, Decommission, ReleaseLock and RecordOutcome would have, so it may do
 * what they may, and read the execution's history. 15 minutes: it waits out a Task function still
 * running (at most SmokeTest's 330 s) and retries restoring blue.
 */
export const RECONCILER_FUNCTION: FunctionSpec = {
  task: 'ReconcileRelease',
  folder: 'reconcile-release',
  description: 'Cutover: bring a stopped or timed-out release to a known-good end',
  timeout: Duration.minutes(15),
  ledger: ['GetItem', 'UpdateItem', 'DeleteItem'],
  managedStagesEnv: true,
  permissions: [
    'sfn:read-own-history',
    // A redriven execution runs again and ends itself: the reconciler then leaves it alone.
    'sfn:describe-own-executions',
    'lambda:shift',
    'lambda:decommission',
    'cloudwatch:describe-alarms',
    'cloudwatch:delete-release-alarms',
    'events:put-release-events',
    'sagemaker:shift',
    'sagemaker:decommission',
    'apigateway:read-stage',
    'apigateway:update-stage',
  ],
};

/**
 * The functions that start releases from events (not Task states): the ids of
 * their constructs, `<trigger>/<construct>/<function>` in the construct tree,
 * and the folder under functions/ holding their handler.ts.
 */
export const TRIGGER_FUNCTION = { construct: 'StartRelease', function: 'Function', folder: 'start-release' } as const;
