import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { z } from 'zod';
import {
  ASL_FILE,
  BUILT_IN_RELEASE_DEFAULTS,
  BUNDLING_DEFAULTS,
  DEFAULTABLE,
  DEFAULT_ALARM_PREFIX,
  DEFAULT_LOG_LEVEL,
  DEFAULT_STATE_MACHINE_NAME,
  DEFAULT_TABLE_REMOVAL_POLICY,
  FUNCTION_DEFAULTS,
  LOG_RETENTION,
  PROJECT_ROOT,
  RECONCILER_FUNCTION,
  TASK_FUNCTIONS,
  type FunctionSpec,
} from './defaults';
import { acknowledge, acknowledgeWildcardResources } from './nag-acknowledgements';
import { ReleaseNotifications, type ReleaseNotificationsProps } from './notifications/release-notifications';
import { ledgerStatements, statementsFor, type PermissionScope } from './permissions';
import { SAGEMAKER_NAME_PREFIX, shortestJudgedWindow } from '../core/release-input';
import { RECONCILED_EXECUTION_STATUSES } from '../core/release-state';
import { MAX_ALARM_PREFIX } from '../targets/release-alarms';

/** Log levels of Powertools for AWS Lambda (TypeScript). */
export type CutoverLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SILENT';

/**
 * Orchestrator-wide release defaults, applied under each release input (the
 * input wins). Every field is optional; what is left out keeps the built-in
 * value.
 */
export interface ReleaseDefaults {
  /** The bake after the switch: alarms watched closely, any breach rolls back. */
  readonly bake?: {
    /**
     * How long to bake, in seconds (0–86,400).
     * @default 600
     */
    readonly seconds?: number;
    /**
     * How often to check the alarms while baking, in seconds (1–3,600).
     * @default 30
     */
    readonly pollSeconds?: number;
  };
  /** The retention: blue kept untouched as the rollback target, alarms still watched. */
  readonly retention?: {
    /**
     * How long to keep blue, in seconds (0–1,209,600: 14 days).
     * @default 172800 (48 h)
     */
    readonly seconds?: number;
    /**
     * How often to check the alarms during retention, in seconds (1–86,400).
     * @default 300
     */
    readonly pollSeconds?: number;
  };
  /** The release alarms created for green. */
  readonly alarms?: {
    /**
     * Error rate that breaches, as a fraction (0 < x < 1).
     * @default 0.05 (5 %)
     */
    readonly errorRateThreshold?: number;
    /**
     * Alarm window in seconds: a multiple of 60 (Lambda and SageMaker metrics are 1-minute metrics).
     * Each canary step and the bake must last at least this plus 60 s, or the alarms cannot judge green.
     * @default 60 (1 min)
     */
    readonly periodSeconds?: number;
    /**
     * p95 duration that breaches, in milliseconds.
     * @default 10000 (10 s)
     */
    readonly latencyP95Ms?: number;
  };
}

/** An S3 location the smoke test may read golden sets from. */
export interface GoldenSetLocation {
  /** Bucket name (not an ARN). */
  readonly bucketName: string;
  /**
   * Key prefix the smoke test may read under, e.g. `golden/`.
   * @default '' (the whole bucket)
   */
  readonly prefix?: string;
}

/** An API Gateway REST API stage. */
export interface ManagedStage {
  /** The REST API id (10 letters and digits). */
  readonly restApiId: string;
  readonly stageName: string;
}

