/**
 * The fault matrix as data: per target kind, which Task (or the CLI) calls
 * which AWS operations, and at which points of the lifecycle it runs. Cases
 * are generated from it (× the four fault kinds), so another target kind is
 * one more entry in TARGET_KINDS, not more test code.
 *
 * The operations were read from the code (functions/<task>/<task>.ts, the
 * ledger, the routers, core/manual-rollback.ts);
 * test/faults/fault-matrix.test.ts checks the table against what each Task
 * actually sends in the sandbox (`uncoveredCalls`), so it cannot silently go stale.
 */

export type FaultKind = 'throttle' | '5xx' | 'latency' | 'access-denied';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', '5xx', 'latency', 'access-denied'];

/** Where in a release the fault is armed. */
export type LifecyclePoint = 'before-switch' | 'bake' | 'retention' | 'rollback';
export const LIFECYCLE_POINTS: readonly LifecyclePoint[] = ['before-switch', 'bake', 'retention', 'rollback'];

/** As the sandbox's fault injector names them (sandbox/faults.ts). */
export type Service = 'lambda' | 'cloudwatch' | 'dynamodb' | 'stepfunctions' | 's3' | 'sagemaker' | 'sagemaker-runtime' | 'apigateway';

export interface Operation {
  service: Service;
  operation: string;
}

/**
 * How the release runs:
 *  - `success`: nothing goes wrong but the fault; the release should succeed;
 *  - `alarm-rollback`: a user alarm breaches at the first bake check, so the
 *    release rolls back to blue (the rollback path);
 *  - `manual-rollback`: `cutover rollback` (core/manual-rollback.ts)
 *    runs at the first bake check;
 *  - `prepare-crash`: PrepareGreen's function dies after publishing green
 *    (its answer is lost), so Decommission must find the orphan by its
 *    description and delete it (the release fails, nothing moved).
 */
export type Scenario = 'success' | 'alarm-rollback' | 'manual-rollback' | 'prepare-crash';

/** When the fault is armed: at a Task's invocation (matched by its input), or around the CLI's rollback. */
export type Trigger =
  | { task: string; phase?: 'bake' | 'retention' }
  | { cli: 'manual-rollback' };

export interface CallerRow {
  /** The Task state (or `cutover rollback (CLI)`, or `<Task> (Task invoke)` for the orchestrator's own Invoke). */
  caller: string;
  point: LifecyclePoint;
  scenario: Scenario;
  trigger: Trigger;
  operations: Operation[];
  /**
   * `scoped-invoke`: the fault hits only Invokes of one function (the AI
   * service, or one Task's function), not every Invoke in the sandbox: the
   * sandbox's injector matches by operation, and a permanent AccessDenied on
   * every Invoke would stop the orchestrator itself.
   */
  invokeScope?: 'target' | 'task';
  /** Extra set-up: a lock left by an execution that has ended (AcquireLock's takeover path). */
  setup?: 'stale-lock' | 'delete-blue-version';
  /** Why the row exists, for the report. */
  note?: string;
}

const op = (service: Service, ...operations: string[]): Operation[] => operations.map((operation) => ({ service, operation }));
const ledgerWrite = op('dynamodb', 'UpdateItem');
/** A Task's check that its execution still holds the target's lock (functions/kit/fence.ts). */
const fence = op('dynamodb', 'GetItem');
/** PrepareGreen's writer lease on a Lambda function's $LATEST (taken, then given back). */
const writerLease = op('dynamodb', 'PutItem', 'DeleteItem');

/**
 * What one target kind's router calls (targets/<kind>.ts), per Task. Everything else a
 * Task calls (the ledger, the lock, the alarms, S3) is the same for every kind: `rowsOf` adds it.
 */
