import type { Context } from 'aws-lambda';
import type { Ledger } from '../../core/ledger';
import type { ReleaseInput } from '../../core/release-input';
import { ACCOUNT, lambdaContext, REGION } from '../unit/handlers/support';
import type { FakeCloudWatch } from './fake-cloudwatch';

/**
 * Shared by the idempotency tests (one file per target kind): every Task run
 * twice in a row with the same input, as Step Functions does when a Task's
 * answer is lost (a timeout, a Lambda service error after the function ran).
 * The second run must leave the same end state (no second version, endpoint
 * config, alarm, ledger item or change) and answer the same, so the release
 * goes on as if it had run once. Real handlers (middy), the stateful fakes,
 * a real ledger (dynalite).
 */

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A Task's middy handler, required on first use (after the ledger's endpoint is set: the DynamoDB client is made then). */
export const taskHandler = (folder: string): Handler => (require(`../../functions/${folder}/handler`) as { handler: Handler }).handler; // eslint-disable-line @typescript-eslint/no-require-imports

const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
/** Timestamps differ between two runs by design (`at` is when a run wrote); everything else must not. */
export const untimed = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null).replace(TIMESTAMP, '<time>'));

/** Through JSON, as Lambda passes events and answers: no undefined, no shared references. */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null));

export interface IdempotencyOptions {
  /** The ledger (read lazily: useLedger() sets it in beforeAll). */
  ledger: () => Ledger;
  targetKey: string;
  cloudwatch: FakeCloudWatch;
  /** What a retry could duplicate or change on the target, read from the fakes (never through a call that moves their clock). */
  target: () => unknown;
}

export interface TwiceOptions {
  /** false when the second answer may say "already done" (Decommission, ReleaseLock). */
  sameAnswer?: boolean;
  /** The error both runs must end with (a Task the state machine retries, e.g. TargetBusy). */
  rejects?: string;
}

export function idempotency(options: IdempotencyOptions) {
  /** The target's state, the release alarms, the lock, the ledger items and their change ids. */
  async function endState(): Promise<unknown> {
    const ledger = options.ledger();
    const items = await ledger.listReleases(options.targetKey, 100);
    const lock = await ledger.getLock(options.targetKey);
    return untimed({
      target: options.target(),
      alarms: [...options.cloudwatch.alarms.keys()].sort(),
      lock: lock ?? null,
      items: items.map((i) => ({
        pk: i.pk,
        sk: i.sk,
        status: i.status,
        blueVersion: i.blueVersion,
        greenVersion: i.greenVersion,
        greenPercent: i.greenPercent,
        phase: i.phase,
        alarms: i.alarms,
        outcome: i.outcome,
        rollback: i.rollback,
        blueStandby: (i as { blueStandby?: unknown }).blueStandby,
        changes: Object.keys(i.changes ?? {}).sort(),
      })),
    });
  }

  async function run(folder: string, event: unknown, rejects: string | undefined): Promise<unknown> {
    try {
      const answer = viaJson(await taskHandler(folder)(viaJson(event), lambdaContext(folder)));
      if (rejects) throw new Error(`${folder} answered, but ${rejects} was expected`);
      return answer;
    } catch (err) {
      if (!rejects || (err as Error).name !== rejects) throw err;
      return { error: rejects };
    }
  }

  /** Runs a Task twice with the same input; returns the first answer (the same as the second unless told). */
  async function twice(folder: string, event: unknown, opts: TwiceOptions = {}): Promise<any> {
    const first = await run(folder, event, opts.rejects);
    const after1 = await endState();
    const second = await run(folder, event, opts.rejects);
    const after2 = await endState();
    expect({ task: folder, state: after2 }).toEqual({ task: folder, state: after1 });
    if (opts.sameAnswer !== false) expect({ task: folder, answer: untimed(second) }).toEqual({ task: folder, answer: untimed(first) });
    return first;
  }

  let n = 0;
  /** ValidateInput, twice, for a new execution: the state document the other Tasks start from. */
  async function validated(input: ReleaseInput): Promise<any> {
    const id = `idem-${++n}`;
    const startTime = `2026-11-26T09:00:${String(n % 60).padStart(2, '0')}.000Z`;
    return twice('validate-input', { input, execution: { id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:cutover-release:${id}`, name: id, startTime } });
  }

  /** Before each test: the previous release's lock (if it never reached ReleaseLock) goes. */
  async function freeTarget(): Promise<void> {
    const ledger = options.ledger();
    const lock = await ledger.getLock(options.targetKey);
    if (lock) await ledger.releaseLock(options.targetKey, lock.ownerExecutionArn);
  }

  /**
   * ValidateInput … ShiftTraffic (the first step), each Task twice. `prepare` replaces PrepareGreen for a
   * target whose green takes time to deploy (PrepareGreen and the readiness loop).
   */
  async function toFirstStep(input: ReleaseInput, prepare?: (state: any) => Promise<void>): Promise<any> {
    const state = await validated(input);
    state.lock = await twice('acquire-lock', state);
    if (prepare) await prepare(state);
    else state.green = await twice('prepare-green', state);
    state.smoke = await twice('smoke-test', state);
    state.alarms = await twice('arm-alarms', state);
    state.progress = await twice('shift-traffic', state);
    return state;
  }

  /** A release alarm fires: CheckAlarms decides to roll back, RollBackToBlue, twice each. */
  async function rollBackOnAlarm(state: any): Promise<void> {
    options.cloudwatch.set(state.alarms.created[0], 'ALARM', 'Threshold Crossed');
    state.progress = await twice('check-alarms', state);
    expect(state.progress.next).toBe('Rollback');
    state.rollback = await twice('roll-back', state);
  }

  /** The monitor loop (ShiftTraffic, CheckAlarms), each Task twice, until it decides to decommission blue. */
  async function monitorToEnd(state: { progress: { next: string } }): Promise<void> {
    for (let polls = 0; state.progress.next !== 'Decommission' && polls < 50; polls++) {
      state.progress = await twice(state.progress.next === 'ShiftTraffic' ? 'shift-traffic' : 'check-alarms', state);
      expect(state.progress.next).not.toMatch(/Rollback/);
    }
    expect(state.progress.next).toBe('Decommission');
  }

  /** After Decommission: ReleaseLock and RecordOutcome, twice each (a second ReleaseLock answers released: false). */
  async function releaseAndRecord(state: Record<string, unknown>): Promise<any> {
    state.unlock = await twice('release-lock', state, { sameAnswer: false });
    state.outcome = await twice('record-outcome', state);
    return state.outcome;
  }

  return { endState, twice, validated, freeTarget, toFirstStep, rollBackOnAlarm, monitorToEnd, releaseAndRecord };
}