export interface ReleaseOrchestratorProps {
  /**
   * The Lambda functions this orchestrator may release: functions, or their
   * names in this stack's account and region. Releases of any other function
   * are rejected by ValidateInput, and IAM allows nothing else. At least one,
   * unless the orchestrator only releases SageMaker endpoints (`managedEndpoints`).
   * @default - none: no Lambda permission at all (only with `managedEndpoints`)
   */
  readonly managedFunctions?: lambda.IFunction[] | string[];
  /**
   * SageMaker real-time endpoints this orchestrator may release (names, in
   * this stack's account and region). Cutover may then describe and update
   * them, invoke them, and create and delete the endpoint configs and models
   * it names `cutover-…`; ValidateInput rejects any other endpoint.
   * @default - none (no SageMaker permission at all)
   */
  readonly managedEndpoints?: string[];
  /**
   * API Gateway REST API stages this orchestrator may release: it may read
   * and patch them (the stage variable and canary settings). The function
   * the stage variable selects a version of must be in `managedFunctions`.
   * @default - none (no API Gateway permission at all)
   */
  readonly managedStages?: ManagedStage[];
  /**
   * IAM roles SageMaker may assume for the models Cutover creates (the
   * release input's `greenModel.executionRoleArn`): `iam:PassRole` on these
   * only, to sagemaker.amazonaws.com only.
   * @default - none (releases then name existing models: `greenModel: { modelName }`)
   */
  readonly sagemakerExecutionRoleArns?: string[];
  /**
   * Where golden sets live; the smoke test gets `s3:GetObject` there only.
   * @default - no S3 access (releases can still use inline smoke-test cases)
   */
  readonly goldenSetBuckets?: GoldenSetLocation[];
  /**
   * Name of the state machine; fixed so the lock can check its executions
   * without a circular reference.
   * @default 'cutover-release'
   */
  readonly stateMachineName?: string;
  /**
   * Prefix of the release alarms; Cutover creates and deletes only alarms
   * whose names start with it. At most 161 characters (MAX_ALARM_PREFIX), so that
   * `<prefix><execution name>-<suffix>` fits CloudWatch's 255.
   * @default 'cutover-'
   */
  readonly alarmPrefix?: string;
  /**
   * Orchestrator-wide release defaults (`CUTOVER_DEFAULTS`).
   * @default - built-in values: bake 600 s polled every 30 s, retention
   * 172,800 s (48 h) polled every 300 s, release alarms at 5 % errors over
   * 10 min and p95 10 s
   */
  readonly defaults?: ReleaseDefaults;
  /**
   * Let a release switch traffic with nothing watching green: no release alarms (`alarms.releaseAlarms`
   * false) and no alarm of yours (`alarms.names` empty). Every check then reads Healthy.
   * @default false - such a release is refused before anything changes
   */
  readonly allowUnwatchedReleases?: boolean;
  /**
   * Log level of the handlers (`POWERTOOLS_LOG_LEVEL`).
   * @default 'INFO'
   */
  readonly logLevel?: CutoverLogLevel;
  /**
   * What happens to the ledger table (release history and locks) when it
   * leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The bus the handlers publish release events on (`Cutover Release State
   * Change`, CUTOVER_EVENT_BUS); they may put events on it and nowhere else.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Notifications for people: an SNS topic fed by a rule on the release
   * events (see ReleaseNotifications), or `false` for none.
   * @default - a topic (KMS-encrypted, SSL only) notified of every state change, no subscription
   */
  readonly notifications?: Omit<ReleaseNotificationsProps, 'eventBus' | 'stateMachineName'> | false;
}

/**
 * Blue-green releases of Lambda functions: a Step Functions Standard state
 * machine (statemachine/release.asl.json) driving one small function per
 * Task state, a DynamoDB ledger for locks and history, least-privilege roles.
 */
export class ReleaseOrchestrator extends Construct {
  /** The release workflow. */
  public readonly stateMachine: sfn.StateMachine;
  /** The ledger: per-target locks and the release history (`pk`, `sk`). */
  public readonly table: dynamodb.Table;
  /** The Task functions, keyed by folder under functions/ (`validate-input`, …). */
  public readonly functions: Record<string, NodejsFunction>;
  /** The state machine's execution log group (`/aws/vendedlogs/states/<name>`). */
  public readonly logGroup: logs.LogGroup;
  /** The state machine's name (a plain string, usable where its ARN token is not). */
  public readonly stateMachineName: string;
  /** Where release events go. */
  public readonly eventBus: events.IEventBus;
  /** The SNS topic for people and its rule (unless `notifications: false`). */
  public readonly notifications?: ReleaseNotifications;
  /** Ends a release whose execution was stopped, timed out or failed outside a Catch (functions/reconcile-release). */
  public readonly reconciler: NodejsFunction;
  /** The rule that runs the reconciler on this state machine's ABORTED, TIMED_OUT and FAILED status changes. */
  public readonly reconcileRule: events.Rule;