interface RouterCalls {
  /** PrepareGreen: make green ready without moving traffic. */
  prepare: Operation[];
  /** CheckGreenReady (targets whose green takes time to deploy: the SageMaker endpoint update). */
  readiness?: Operation[];
  /** SmokeTestGreen calling green and blue directly. */
  smokeInvoke: Pick<CallerRow, 'operations' | 'invokeScope' | 'note'>;
  /** Decommission of what a crashed PrepareGreen made (discardOrphans). */
  discardOrphans: Operation[];
  /** ShiftTraffic's move, RollBackToBlue's and the CLI's (read, then write the route). */
  route: Operation[];
  /**
   * The extra work of the check that enters retention (SageMaker: blue down to its standby count). That
   * check is the bake's last, so the fault is armed at the first bake check: nothing else calls these
   * operations before it.
   */
  retain?: Operation[];
  /** Decommission retiring blue (after a release) or green (after a rollback). */
  decommission: Operation[];
  /** What retiring green adds (Lambda: $LATEST's artifact variable back to blue's value). */
  retireGreen?: Operation[];
}

/** Every handler and what it calls for one target kind, by lifecycle point. */
function rowsOf(r: RouterCalls): CallerRow[] {
  return [
    // ---- before the switch --------------------------------------------------------
    { caller: 'ValidateInput', point: 'before-switch', scenario: 'success', trigger: { task: 'ValidateInput' }, operations: op('cloudwatch', 'DescribeAlarms'), note: 'checks the user alarms exist' },
    { caller: 'AcquireLock', point: 'before-switch', scenario: 'success', trigger: { task: 'AcquireLock' }, operations: [...op('dynamodb', 'PutItem'), ...ledgerWrite] },
    {
      caller: 'AcquireLock (stale lock)',
      point: 'before-switch',
      scenario: 'success',
      trigger: { task: 'AcquireLock' },
      setup: 'stale-lock',
      operations: [...op('dynamodb', 'GetItem'), ...op('stepfunctions', 'DescribeExecution')],
      note: 'takes over a lock whose owner has ended',
    },
    {
      caller: 'PrepareGreen',
      point: 'before-switch',
      scenario: 'success',
      trigger: { task: 'PrepareGreen' },
      operations: [...fence, ...r.prepare, ...ledgerWrite],
      note: 'reads the lock first: a stale execution writes nothing',
    },
    ...(r.readiness
      ? [
          { caller: 'CheckGreenReady', point: 'before-switch', scenario: 'success', trigger: { task: 'CheckGreenReady' }, operations: [...r.readiness, ...ledgerWrite], note: 'the first poll of the readiness loop' },
          { caller: 'CheckGreenReady (Task invoke)', point: 'before-switch', scenario: 'success', trigger: { task: 'CheckGreenReady' }, operations: op('lambda', 'Invoke'), invokeScope: 'task' },
        ] satisfies CallerRow[]
      : []),
    { caller: 'SmokeTestGreen', point: 'before-switch', scenario: 'success', trigger: { task: 'SmokeTestGreen' }, operations: [...op('s3', 'GetObject'), ...ledgerWrite] },
    { caller: 'SmokeTestGreen', point: 'before-switch', scenario: 'success', trigger: { task: 'SmokeTestGreen' }, ...r.smokeInvoke },
    {
      caller: 'Decommission (orphan green)',
      point: 'before-switch',
      scenario: 'prepare-crash',
      trigger: { task: 'Decommission' },
      operations: [...fence, ...r.discardOrphans, ...ledgerWrite],
      note: 'PrepareGreen made green, then its function crashed',
    },
    { caller: 'ArmAlarms', point: 'before-switch', scenario: 'success', trigger: { task: 'ArmAlarms' }, operations: [...op('cloudwatch', 'DescribeAlarms', 'PutMetricAlarm'), ...ledgerWrite] },
    {
      caller: 'ShiftTraffic',
      point: 'before-switch',
      scenario: 'success',
      trigger: { task: 'ShiftTraffic' },
      operations: [...op('dynamodb', 'GetItem'), ...r.route, ...ledgerWrite],
      note: 'reads the ledger first: a manual rollback asked before the switch stops it',
    },
    { caller: 'ShiftTraffic (Task invoke)', point: 'before-switch', scenario: 'success', trigger: { task: 'ShiftTraffic' }, operations: op('lambda', 'Invoke'), invokeScope: 'task' },
    // ---- bake -----------------------------------------------------------------------
    { caller: 'CheckAlarms', point: 'bake', scenario: 'success', trigger: { task: 'CheckAlarms', phase: 'bake' }, operations: [...op('cloudwatch', 'DescribeAlarms'), ...op('dynamodb', 'GetItem'), ...ledgerWrite] },
    { caller: 'CheckAlarms (Task invoke)', point: 'bake', scenario: 'success', trigger: { task: 'CheckAlarms', phase: 'bake' }, operations: op('lambda', 'Invoke'), invokeScope: 'task' },
    // ---- retention (and its end: blue retired) -----------------------------------------
    {
      caller: 'CheckAlarms',
      point: 'retention',
      scenario: 'success',
      trigger: { task: 'CheckAlarms', phase: 'retention' },
      operations: [...op('cloudwatch', 'DescribeAlarms'), ...op('dynamodb', 'GetItem'), ...ledgerWrite],
    },
    ...(r.retain
      ? [
          {
            caller: 'CheckAlarms (standby)',
            point: 'retention',
            scenario: 'success',
            trigger: { task: 'CheckAlarms', phase: 'bake' },
            operations: r.retain,
            note: 'the check that enters retention scales blue down to its standby count',
          } satisfies CallerRow,
        ]
      : []),
    { caller: 'CheckAlarms (Task invoke)', point: 'retention', scenario: 'success', trigger: { task: 'CheckAlarms', phase: 'retention' }, operations: op('lambda', 'Invoke'), invokeScope: 'task' },
    {
      caller: 'Decommission (blue)',
      point: 'retention',
      scenario: 'success',
      trigger: { task: 'Decommission' },
      setup: 'delete-blue-version',
      operations: [...op('cloudwatch', 'DescribeAlarms', 'DeleteAlarms'), ...fence, ...r.decommission, ...ledgerWrite],
      note: 'with decommission.deleteBlueVersion, so that blue is deleted',
    },
    { caller: 'ReleaseLock', point: 'retention', scenario: 'success', trigger: { task: 'ReleaseLock' }, operations: op('dynamodb', 'DeleteItem') },
    { caller: 'RecordOutcome', point: 'retention', scenario: 'success', trigger: { task: 'RecordOutcome' }, operations: ledgerWrite },
    // ---- rollback -------------------------------------------------------------------
    {
      caller: 'RollBackToBlue',
      point: 'rollback',
      scenario: 'alarm-rollback',
      trigger: { task: 'RollBackToBlue' },
      operations: [...op('dynamodb', 'GetItem'), ...r.route, ...ledgerWrite],
      note: 'reads the lock first: a stale execution moves no traffic',
    },
    { caller: 'RollBackToBlue (Task invoke)', point: 'rollback', scenario: 'alarm-rollback', trigger: { task: 'RollBackToBlue' }, operations: op('lambda', 'Invoke'), invokeScope: 'task' },
    {
      caller: 'Decommission (green)',
      point: 'rollback',
      scenario: 'alarm-rollback',
      trigger: { task: 'Decommission' },
      operations: [...op('cloudwatch', 'DescribeAlarms', 'DeleteAlarms'), ...fence, ...(r.retireGreen ?? []), ...r.decommission, ...ledgerWrite],
    },
    { caller: 'ReleaseLock', point: 'rollback', scenario: 'alarm-rollback', trigger: { task: 'ReleaseLock' }, operations: op('dynamodb', 'DeleteItem') },
    { caller: 'RecordOutcome', point: 'rollback', scenario: 'alarm-rollback', trigger: { task: 'RecordOutcome' }, operations: ledgerWrite },
    {
      caller: 'cutover rollback (CLI)',
      point: 'rollback',
      scenario: 'manual-rollback',
      trigger: { cli: 'manual-rollback' },
      operations: [...op('dynamodb', 'GetItem', 'Query', 'UpdateItem'), ...r.route],
      note: 'faults last while the CLI runs (its own SDK retries, no request timeout)',
    },
  ];
}

