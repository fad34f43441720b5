import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { partitionKey } from '../../functions/shared/ledger';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda } from '../support/fake-lambda';
import { releaseInput } from '../support/release-input';
import { lambdaContext, useLedger, ACCOUNT, REGION } from './handlers/support';

/**
 * Every Task run twice in a row with the same input, as Step Functions does
 * when a Task's answer is lost (a timeout, a Lambda service error after the
 * function ran): the second run must leave the same end state (no second
 * version, alarm, ledger item or change) and answer the same, so the release
 * goes on as if it had run once. Real handlers (middy), a stateful Lambda
 * (FakeLambda), alarms (FakeCloudWatch) and a real ledger (dynalite).
 */

// Handlers are required after the ledger's endpoint is set (their DynamoDB client is created on first use).
type Handler = (event: unknown, context: Context) => Promise<unknown>;
const handler = (folder: string): Handler => (require(`../../functions/${folder}/handler`) as { handler: Handler }).handler; // eslint-disable-line @typescript-eslint/no-require-imports

const db = useLedger();
const lambda = new FakeLambda('ai-handler', REGION, ACCOUNT);
const cloudwatch = new FakeCloudWatch();
const client = new LambdaClient({});
const TARGET_KEY = 'lambda-alias:ai-handler:production';
const USER_ALARM = 'ai-handler-errors';

beforeAll(() => {
  process.env.CUTOVER_MANAGED_FUNCTIONS = JSON.stringify(['ai-handler']);
  process.env.CUTOVER_ACCOUNT_ID = ACCOUNT;
  process.env.CUTOVER_EVENTS = 'off';
  process.env.AWS_REGION = REGION;
});
afterAll(() => {
  client.destroy();
  delete process.env.CUTOVER_EVENTS;
});
beforeEach(async () => {
  // Each test is a new release of the same target: the previous one's lock (if it never reached ReleaseLock) goes.
  const lock = await db.ledger.getLock(TARGET_KEY);
  if (lock) await db.ledger.releaseLock(TARGET_KEY, lock.ownerExecutionArn);
  Object.assign(lambda, { versions: [], aliases: {}, calls: [], code: 'code-v1' });
  lambda.reset();
  lambda.seed('production');
  cloudwatch.alarms.clear();
  cloudwatch.reset();
  cloudwatch.set(USER_ALARM, 'OK');
});

const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
/** Timestamps differ between two runs by design (`at` is when a run wrote); everything else must not. */
const untimed = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null).replace(TIMESTAMP, '<time>'));

/** What a retry could duplicate or change: versions, $LATEST's environment, the alias (RevisionId included: an extra update changes it), alarms, ledger items and their change ids. */
async function endState() {
  const items = await db.ledger.listReleases(TARGET_KEY, 100);
  const lock = await db.ledger.getLock(TARGET_KEY);
  return untimed({
    versions: lambda.versions.map((v) => `${v.version}:${v.description}`),
    env: lambda.env,
    aliases: lambda.aliases,
    alarms: [...cloudwatch.alarms.keys()].sort(),
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
      changes: Object.keys(i.changes ?? {}).sort(),
    })),
  });
}

/** Runs a Task twice with the same input; returns the first answer (what the state machine would have kept). */
async function twice(folder: string, event: unknown, opts: { sameAnswer?: boolean } = {}): Promise<any> {
  const h = handler(folder);
  const input = JSON.parse(JSON.stringify(event)) as unknown;
  const first = JSON.parse(JSON.stringify((await h(input, lambdaContext(folder))) ?? null)) as unknown;
  const after1 = await endState();
  const second = JSON.parse(JSON.stringify((await h(JSON.parse(JSON.stringify(event)), lambdaContext(folder))) ?? null)) as unknown;
  const after2 = await endState();
  expect({ task: folder, state: after2 }).toEqual({ task: folder, state: after1 });
  if (opts.sameAnswer !== false) expect({ task: folder, answer: untimed(second) }).toEqual({ task: folder, answer: untimed(first) });
  return first;
}