  public constructor(scope: Construct, id: string, props: ReleaseOrchestratorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stateMachineName = props.stateMachineName ?? DEFAULT_STATE_MACHINE_NAME;
    const alarmPrefix = props.alarmPrefix ?? DEFAULT_ALARM_PREFIX;
    const managed = managedFunctionsOf(stack, props.managedFunctions, (props.managedEndpoints ?? []).length > 0 && (props.managedStages ?? []).length === 0);
    validateName('stateMachineName', stateMachineName, /^[A-Za-z0-9_-]{1,80}$/, 'letters, digits, - and _, at most 80');
    validateName('alarmPrefix', alarmPrefix, /^[A-Za-z0-9_.-]+$/, 'letters, digits, ., - and _ (no wildcard)');
    if (!Token.isUnresolved(alarmPrefix) && alarmPrefix.length > MAX_ALARM_PREFIX) {
      // <prefix><execution name, up to 80>-<suffix> must fit CloudWatch's AlarmName (at most 255 characters).
      throw new Error(
        `ReleaseOrchestrator: alarmPrefix must be at most ${MAX_ALARM_PREFIX} characters, so that release alarm names (prefix + execution name of up to 80 + "-output-schema") fit CloudWatch's 255; got ${alarmPrefix.length} characters (${JSON.stringify(alarmPrefix.slice(0, 40))}…): shorten it`,
      );
    }
    const defaults = normalizeDefaults(props.defaults);
    const goldenSets = (props.goldenSetBuckets ?? []).map(validateGoldenSet);
    this.stateMachineName = stateMachineName;
    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultEventBus', 'default');

    this.table = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? DEFAULT_TABLE_REMOVAL_POLICY,
    });

    const scopeArns: PermissionScope = {
      tableArn: this.table.tableArn,
      executionsArn: stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      functionArns: managed.map((m) => m.arn),
      functionVersionArns: managed.map((m) => `${m.arn}:*`),
      releaseAlarmsArn: stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: `${alarmPrefix}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      goldenSetObjectArns: goldenSets.map((g) =>
        stack.formatArn({
          service: 's3',
          region: '',
          account: '',
          resource: g.bucketName,
          resourceName: `${g.prefix}*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
      eventBusArn: this.eventBus.eventBusArn,
      ...targetScope(stack, props),
    };

    const environment: Record<string, string> = {
      LEDGER_TABLE_NAME: this.table.tableName,
      POWERTOOLS_SERVICE_NAME: 'cutover',
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? DEFAULT_LOG_LEVEL,
      CUTOVER_ALARM_PREFIX: alarmPrefix,
      CUTOVER_EVENT_BUS: this.eventBus.eventBusName,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const managedStagesEnvironment = { CUTOVER_MANAGED_STAGES: JSON.stringify((props.managedStages ?? []).map((m) => ({ restApiId: m.restApiId, stageName: m.stageName }))) };
    const validateInputEnvironment: Record<string, string> = {
      CUTOVER_MANAGED_FUNCTIONS: stack.toJsonString(managed.map((m) => m.name)),
      // Always set: a SageMaker or API Gateway release is rejected by name when none is managed.
      CUTOVER_MANAGED_ENDPOINTS: JSON.stringify(props.managedEndpoints ?? []),
      ...managedStagesEnvironment,
      // Lambda does not tell a function its account: ValidateInput rejects targets of other accounts.
      CUTOVER_ACCOUNT_ID: stack.account,
      ...(props.allowUnwatchedReleases ? { CUTOVER_ALLOW_UNWATCHED: 'true' } : {}),
      ...(defaults ? { CUTOVER_DEFAULTS: stack.toJsonString(defaults) } : {}),
    };

    const functions: Record<string, NodejsFunction> = {};
    for (const spec of TASK_FUNCTIONS) {
      functions[spec.folder] = this.buildFunction(spec, scopeArns, {
        ...environment,
        ...(spec.folder === 'validate-input' ? validateInputEnvironment : {}),
        ...(spec.managedStagesEnv ? managedStagesEnvironment : {}),
      });
    }
    this.functions = functions;

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: LOG_RETENTION,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(checkPlaceholders(ASL_FILE)),
      definitionSubstitutions: Object.fromEntries(
        TASK_FUNCTIONS.map((spec) => [spec.substitution, functions[spec.folder].functionArn]),
      ),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // fromFile gives the CDK no Task states to infer permissions from.
    for (const spec of TASK_FUNCTIONS) functions[spec.folder].grantInvoke(this.stateMachine);

    // "Step Functions sends the following events directly to EventBridge: Step Functions Execution Status Change"
    // (default bus, source aws.states) — https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html
    this.reconciler = this.buildFunction(RECONCILER_FUNCTION, scopeArns, { ...environment, ...managedStagesEnvironment });
    this.reconcileRule = new events.Rule(this, 'ReconcileOnEnd', {
      description: 'Cutover: bring a stopped, timed-out or failed release to a known-good end',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: [...RECONCILED_EXECUTION_STATUSES] },
      },
      // Lambda's asynchronous invocation retries a failed run twice; EventBridge retries a delivery that fails.
      targets: [new eventTargets.LambdaFunction(this.reconciler, { retryAttempts: 8 })],
    });

    if (props.notifications !== false) {
      this.notifications = new ReleaseNotifications(this, 'Notifications', { ...props.notifications, eventBus: this.eventBus, stateMachineName });
    }

    acknowledgeWildcardResources(
      this.stateMachine,
      ['*'],
      'Step Functions needs logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, ' +
        'PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups, and X-Ray PutTraceSegments, PutTelemetryRecords, ' +
        'GetSamplingRules and GetSamplingTargets, on "*" to deliver execution logs and traces; none of them supports resource-level permissions.',
    );
    acknowledgeWildcardResources(
      this.stateMachine,
      TASK_FUNCTIONS.map((spec) => `${functions[spec.folder].functionArn}:*`),
      "grantInvoke covers the versions and aliases of Cutover's own Task functions (function ARN + ':*'); " +
        'the ASL invokes the unqualified ARNs and no other function is reachable.',
    );
  }

  private buildFunction(spec: FunctionSpec, scopeArns: PermissionScope, environment: Record<string, string>): NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${spec.task}Logs`, { retention: LOG_RETENTION });
    const role = new iam.Role(this, `${spec.task}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${spec.description} (execution role)`,
    });
    // The basic execution permissions, for its own log group only (no AWS managed policy).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const statements = [...ledgerStatements(spec.ledger, scopeArns), ...spec.permissions.flatMap((p) => statementsFor(p, scopeArns))];
    for (const statement of statements) role.addToPrincipalPolicy(statement);

    const fn = new NodejsFunction(this, spec.task, {
      ...FUNCTION_DEFAULTS,
      description: spec.description,
      entry: requireFile(path.join(PROJECT_ROOT, 'functions', spec.folder, 'handler.ts')),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      timeout: spec.timeout ?? FUNCTION_DEFAULTS.timeout,
      role,
      logGroup,
      environment,
      bundling: BUNDLING_DEFAULTS,
    });

    acknowledge(
      fn,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the handlers, @middy/core 6 and the bundled SDK are built and tested for Node 22 (esbuild target node22); ' +
        'moving to a newer runtime is a deliberate, tested change rather than a silent one.',
    );
    acknowledgeWildcardResources(
      role,
      ['*'],
      spec.permissions.includes('cloudwatch:describe-alarms')
        ? 'Only read-only or telemetry actions are on "*": cloudwatch:DescribeAlarms (read-only) and the X-Ray PutTraceSegments / ' +
            'PutTelemetryRecords added by active tracing; none of them supports resource-level permissions.'
        : 'Only the X-Ray PutTraceSegments / PutTelemetryRecords actions added by active tracing are on "*"; X-Ray does not support ' +
            'resource-level permissions for them.',
    );
    const granted = new Set(statements.flatMap((s) => s.resources));
    for (const [resources, reason] of scopedWildcardReasons(scopeArns)) {
      acknowledgeWildcardResources(role, resources.filter((r) => granted.has(r)), reason);
    }
    return fn;
  }
}

/** The scoped wildcards a role may hold, each with why it cannot be narrower. */
function scopedWildcardReasons(scopeArns: PermissionScope): [readonly string[], string][] {
  return [
    [
      scopeArns.functionVersionArns,
      'Versions and aliases of the managed functions only ("<function ARN>:*"): a release publishes, invokes, shifts and retires ' +
        'versions whose numbers are unknown at deploy time.',
    ],
    [
      [scopeArns.releaseAlarmsArn],
      'Release alarms only ("alarm:<alarmPrefix>*"): their names derive from the execution name, unknown at deploy time; ' +
        'Cutover never creates or deletes an alarm outside its prefix.',
    ],
    [
      [scopeArns.executionsArn],
      'Executions of this state machine only ("execution:<stateMachineName>:*"): AcquireLock checks whether the execution ' +
        'holding a lock is still running; execution names are unknown at deploy time.',
    ],
    [
      scopeArns.goldenSetObjectArns,
      'Golden-set objects only ("<bucket>/<prefix>*", read-only s3:GetObject): the golden set to read is named in each release input.',
    ],
    [
      [scopeArns.releaseEndpointConfigsArn, scopeArns.releaseModelsArn].filter((a): a is string => a !== undefined),
      'SageMaker endpoint configs and models Cutover creates only ("endpoint-config/cutover-*", "model/cutover-*"): their names derive ' +
        'from the execution name, unknown at deploy time; Cutover never creates, updates to or deletes a config or model outside this prefix.',
    ],
    [
      [scopeArns.anyEndpointConfigArn, scopeArns.anyModelArn].filter((a): a is string => a !== undefined),
      'Read-only sagemaker:DescribeEndpointConfig / DescribeModel on any config or model: the live (blue) endpoint config and an existing ' +
        'green model are named by the user, not by Cutover, and only these Describe calls reach them.',
    ],
  ];
}

/** The SageMaker and API Gateway ARNs of the managed endpoints and stages (none when there are none). */
function targetScope(stack: Stack, props: ReleaseOrchestratorProps): Partial<PermissionScope> {
  const endpoints = [...new Set(props.managedEndpoints ?? [])];
  for (const e of endpoints) validateName('managedEndpoints', e, /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'SageMaker endpoint names (letters, digits and -, at most 63), not ARNs');
  const stages = props.managedStages ?? [];
  for (const st of stages) {
    validateName('managedStages.restApiId', st.restApiId, /^[a-z0-9]{10}$/, 'REST API ids (10 lowercase letters and digits)');
    validateName('managedStages.stageName', st.stageName, /^[A-Za-z0-9_-]{1,128}$/, 'stage names (letters, digits, - and _)');
  }
  const roles = props.sagemakerExecutionRoleArns ?? [];
  for (const r of roles) validateName('sagemakerExecutionRoleArns', r, /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9_+=,.@\/-]+$/, 'IAM role ARNs (no wildcard)');
  const sagemaker = (resource: string, name: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  return {
    // SageMaker writes its ARNs in lower case.
    endpointArns: endpoints.map((e) => sagemaker('endpoint', e.toLowerCase())),
    ...(endpoints.length > 0
      ? {
          releaseEndpointConfigsArn: sagemaker('endpoint-config', `${SAGEMAKER_NAME_PREFIX}*`),
          releaseModelsArn: sagemaker('model', `${SAGEMAKER_NAME_PREFIX}*`),
          anyEndpointConfigArn: sagemaker('endpoint-config', '*'),
          anyModelArn: sagemaker('model', '*'),
          modelRoleArns: roles,
        }
      : {}),
    stageArns: stages.map((st) =>
      stack.formatArn({ service: 'apigateway', account: '', resource: '/restapis', resourceName: `${st.restApiId}/stages/${st.stageName}`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    ),
  };
}

interface ManagedFunction {
  readonly name: string;
  readonly arn: string;
}

function managedFunctionsOf(stack: Stack, managed: lambda.IFunction[] | string[] | undefined, endpointsOnly: boolean): ManagedFunction[] {
  if (managed !== undefined && !Array.isArray(managed)) throw new Error('ReleaseOrchestrator: managedFunctions must be an array of Lambda functions or their names');
  // An orchestrator of SageMaker endpoints alone needs no function (an API Gateway stage selects a version of one).
  if ((managed ?? []).length === 0 && endpointsOnly) return [];
  if (!managed || managed.length === 0) {
    throw new Error(
      'ReleaseOrchestrator: managedFunctions must list at least one Lambda function (a function or its name), ' +
        "e.g. managedFunctions: ['ai-handler'], unless it only releases SageMaker endpoints (managedEndpoints); " +
        'Cutover only releases what it is given.',
    );
  }
  const seen = new Map<string, ManagedFunction>();
  for (const item of managed as (lambda.IFunction | string)[]) {
    if (typeof item === 'string') {
      validateName('managedFunctions', item, /^[A-Za-z0-9_-]{1,64}$/, 'Lambda function names (letters, digits, - and _, at most 64), not ARNs');
      const arn = stack.formatArn({ service: 'lambda', resource: 'function', resourceName: item, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      seen.set(item, { name: item, arn });
    } else {
      // A version or an alias is an IFunction too: manage the function behind it.
      const fn = (item as Partial<lambda.IVersion>).lambda ?? item;
      seen.set(fn.functionArn, { name: fn.functionName, arn: fn.functionArn });
    }
  }
  return [...seen.values()];
}

function validateName(prop: string, value: string, pattern: RegExp, expected: string): void {
  if (Token.isUnresolved(value)) return;
  if (!pattern.test(value)) {
    throw new Error(`ReleaseOrchestrator: ${prop} must be ${expected}; got ${JSON.stringify(value)}`);
  }
}

function validateGoldenSet(location: GoldenSetLocation): Required<GoldenSetLocation> {
  const bucketName = location.bucketName;
  validateName('goldenSetBuckets[].bucketName', bucketName, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (not an ARN or URI)');
  const prefix = (location.prefix ?? '').replace(/^\/+/, '');
  if (!Token.isUnresolved(prefix) && /[*?]/.test(prefix)) {
    throw new Error(`ReleaseOrchestrator: goldenSetBuckets[].prefix must not contain wildcards; got ${JSON.stringify(location.prefix)}`);
  }
  return { bucketName, prefix };
}

/**
 * The defaults with empty groups dropped, checked against the same bounds as
 * the release input (so a typo fails `cdk synth`, not the first release);
 * undefined when nothing is set.
 */
export function normalizeDefaults(defaults: ReleaseDefaults | undefined): ReleaseDefaults | undefined {
  if (!defaults) return undefined;
  const out: Record<string, Record<string, number>> = {};
  for (const [group, values] of Object.entries(defaults as Record<string, Record<string, number | undefined> | undefined>)) {
    const defaultable = (DEFAULTABLE as Record<string, { schema: z.ZodObject; keys: readonly string[] }>)[group];
    if (!defaultable) throw new Error(`ReleaseOrchestrator: defaults.${group} is not a release default (use ${Object.keys(DEFAULTABLE).join(', ')})`);
    for (const [key, value] of Object.entries(values ?? {})) {
      if (value === undefined) continue;
      if (!defaultable.keys.includes(key)) {
        throw new Error(`ReleaseOrchestrator: defaults.${group}.${key} is not a release default (use ${defaultable.keys.join(', ')})`);
      }
      if (!Token.isUnresolved(value)) checkAgainstSchema(`defaults.${group}.${key}`, value, defaultable.schema.shape[key] as z.ZodType);
      (out[group] ??= {})[key] = value;
    }
  }
  const period = out.alarms?.periodSeconds;
  // The default bake must let the release alarms judge green (ValidateInput refuses each release otherwise).
  const bake = out.bake?.seconds ?? BUILT_IN_RELEASE_DEFAULTS.bake.seconds;
  const judgedPeriod = period ?? BUILT_IN_RELEASE_DEFAULTS.alarms.periodSeconds;
  if (!Token.isUnresolved(bake) && !Token.isUnresolved(judgedPeriod) && bake > 0 && bake < shortestJudgedWindow(judgedPeriod)) {
    throw new Error(
      `ReleaseOrchestrator: defaults.bake.seconds ${bake} is too short for the release alarms to judge green with alarms.periodSeconds ${judgedPeriod}: use at least ${shortestJudgedWindow(judgedPeriod)}, or a shorter defaults.alarms.periodSeconds`,
    );
  }
  return Object.keys(out).length === 0 ? undefined : (out as ReleaseDefaults);
}

/**
 * A default is checked by the release input's own schema for that field (never a copy of its bounds), and
 * the error says the bounds the schema has, in the construct's words.
 */
function checkAgainstSchema(name: string, value: number, field: z.ZodType): void {
  const result = field.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0];
  const inner = (field instanceof z.ZodDefault ? field.unwrap() : field) as z.ZodType;
  const rangeIssue = issue && ['too_small', 'too_big', 'invalid_type'].includes(issue.code);
  if (rangeIssue && inner instanceof z.ZodNumber && inner.minValue !== null && inner.maxValue !== null) {
    const [min, max] = [inner.minValue, inner.maxValue];
    // .gt/.lt/.positive leave minValue/maxValue at the excluded bound itself.
    const [minOut, maxOut] = [!inner.safeParse(min).success, !inner.safeParse(max).success];
    const bounds =
      minOut && maxOut ? `strictly between ${min} and ${max}` : !minOut && !maxOut ? `from ${min} to ${max}` : `${minOut ? `greater than ${min}` : `at least ${min}`} and ${maxOut ? `below ${max}` : `at most ${max}`}`;
    throw new Error(`ReleaseOrchestrator: ${name} must be ${inner.isInt ? 'an integer' : 'a number'} ${bounds}; got ${JSON.stringify(value)}`);
  }
  throw new Error(`ReleaseOrchestrator: ${name} ${issue?.message ?? 'is not valid'}`);
}

/** The `${Name}` placeholders of an ASL document, sorted. */
export function aslPlaceholders(asl: string): string[] {
  return [...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();
}

/**
 * The ASL file, once each of its placeholders has a function and each function
 * a placeholder: CloudFormation would accept a mismatch and leave a literal
 * `${…}` as a Task resource, which fails only when the state machine is created.
 */
function checkPlaceholders(file: string): string {
  const placeholders = aslPlaceholders(fs.readFileSync(requireFile(file), 'utf8'));
  const substitutions = TASK_FUNCTIONS.map((spec) => spec.substitution);
  const unbound = placeholders.filter((p) => !substitutions.includes(p));
  const unused = substitutions.filter((s) => !placeholders.includes(s));
  if (unbound.length > 0 || unused.length > 0) {
    throw new Error(
      `ReleaseOrchestrator: ${path.relative(PROJECT_ROOT, file)} and the Task functions (infra/defaults.ts) disagree: ` +
        [
          unbound.length > 0 ? `placeholders without a function: ${unbound.map((p) => '${' + p + '}').join(', ')}` : '',
          unused.length > 0 ? `functions without a placeholder: ${unused.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
    );
  }
  return file;
}

function requireFile(file: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`ReleaseOrchestrator: ${path.relative(PROJECT_ROOT, file)} is missing (the construct builds from this repository's files)`);
  }
  return file;
}
