import type { Scenario } from './matrix';

/**
 * The fault matrix's second table: not a failing AWS call, but the execution itself disrupted from
 * outside, and the two ways one function is shared. Judged by the same invariants (invariants.ts).
 *  - `stop`: StopExecution (the console's Stop button) while a Task's function runs, or just after it
 *    answered (the execution then waits in the next state); the reconciler must end the release.
 *  - `timeout`: the execution reaches its TimeoutSeconds there (ExecutionTimedOut, States.Timeout).
 *  - `redrive-after-takeover`: the execution is stopped (the reconciler ends it and frees the target),
 *    another release takes the target, and the stopped one is redriven during the other's bake: it must
 *    change nothing of the target, and the ledger must keep what the reconciler recorded.
 *  - `outage`: every route write of RollBackToBlue fails with 5xx, for a while (then it recovers) or for
 *    good (then the target is held for a person, and `cutover rollback` ends it).
 *  - `two-targets`: releases of two targets of one Lambda function (two aliases; an alias and the API
 *    Gateway stage) at the same time; each target must end on a version of its own release, with its
 *    own artifact, and a version one target still routes to is never deleted by the other's release.
 */
export type DisruptionKind = 'stop' | 'timeout' | 'redrive-after-takeover' | 'outage' | 'two-targets';

export interface Disruption {
  kind: DisruptionKind;
  /** Where: a Task state of release.asl.json, its phase (CheckAlarms) and the moment. */
  at?: { task: string; phase?: 'bake' | 'retention'; moment: 'running' | 'returned' };
  /** The release's own course (alarm-rollback: a user alarm breaches at the first bake check). */
  scenario: Scenario;
  /** The end statemachine/README.md "When the execution itself is stopped" gives that moment ('none': no release record, ValidateInput had not produced one). */
  expect: 'Succeeded' | 'RolledBack' | 'Failed' | 'none';
  /** outage: recovers / beyond-budget; two-targets: which pair and course. */
  variant?: string;
  /** Only for these target kinds (default all). */
  kinds?: readonly string[];
  note?: string;
}

export interface DisruptionCase {
  id: string;
  targetKind: string;
  d: Disruption;
}

const running = (task: string, phase?: 'bake' | 'retention') => ({ task, ...(phase ? { phase } : {}), moment: 'running' as const });
const returned = (task: string, phase?: 'bake' | 'retention') => ({ task, ...(phase ? { phase } : {}), moment: 'returned' as const });

/** A stop at every Task state (and in the bake's and retention's Wait), with the end each one must reach. */
const STOPS: Disruption[] = [
  { kind: 'stop', at: running('ValidateInput'), scenario: 'success', expect: 'none', note: 'no release exists yet: nothing locked or changed' },
  { kind: 'stop', at: running('AcquireLock'), scenario: 'success', expect: 'Failed' },
  { kind: 'stop', at: running('PrepareGreen'), scenario: 'success', expect: 'Failed', note: 'green published by the running function is found by its description and removed' },
  { kind: 'stop', at: running('CheckGreenReady'), scenario: 'success', expect: 'Failed', kinds: ['sagemaker-endpoint'] },
  { kind: 'stop', at: running('SmokeTestGreen'), scenario: 'success', expect: 'Failed' },
  { kind: 'stop', at: running('ArmAlarms'), scenario: 'success', expect: 'Failed' },
  { kind: 'stop', at: running('ShiftTraffic'), scenario: 'success', expect: 'RolledBack' },
  { kind: 'stop', at: returned('ShiftTraffic'), scenario: 'success', expect: 'RolledBack', note: 'stopped in the bake\'s Wait' },
  { kind: 'stop', at: running('CheckAlarms', 'bake'), scenario: 'success', expect: 'RolledBack' },
  { kind: 'stop', at: running('CheckAlarms', 'retention'), scenario: 'success', expect: 'Succeeded', note: 'green took 100 % and passed the bake: it stays, blue is retired' },
  { kind: 'stop', at: returned('CheckAlarms', 'retention'), scenario: 'success', expect: 'Succeeded', note: 'stopped in the retention\'s Wait' },
  { kind: 'stop', at: running('RollBackToBlue'), scenario: 'alarm-rollback', expect: 'RolledBack' },
  { kind: 'stop', at: running('Decommission'), scenario: 'success', expect: 'Succeeded' },
  { kind: 'stop', at: running('Decommission'), scenario: 'alarm-rollback', expect: 'RolledBack' },
  { kind: 'stop', at: running('ReleaseLock'), scenario: 'success', expect: 'Succeeded' },
  { kind: 'stop', at: running('RecordOutcome'), scenario: 'success', expect: 'Succeeded' },
  { kind: 'stop', at: running('RecordOutcome'), scenario: 'alarm-rollback', expect: 'RolledBack' },
];