let n = 0;
async function validated(overrides: Parameters<typeof releaseInput>[0] = {}): Promise<any> {
  const id = `idem-${++n}`;
  const input = releaseInput({ strategy: { type: 'canary', steps: [10], stepSeconds: 60 }, ...overrides });
  return twice('validate-input', { input, execution: { id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:cutover-release:${id}`, name: id, startTime: `2026-11-26T09:00:0${n}.000Z` } });
}

/** Up to the first canary step, each Task twice. */
async function toFirstStep(): Promise<any> {
  const state = await validated();
  state.lock = await twice('acquire-lock', state);
  state.green = await twice('prepare-green', state);
  state.smoke = await twice('smoke-test', state);
  state.alarms = await twice('arm-alarms', state);
  state.progress = await twice('shift-traffic', state);
  return state;
}

describe('every Task, run twice with the same input, leaves one end state', () => {
  it('a release that succeeds: ValidateInput … RecordOutcome, each Task twice', async () => {
    // Act
    const state = await toFirstStep();
    expect(lambda.split()).toEqual({ '1': 90, '2': 10 });
    expect(lambda.versions).toHaveLength(2);
    expect([...cloudwatch.alarms.keys()].filter((a) => a.startsWith('cutover-'))).toHaveLength(3);
    let polls = 0;
    while (state.progress.next !== 'Decommission' && polls++ < 50) {
      if (state.progress.next === 'ShiftTraffic') state.progress = await twice('shift-traffic', state);
      else state.progress = await twice('check-alarms', state);
    }
    expect(lambda.split()).toEqual({ '2': 100 });
    state.decommission = await twice('decommission', state, { sameAnswer: false }); // second: "already gone" or nothing to do
    state.unlock = await twice('release-lock', state, { sameAnswer: false }); // second: released false (already released)
    state.outcome = await twice('record-outcome', state);
    // Assess
    expect(state.outcome.status).toBe('Succeeded');
    expect(lambda.split()).toEqual({ '2': 100 });
    expect(lambda.versions.map((v) => v.version)).toEqual(['1', '2']); // blue kept (deleteBlueVersion false), green once
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
    expect(await db.ledger.getLock(TARGET_KEY)).toBeUndefined();
    const [item] = await db.ledger.listReleases(TARGET_KEY, 10);
    expect(item!.status).toBe('Succeeded');
    expect(Object.keys(item!.changes).filter((k) => k.startsWith('switch-'))).toEqual(['switch-0', 'switch-1']);
  });

  it('a release rolled back by an alarm: CheckAlarms, RollBackToBlue, Decommission (green), ReleaseLock, RecordOutcome twice each', async () => {
    // Prepare
    const state = await toFirstStep();
    cloudwatch.set(state.alarms.created[0], 'ALARM', 'Threshold Crossed');
    // Act
    state.progress = await twice('check-alarms', state);
    expect(state.progress.next).toBe('Rollback');
    state.rollback = await twice('roll-back', state);
    state.decommission = await twice('decommission', state, { sameAnswer: false });
    state.unlock = await twice('release-lock', state, { sameAnswer: false });
    state.outcome = await twice('record-outcome', state);
    // Assess
    expect(state.outcome).toMatchObject({ status: 'RolledBack', error: 'AlarmRollback' });
    expect(lambda.split()).toEqual({ '1': 100 });
    expect(lambda.versions.map((v) => v.version)).toEqual(['1']); // green deleted, once
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
  });

  it('a PrepareGreen whose answer was lost is retried: the same version, created by this release', async () => {
    // Prepare
    const state = await validated();
    state.lock = await twice('acquire-lock', state);
    // Act: the first run published and recorded, its answer lost; the retry is what the state machine keeps.
    state.green = await twice('prepare-green', state);
    // Assess
    expect(state.green).toMatchObject({ blue: '1', green: '2', createdGreen: true });
    expect(lambda.versions).toHaveLength(2);
  });

  it('Decommission after a PrepareGreen that failed after publishing removes the orphan once', async () => {
    // Prepare: PrepareGreen published, then failed; the state has the error but no green.
    const state = await validated();
    state.lock = await twice('acquire-lock', state);
    await handler('prepare-green')(JSON.parse(JSON.stringify(state)), lambdaContext('prepare-green'));
    expect(lambda.versions).toHaveLength(2);
    state.error = { Error: 'Runtime.ExitError', Cause: 'killed' };
    // Act
    state.decommission = await twice('decommission', state, { sameAnswer: false });
    // Assess
    expect(lambda.versions.map((v) => v.version)).toEqual(['1']);
    expect(lambda.split()).toEqual({ '1': 100 });
  });

  it('a ledger item per release, keyed by the execution: nothing keyed by attempt', async () => {
    // Prepare
    const before = (await db.ledger.listReleases(TARGET_KEY, 100)).length;
    // Act
    const state = await toFirstStep();
    // Assess
    const items = await db.ledger.listReleases(TARGET_KEY, 100);
    expect(items).toHaveLength(before + 1);
    expect(items.filter((i) => i.releaseId === state.release.id)).toHaveLength(1);
    expect(items[0]!.pk).toBe(partitionKey(TARGET_KEY));
  });
});
