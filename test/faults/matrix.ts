/**
 * The fault matrix as data: per target kind, which Task (or the CLI) calls
 * which AWS operations, and at which points of the lifecycle it runs. Cases
 * are generated from it (× the four fault kinds), so another target kind is
 * one more entry in TARGET_KINDS, not more test code.
 *
 * The operations were read from the code (functions/<task>/<task>.ts, the
 * ledger, the Lambda router, functions/shared/manual-rollback.ts);
 * test/faults/fault-matrix.test.ts checks the table against what each Task
 * actually sends in the sandbox (`uncoveredCalls`), so it cannot silently go stale.
 */

export type FaultKind = 'throttle' | '5xx' | 'latency' | 'access-denied';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', '5xx', 'latency', 'access-denied'];

/** Where in a release the fault is armed. */
export type LifecyclePoint = 'before-switch' | 'bake' | 'retention' | 'rollback';
export const LIFECYCLE_POINTS: readonly LifecyclePoint[] = ['before-switch', 'bake', 'retention', 'rollback'];

export type Service = 'lambda' | 'cloudwatch' | 'dynamodb' | 'stepfunctions' | 's3';

export interface Operation {
  service: Service;
  operation: string;
}

/**
 * How the release runs:
 *  - `success`: nothing goes wrong but the fault; the release should succeed;
 *  - `alarm-rollback`: a user alarm breaches at the first bake check, so the
 *    release rolls back to blue (the rollback path);
 *  - `manual-rollback`: `cutover rollback` (functions/shared/manual-rollback.ts)
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

/** The Lambda-alias target: every handler and what it calls, by lifecycle point. */
const lambdaAlias: CallerRow[] = [
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
    operations: [...op('lambda', 'GetAlias', 'GetFunctionConfiguration', 'UpdateFunctionConfiguration', 'PublishVersion'), ...ledgerWrite],
  },
  { caller: 'SmokeTestGreen', point: 'before-switch', scenario: 'success', trigger: { task: 'SmokeTestGreen' }, operations: [...op('s3', 'GetObject'), ...ledgerWrite] },
  {
    caller: 'SmokeTestGreen',
    point: 'before-switch',
    scenario: 'success',
    trigger: { task: 'SmokeTestGreen' },
    operations: op('lambda', 'Invoke'),
    invokeScope: 'target',
    note: 'Invoke of green and blue (golden set), not of the orchestrator',
  },
  {
    caller: 'Decommission (orphan green)',
    point: 'before-switch',
    scenario: 'prepare-crash',
    trigger: { task: 'Decommission' },
    operations: [...op('lambda', 'ListVersionsByFunction', 'ListAliases', 'DeleteProvisionedConcurrencyConfig', 'DeleteFunction'), ...ledgerWrite],
    note: 'PrepareGreen published, then its function crashed',
  },
  { caller: 'ArmAlarms', point: 'before-switch', scenario: 'success', trigger: { task: 'ArmAlarms' }, operations: [...op('cloudwatch', 'DescribeAlarms', 'PutMetricAlarm'), ...ledgerWrite] },
  {
    caller: 'ShiftTraffic',
    point: 'before-switch',
    scenario: 'success',
    trigger: { task: 'ShiftTraffic' },
    operations: [...op('dynamodb', 'GetItem'), ...op('lambda', 'GetAlias', 'UpdateAlias'), ...ledgerWrite],
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
  { caller: 'CheckAlarms (Task invoke)', point: 'retention', scenario: 'success', trigger: { task: 'CheckAlarms', phase: 'retention' }, operations: op('lambda', 'Invoke'), invokeScope: 'task' },
  {
    caller: 'Decommission (blue)',
    point: 'retention',
    scenario: 'success',
    trigger: { task: 'Decommission' },
    setup: 'delete-blue-version',
    operations: [...op('cloudwatch', 'DescribeAlarms', 'DeleteAlarms'), ...op('lambda', 'ListAliases', 'DeleteProvisionedConcurrencyConfig', 'DeleteFunction'), ...ledgerWrite],
    note: 'with decommission.deleteBlueVersion, so that blue is deleted',
  },
  { caller: 'ReleaseLock', point: 'retention', scenario: 'success', trigger: { task: 'ReleaseLock' }, operations: op('dynamodb', 'DeleteItem') },
  { caller: 'RecordOutcome', point: 'retention', scenario: 'success', trigger: { task: 'RecordOutcome' }, operations: ledgerWrite },
  // ---- rollback -------------------------------------------------------------------
  { caller: 'RollBackToBlue', point: 'rollback', scenario: 'alarm-rollback', trigger: { task: 'RollBackToBlue' }, operations: [...op('lambda', 'GetAlias', 'UpdateAlias'), ...ledgerWrite] },
  { caller: 'RollBackToBlue (Task invoke)', point: 'rollback', scenario: 'alarm-rollback', trigger: { task: 'RollBackToBlue' }, operations: op('lambda', 'Invoke'), invokeScope: 'task' },
  {
    caller: 'Decommission (green)',
    point: 'rollback',
    scenario: 'alarm-rollback',
    trigger: { task: 'Decommission' },
    operations: [...op('cloudwatch', 'DescribeAlarms', 'DeleteAlarms'), ...op('lambda', 'ListAliases', 'DeleteProvisionedConcurrencyConfig', 'DeleteFunction'), ...ledgerWrite],
  },
  { caller: 'ReleaseLock', point: 'rollback', scenario: 'alarm-rollback', trigger: { task: 'ReleaseLock' }, operations: op('dynamodb', 'DeleteItem') },
  { caller: 'RecordOutcome', point: 'rollback', scenario: 'alarm-rollback', trigger: { task: 'RecordOutcome' }, operations: ledgerWrite },
  {
    caller: 'cutover rollback (CLI)',
    point: 'rollback',
    scenario: 'manual-rollback',
    trigger: { cli: 'manual-rollback' },
    operations: [...op('dynamodb', 'GetItem', 'Query', 'UpdateItem'), ...op('lambda', 'GetAlias', 'UpdateAlias')],
    note: 'faults last while the CLI runs (its own SDK retries, no request timeout)',
  },
];

/**
 * One entry per target kind. SageMaker endpoints and API Gateway stages are
 * being built (issue #5): their rows go here, with their own operations
 * (CreateEndpointConfig, UpdateEndpointWeightsAndCapacities, UpdateStage, …).
 */
export const TARGET_KINDS: Record<string, CallerRow[]> = {
  'lambda-alias': lambdaAlias,
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
 * at least once, on the operations that matter most at each point.
 */
export const FAST_CASE_IDS = [
  'lambda-alias/before-switch/PrepareGreen/lambda.PublishVersion/access-denied',
  'lambda-alias/bake/CheckAlarms/cloudwatch.DescribeAlarms/5xx',
  'lambda-alias/retention/Decommission (blue)/lambda.DeleteFunction/throttle',
  'lambda-alias/rollback/RollBackToBlue/lambda.UpdateAlias/latency',
  'lambda-alias/rollback/cutover rollback (CLI)/dynamodb.UpdateItem/access-denied',
] as const;

export function fastCases(): FaultCase[] {
  const all = new Map(allCases().map((c) => [c.id, c]));
  return FAST_CASE_IDS.map((id) => {
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