/** Retiring a Lambda version nobody routes to (targets/lambda-versions.ts), after the router's own check of its route. */
const retireVersion = op('lambda', 'ListAliases', 'DeleteProvisionedConcurrencyConfig', 'DeleteFunction');
/** Green as a published Lambda version: $LATEST with the artifact, published. */
const publishVersion = op('lambda', 'GetFunctionConfiguration', 'UpdateFunctionConfiguration', 'PublishVersion');
/** After a failure: $LATEST's artifact variable back to blue's value (blue's, green's and $LATEST's configuration read first). */
const restoreArtifact = op('lambda', 'GetFunctionConfiguration', 'UpdateFunctionConfiguration');
/** Invokes of green's and blue's versions (golden set), not of the orchestrator. */
const invokeVersions: RouterCalls['smokeInvoke'] = { operations: op('lambda', 'Invoke'), invokeScope: 'target', note: 'Invoke of green and blue (golden set), not of the orchestrator' };

/** The Lambda-alias target (targets/lambda-alias.ts). */
const lambdaAlias = rowsOf({
  prepare: [...writerLease, ...op('lambda', 'GetAlias'), ...publishVersion],
  smokeInvoke: invokeVersions,
  discardOrphans: [...op('lambda', 'ListVersionsByFunction'), ...retireVersion],
  route: op('lambda', 'GetAlias', 'UpdateAlias'),
  decommission: retireVersion,
  retireGreen: restoreArtifact,
});