/** A timeout in each phase: before the switch, in the bake, in retention, during the rollback. */
const TIMEOUTS: Disruption[] = [
  { kind: 'timeout', at: running('SmokeTestGreen'), scenario: 'success', expect: 'Failed' },
  { kind: 'timeout', at: running('CheckAlarms', 'bake'), scenario: 'success', expect: 'RolledBack' },
  { kind: 'timeout', at: running('CheckAlarms', 'retention'), scenario: 'success', expect: 'Succeeded' },
  { kind: 'timeout', at: running('RollBackToBlue'), scenario: 'alarm-rollback', expect: 'RolledBack' },
];

/** The stopped release's expected end; the other release (it took the target over) must succeed. */
const REDRIVES: Disruption[] = [
  { kind: 'redrive-after-takeover', at: running('PrepareGreen'), scenario: 'success', expect: 'Succeeded' },
  { kind: 'redrive-after-takeover', at: running('CheckAlarms', 'bake'), scenario: 'success', expect: 'Succeeded' },
  { kind: 'redrive-after-takeover', at: running('CheckAlarms', 'retention'), scenario: 'success', expect: 'Succeeded' },
];

const OUTAGES: Disruption[] = [
  { kind: 'outage', at: running('RollBackToBlue'), scenario: 'alarm-rollback', expect: 'RolledBack', variant: 'recovers', note: 'the route write fails 40 times in a row (about 13 attempts of the Task), then works' },
  {
    kind: 'outage',
    at: running('RollBackToBlue'),
    scenario: 'alarm-rollback',
    expect: 'RolledBack',
    variant: 'beyond-budget',
    note: 'the route write fails until the rollback gives up (RollbackFailed, the target held for a person), then `cutover rollback` restores blue',
  },
];

/** Targets with a Lambda function behind them: the other target is a second alias (beside an alias) or the alias (beside a stage). */
const FUNCTION_KINDS = ['lambda-alias', 'apigateway-stage'];
const TWO_TARGETS: Disruption[] = [
  { kind: 'two-targets', scenario: 'success', expect: 'Succeeded', variant: 'both succeed', kinds: FUNCTION_KINDS, note: 'two releases, two artifacts, started together' },
  { kind: 'two-targets', scenario: 'success', expect: 'Succeeded', variant: 'the other fails its gate', kinds: FUNCTION_KINDS, note: 'the other release ships model v3, which fails the golden set' },
  {
    kind: 'two-targets',
    scenario: 'success',
    expect: 'Succeeded',
    variant: 'the other released with deleteBlueVersion while this one routes to blue',
    kinds: FUNCTION_KINDS,
    note: 'blue must stay: this target (an alias, or a managed stage) still selects it',
  },
];

export const DISRUPTIONS: readonly Disruption[] = [...STOPS, ...TIMEOUTS, ...REDRIVES, ...OUTAGES, ...TWO_TARGETS];

/** Where a disruption happens, as its id and the report name it. */
export function whereOf(d: Disruption): string {
  const at = d.at ? `${d.at.task}${d.at.phase ? ` (${d.at.phase})` : ''}${d.at.moment === 'returned' ? ', after it answered' : ''}` : '';
  const course = d.scenario === 'alarm-rollback' ? ' in a rollback' : '';
  return [at && `${at}${course}`, d.variant].filter(Boolean).join(': ');
}

export function disruptionCases(kinds: readonly string[]): DisruptionCase[] {
  return kinds.flatMap((targetKind) =>
    DISRUPTIONS.filter((d) => !d.kinds || d.kinds.includes(targetKind)).map((d) => ({ id: `${targetKind}/disruption/${d.kind}/${whereOf(d)}`, targetKind, d })),
  );
}

/** The disruptions `npm test` runs (all of them: `npm run faults`): a stop, a timeout or a redrive on every kind, a long outage of the rollback, and one writer per function where one is shared. */
export const FAST_DISRUPTION_IDS = [
  'lambda-alias/disruption/stop/CheckAlarms (bake)',
  'lambda-alias/disruption/two-targets/both succeed',
  'lambda-alias/disruption/outage/RollBackToBlue in a rollback: recovers',
  'sagemaker-endpoint/disruption/stop/CheckAlarms (retention)',
  'sagemaker-endpoint/disruption/redrive-after-takeover/CheckAlarms (bake)',
  'apigateway-stage/disruption/timeout/RollBackToBlue in a rollback',
  'apigateway-stage/disruption/two-targets/the other released with deleteBlueVersion while this one routes to blue',
] as const;

export function fastDisruptions(targetKind: string): DisruptionCase[] {
  const all = new Map(disruptionCases([targetKind]).map((c) => [c.id, c]));
  return FAST_DISRUPTION_IDS.filter((id) => id.startsWith(`${targetKind}/`)).map((id) => {
    const c = all.get(id);
    if (!c) throw new Error(`FAST disruption ${id} is not in the table`);
    return c;
  });
}
