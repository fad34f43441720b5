import type { ReleaseItem } from '../../core/ledger';
import type { CallerRow, FaultKind, Operation, Scenario } from './matrix';

/**
 * What every release must leave behind, whatever failed on the way:
 *  1. `ended`: the execution ended (no release stuck);
 *  2. `one-version`: 100 % of traffic on exactly one version;
 *  3. `known-good`: that version is green if the release succeeded, blue otherwise;
 *  4. `lock`: the lock released (no lock held by this execution);
 *  5. `ledger`: the ledger's outcome matches what is live (and the execution's status);
 *  6. `leftover-alarms` / `leftover-versions`: nothing Cutover created is left
 *     (release alarms deleted; green deleted after a failure; blue deleted only
 *     when asked), except the retained blue.
 *
 * A permanent AccessDenied on the very operation an invariant needs (UpdateAlias
 * to roll back, DeleteItem to unlock, UpdateItem to record, DeleteAlarms to clean
 * up) cannot be worked around by any orchestrator: such a case is `accepted`
 * only if the release says so where a person looks (the execution fails naming
 * the error, or the recorded outcome carries it as error or warning). Anything
 * else that breaks an invariant is a violation.
 */

export type Invariant = 'ended' | 'one-version' | 'known-good' | 'lock' | 'ledger' | 'leftover-alarms' | 'leftover-versions';

export interface Observed {
  split: Record<string, number>;
  lock?: { owner: string; ours: boolean; needsAttention?: boolean };
  item?: ReleaseItem;
  alarmsLeft: string[];
  /**
   * What this release created that is still there: Lambda versions whose description marks them as this
   * release's (`cutover <id>`); the SageMaker model, endpoint configs and variants named after it.
   */
  greenVersions: string[];
  greenFromLedger?: string;
  blueExists: boolean;
}

export interface JudgeInput {
  fault?: { kind: FaultKind; operation: Operation; row: CallerRow };
  scenario: Scenario;
  blue: string;
  deleteBlueVersion: boolean;
  ended: boolean;
  execution: { status: string; error?: string; cause?: string };
  observed: Observed;
  cliError?: string;
  /**
   * The release completed (bake and retention passed, Decommission retired blue),
   * as Decommission itself judged it from its input: whether green should be live,
   * even when the ledger could not be written to say so.
   */
  completed: boolean;
  /**
   * The execution was ended from outside (stopped, timed out): its reconciler decided the release's end, so
   * the execution's own status says nothing about it, and a release stopped before it was recorded may
   * have no item (nothing was locked or changed).
   */
  interrupted?: boolean;
  /** The outcomes allowed, when the case decides them rather than the scenario (the disruptions). */
  expected?: string[];
}

export interface CaseVerdict {
  /** Invariants broken with no excuse. */
  violations: { invariant: Invariant; detail: string }[];
  /** Invariants broken because the operation they need was denied, and the release reported it. */
  accepted: { invariant: Invariant; detail: string }[];
  /** The outcome differs from what the scenario gives without faults (only judged for transient faults). */
  unexpectedOutcome?: string;
  /** What was live at the end. */
  live: string;
}

const DONE = ['Succeeded', 'RolledBack', 'Failed', 'Rejected'];

/** What reads and moves the route, per target kind (a Lambda alias, a SageMaker endpoint's weights, an API Gateway stage). */
const ROUTE_OPS = [
  'lambda.GetAlias',
  'lambda.UpdateAlias',
  'sagemaker.DescribeEndpoint',
  'sagemaker.UpdateEndpointWeightsAndCapacities',
  'apigateway.GetStage',
  'apigateway.UpdateStage',
];

/**
 * The operations each invariant depends on, as `service.Operation`, and the Tasks whose invocation it needs.
 * Every target kind's operations are listed together: each names its service, so one kind's never excuses another's.
 */
const NEEDS: Record<Invariant, { ops: string[]; tasks: string[] }> = {
  ended: { ops: [], tasks: [] },
  'one-version': { ops: ROUTE_OPS, tasks: ['RollBackToBlue'] },
  'known-good': { ops: ROUTE_OPS, tasks: ['RollBackToBlue'] },
  lock: { ops: ['dynamodb.DeleteItem', 'dynamodb.UpdateItem'], tasks: ['ReleaseLock'] },
  ledger: { ops: ['dynamodb.UpdateItem'], tasks: ['RecordOutcome'] },
  'leftover-alarms': { ops: ['cloudwatch.DescribeAlarms', 'cloudwatch.DeleteAlarms'], tasks: ['Decommission'] },
  'leftover-versions': {
    ops: [
      'lambda.ListAliases',
      'lambda.ListVersionsByFunction',
      'lambda.DeleteFunction',
      'lambda.DeleteProvisionedConcurrencyConfig',
      // The API Gateway stage: a version is retired only once the stage no longer routes to it.
      'apigateway.GetStage',
      // The SageMaker endpoint: a variant leaves with an endpoint config of the live variant only, then its config and model go.
      'sagemaker.DescribeEndpoint',
      'sagemaker.DescribeEndpointConfig',
      'sagemaker.CreateEndpointConfig',
      'sagemaker.UpdateEndpoint',
      'sagemaker.DeleteEndpointConfig',
      'sagemaker.DeleteModel',
    ],
    tasks: ['Decommission'],
  },
};