/**
 * The SageMaker-endpoint target (targets/sagemaker/): green is a second
 * variant added by an endpoint config (UpdateEndpoint, then the readiness loop), the switch is weights,
 * blue keeps one standby instance in retention (the rehearsal's target sets blueStandbyInstanceCount),
 * decommission is a config with the live variant only, then the old config and model go.
 */
const sagemakerEndpoint = rowsOf({
  prepare: op('sagemaker', 'DescribeEndpoint', 'DescribeEndpointConfig', 'CreateModel', 'CreateEndpointConfig', 'UpdateEndpoint'),
  readiness: op('sagemaker', 'DescribeEndpoint'),
  smokeInvoke: { operations: op('sagemaker-runtime', 'InvokeEndpoint'), note: 'InvokeEndpoint with TargetVariant green and blue (golden set)' },
  discardOrphans: op('sagemaker', 'DescribeEndpoint', 'DescribeEndpointConfig', 'ListTags', 'CreateEndpointConfig', 'UpdateEndpoint', 'DeleteEndpointConfig', 'DeleteModel'),
  route: op('sagemaker', 'DescribeEndpoint', 'UpdateEndpointWeightsAndCapacities'),
  retain: op('sagemaker', 'DescribeEndpoint', 'UpdateEndpointWeightsAndCapacities'),
  decommission: op('sagemaker', 'DescribeEndpoint', 'DescribeEndpointConfig', 'CreateEndpointConfig', 'UpdateEndpoint', 'DeleteEndpointConfig', 'DeleteModel'),
});

/**
 * The API Gateway-stage target (targets/api-gateway-stage.ts): green is a published
 * Lambda version API Gateway may invoke (AddPermission), the switch is an UpdateStage of the stage
 * variable, a version is retired once neither the stage nor an alias routes to it.
 */
const apigatewayStage = rowsOf({
  prepare: [...writerLease, ...op('apigateway', 'GetStage'), ...publishVersion, ...op('lambda', 'AddPermission')],
  smokeInvoke: invokeVersions,
  discardOrphans: [...op('lambda', 'ListVersionsByFunction'), ...op('apigateway', 'GetStage'), ...retireVersion],
  route: op('apigateway', 'GetStage', 'UpdateStage'),
  decommission: [...op('apigateway', 'GetStage'), ...retireVersion],
  retireGreen: restoreArtifact,
});

/** One entry per target kind (as release inputs name them); the harness releases each through the rehearsal's target of that kind. */
export const TARGET_KINDS: Record<string, CallerRow[]> = {
  'lambda-alias': lambdaAlias,
  'sagemaker-endpoint': sagemakerEndpoint,
  'apigateway-stage': apigatewayStage,
};