/** The transient faults must not change the outcome: what each scenario ends with. */
export function expectedOutcome(scenario: Scenario, cliError: string | undefined): string {
  switch (scenario) {
    case 'success':
      return 'Succeeded';
    case 'alarm-rollback':
      return 'RolledBack';
    case 'manual-rollback':
      // The CLI failed before recording the request: the release goes on. Recorded (RollbackPending or done): it rolls back.
      return cliError && !cliError.startsWith('RollbackPending') ? 'Succeeded' : 'RolledBack';
    case 'prepare-crash':
      return 'Failed';
  }
}

function reported(input: JudgeInput): boolean {
  const item = input.observed.item;
  const outcome = item?.outcome as { error?: string; warning?: string; cause?: string } | undefined;
  if (input.execution.status === 'FAILED' && /AccessDenied/.test(`${input.execution.error} ${input.execution.cause}`)) return true;
  return Boolean(outcome && (/AccessDenied|denied|not authorized/i.test(`${outcome.warning ?? ''} ${outcome.cause ?? ''}`) || outcome.error === 'RollbackFailed'));
}

export function judge(input: JudgeInput): CaseVerdict {
  const { observed: o, execution } = input;
  const broken: { invariant: Invariant; detail: string }[] = [];
  const versions = Object.entries(o.split);
  const live = versions.length === 1 && versions[0]![1] === 100 ? versions[0]![0] : JSON.stringify(o.split);
  const status = o.item?.status;
  const succeeded = input.completed;
  const green = o.greenFromLedger ?? o.greenVersions[0];
  const rollbackFailed = o.item?.outcome?.error === 'RollbackFailed';

  if (!input.ended) broken.push({ invariant: 'ended', detail: 'the execution was still running at the case deadline' });
  if (versions.length !== 1 || versions[0]![1] !== 100) broken.push({ invariant: 'one-version', detail: `traffic split ${JSON.stringify(o.split)}` });
  const want = succeeded ? green : input.blue;
  if (!want || live !== want) broken.push({ invariant: 'known-good', detail: `live ${live}, expected ${succeeded ? `green ${green}` : `blue ${input.blue}`}` });
  // A rollback that could not restore blue keeps the lock, marked for a person; anything else frees it.
  if (rollbackFailed && !(o.lock?.ours && o.lock.needsAttention)) broken.push({ invariant: 'lock', detail: 'RollbackFailed, but the target is not held for a person' });
  else if (!rollbackFailed && o.lock?.ours) broken.push({ invariant: 'lock', detail: `the lock is still held by this execution` });

  // The ledger: a release rejected at ValidateInput has no item (nothing was changed); any other has an ended one matching what is live.
  const validateFailed = !o.item && (execution.status === 'FAILED' || input.interrupted) && !o.lock;
  if (!validateFailed) {
    if (!o.item) broken.push({ invariant: 'ledger', detail: 'no release item' });
    else if (!DONE.includes(o.item.status)) broken.push({ invariant: 'ledger', detail: `release item still ${o.item.status}` });
    else if (rollbackFailed) {
      // The ledger says the rollback failed and a person must check the router; the split it last recorded must be what is live.
      const pct = o.item.greenPercent;
      if (pct !== undefined && pct !== (live === green ? 100 : 0)) broken.push({ invariant: 'ledger', detail: `RollbackFailed with greenPercent ${pct} but ${live} is live` });
    } else {
      if ((o.item.status === 'Succeeded') !== succeeded) broken.push({ invariant: 'ledger', detail: `ledger ${o.item.status} but the release ${succeeded ? 'completed' : 'did not complete'}` });
      if (!input.interrupted && (o.item.status === 'Succeeded') !== (execution.status === 'SUCCEEDED')) broken.push({ invariant: 'ledger', detail: `ledger ${o.item.status} but execution ${execution.status}` });
      if (o.item.status === 'Succeeded' && live !== green) broken.push({ invariant: 'ledger', detail: `ledger Succeeded but ${live} is live, not green ${green}` });
      if (o.item.status !== 'Succeeded' && live !== input.blue) broken.push({ invariant: 'ledger', detail: `ledger ${o.item.status} but ${live} is live, not blue ${input.blue}` });
      const pct = o.item.greenPercent;
      if (pct !== undefined && pct !== (live === green ? 100 : 0)) broken.push({ invariant: 'ledger', detail: `ledger greenPercent ${pct} but ${live} is live` });
    }
  }

  if (o.alarmsLeft.length) broken.push({ invariant: 'leftover-alarms', detail: `alarms left: ${o.alarmsLeft.join(', ')}` });
  const strayGreen = o.greenVersions.filter((v) => !(succeeded && v === live));
  if (strayGreen.length) broken.push({ invariant: 'leftover-versions', detail: `green version ${strayGreen.join(', ')} left after ${status ?? execution.status}` });
  if (succeeded && !input.deleteBlueVersion && !o.blueExists) broken.push({ invariant: 'leftover-versions', detail: `retained blue ${input.blue} was deleted` });
  if (succeeded && input.deleteBlueVersion && o.blueExists) broken.push({ invariant: 'leftover-versions', detail: `blue ${input.blue} kept although deleteBlueVersion` });

  // Excuse only what the denied operation made impossible, and only if the release said so.
  const violations: CaseVerdict['violations'] = [];
  const accepted: CaseVerdict['accepted'] = [];
  const f = input.fault;
  const excused = (inv: Invariant) => {
    const needs = NEEDS[inv];
    const deniedOp = f && f.kind === 'access-denied' && !f.row.invokeScope && needs.ops.includes(`${f.operation.service}.${f.operation.operation}`);
    const deniedTask = f && f.kind === 'access-denied' && f.row.invokeScope === 'task' && needs.tasks.some((t) => f.row.caller.startsWith(t));
    return Boolean(deniedOp || deniedTask) && reported(input);
  };
  for (const b of broken) {
    // Green still live because the rollback was denied cannot be deleted either: the same excuse.
    const liveGreenKept = b.invariant === 'leftover-versions' && b.detail.startsWith(`green version ${live} `) && excused('known-good');
    if (excused(b.invariant) || liveGreenKept) accepted.push(b);
    else violations.push(b);
  }

  let unexpectedOutcome: string | undefined;
  // What happened, even when the ledger could not be written to say so.
  const outcome = status && DONE.includes(status) ? status : succeeded ? 'Succeeded' : 'Failed';
  const allowed = input.expected ?? (f?.kind === 'access-denied' ? allowedUnderDenial(f.row, input.scenario, input.cliError, f.operation) : [expectedOutcome(input.scenario, input.cliError)]);
  if (!allowed.includes(outcome)) {
    unexpectedOutcome = `${outcome}${o.item?.outcome?.error ? ` (${o.item.outcome.error})` : execution.error ? ` (${execution.error})` : ''}, expected ${allowed.join(' or ')}`;
  }
  return { violations, accepted, unexpectedOutcome, live };
}

/**
 * A permanent AccessDenied must stop a release that has not proved itself
 * (before the switch: Failed; during the bake or retention checks, or the
 * rollback: back on blue, or Failed when even that is denied), and must not
 * undo one that has (clean-up, unlock and record at the end: still Succeeded).
 */
export function allowedUnderDenial(row: CallerRow, scenario: Scenario, cliError: string | undefined, operation?: Operation): string[] {
  if (scenario === 'manual-rollback') return [expectedOutcome(scenario, cliError)];
  if (scenario === 'prepare-crash') return ['Failed'];
  // Giving PrepareGreen's writer lease back is for the next release of the function, not for this one: denied,
  // the lease expires with the invocation, and this release may go on (Failed is as good an answer).
  if (row.caller === 'PrepareGreen' && operation?.service === 'dynamodb' && operation.operation === 'DeleteItem') return ['Failed', 'Succeeded'];
  switch (row.point) {
    case 'before-switch':
      // ShiftTraffic is the switch itself: on any error the state machine rolls back to blue, whether or not traffic moved.
      return row.caller.startsWith('ShiftTraffic') ? ['Failed', 'RolledBack'] : ['Failed'];
    case 'bake':
      return ['RolledBack', 'Failed'];
    case 'retention':
      return row.caller.startsWith('CheckAlarms') ? ['RolledBack', 'Failed'] : ['Succeeded'];
    case 'rollback':
      return ['RolledBack', 'Failed'];
  }
}