export interface FaultCase {
  id: string;
  targetKind: string;
  row: CallerRow;
  operation: Operation;
  kind: FaultKind;
}

/** Every (caller, operation) at every point it runs × every fault kind. */
export function allCases(kinds: readonly string[] = Object.keys(TARGET_KINDS)): FaultCase[] {
  const cases: FaultCase[] = [];
  for (const targetKind of kinds) {
    for (const row of TARGET_KINDS[targetKind] ?? []) {
      for (const operation of row.operations) {
        for (const kind of FAULT_KINDS) {
          cases.push({ id: caseId(targetKind, row, operation, kind), targetKind, row, operation, kind });
        }
      }
    }
  }
  return cases;
}

export function caseId(targetKind: string, row: CallerRow, operation: Operation, kind: FaultKind): string {
  return `${targetKind}/${row.point}/${row.caller}/${operation.service}.${operation.operation}/${kind}`;
}

/**
 * The FAST subset for `npm test`: every fault kind and every lifecycle point
 * at least once, on the operations that matter most at each point; for the
 * other target kinds, their own router's calls, one per fault kind.
 */
export const FAST_CASE_IDS = [
  'lambda-alias/before-switch/PrepareGreen/lambda.PublishVersion/access-denied',
  'lambda-alias/bake/CheckAlarms/cloudwatch.DescribeAlarms/5xx',
  'lambda-alias/retention/Decommission (blue)/lambda.DeleteFunction/throttle',
  'lambda-alias/rollback/RollBackToBlue/lambda.UpdateAlias/latency',
  'lambda-alias/rollback/cutover rollback (CLI)/dynamodb.UpdateItem/access-denied',
  'sagemaker-endpoint/before-switch/PrepareGreen/sagemaker.UpdateEndpoint/5xx',
  'sagemaker-endpoint/before-switch/Decommission (orphan green)/sagemaker.UpdateEndpoint/latency',
  'sagemaker-endpoint/retention/CheckAlarms (standby)/sagemaker.UpdateEndpointWeightsAndCapacities/throttle',
  'sagemaker-endpoint/rollback/RollBackToBlue/sagemaker.UpdateEndpointWeightsAndCapacities/access-denied',
  'apigateway-stage/before-switch/PrepareGreen/lambda.AddPermission/throttle',
  'apigateway-stage/before-switch/ShiftTraffic/apigateway.UpdateStage/access-denied',
  'apigateway-stage/retention/Decommission (blue)/apigateway.GetStage/5xx',
  'apigateway-stage/rollback/cutover rollback (CLI)/apigateway.UpdateStage/latency',
] as const;

/** The FAST cases (of one target kind, or all). */
export function fastCases(targetKind?: string): FaultCase[] {
  const all = new Map(allCases().map((c) => [c.id, c]));
  return FAST_CASE_IDS.filter((id) => !targetKind || id.startsWith(`${targetKind}/`)).map((id) => {
    const c = all.get(id);
    if (!c) throw new Error(`FAST case ${id} is not in the matrix`);
    return c;
  });
}

/**
 * Calls a Task was seen making (`observed`: Task → service.Operation) that no
 * row of the target kind lists for that Task. A Task's own invocation by Step
 * Functions (`<Task> (Task invoke)`) is sampled by the Task-invoke rows, and
 * the target's own calls (the AI service loading its model) are not Cutover's.
 */
export function uncoveredCalls(observed: ReadonlyMap<string, ReadonlySet<string>>, targetKind = 'lambda-alias'): string[] {
  const rows = TARGET_KINDS[targetKind] ?? [];
  const missing: string[] = [];
  for (const [who, calls] of observed) {
    if (who.endsWith('(Task invoke)') || !/^[A-Z]/.test(who)) continue;
    for (const call of calls) {
      const listed = rows.some((r) => r.caller.split(' ')[0] === who && r.operations.some((o) => `${o.service}.${o.operation}` === call));
      if (!listed) missing.push(`${who} calls ${call}`);
    }
  }
  return missing;
}
