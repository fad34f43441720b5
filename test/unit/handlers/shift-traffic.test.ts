import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { ConcurrentModification, TrafficShiftFailed } from '../../../core/errors';
import type { Progress } from '../../../core/release-state';
import { LambdaAliasRouter } from '../../../targets/lambda-alias';
import { handler } from '../../../functions/shift-traffic/handler';
import { nextStep, stepsOf } from '../../../functions/shift-traffic/plan';
import { shiftTraffic } from '../../../functions/shift-traffic/shift-traffic';
import { awsError, FakeLambda } from '../../support/fake-lambda';
import { clock, greenOf, itemOf, lambdaContext, NOW, rejectionOf, releaseContext, useLedger, holdLock } from './support';

const db = useLedger();
/** `state` with its release holding the target's lock (the handler checks it before moving traffic). */
const owned = async <S extends { release: Parameters<typeof holdLock>[1] }>(state: S): Promise<S> => {
  await holdLock(db.ledger, state.release);
  return state;
};
const lambda = new FakeLambda();
const client = new LambdaClient({});
const target = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };
const deps = () => ({ ledger: db.ledger, router: new LambdaAliasRouter(target, client), now: clock });
const updates = () => lambda.calls.filter((c) => c.op === 'UpdateAlias').map((c) => c.input);

const canary = { type: 'canary' as const, steps: [10, 50], stepSeconds: 60 };
let n = 0;
function stateWith(overrides = {}, extra: { progress?: Progress; alarms?: { names: string[]; created: string[]; preexisting: string[] } } = {}) {
  return { release: releaseContext(overrides, `shift-${++n}`), green: greenOf('1', '2'), ...extra };
}

beforeEach(() => {
  lambda.startOver();
  lambda.seed('production');
  lambda.versions.push({ version: '2', codeSha256: 'sha-2', env: {}, description: 'cutover' });
  lambda.calls = [];
});
afterAll(() => client.destroy());

describe('shiftTraffic', () => {
  it('all-at-once: puts 100 % on green with the alias RevisionId and starts the bake', async () => {
    // Prepare
    const state = stateWith({}, { alarms: { names: ['a', 'b'], created: [], preexisting: ['b'] } });
    const revision = lambda.aliases.production.RevisionId;

    // Act
    const progress = await shiftTraffic(state, deps());

    // Assess
    expect(updates()).toEqual([
      { FunctionName: 'ai-handler', Name: 'production', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: revision },
    ]);
    expect(lambda.split()).toEqual({ '2': 100 });
    expect(progress).toEqual({
      steps: [100],
      stepIndex: 0,
      greenPercent: 100,
      phase: 'bake',
      phaseSeconds: 120,
      remainingSeconds: 120,
      pollSeconds: 30,
      waitSeconds: 30,
      next: 'Wait',
      polls: 0,
      ignoredAlarms: ['b'], // the user alarm already in ALARM when arming
      switchedAt: NOW.toISOString(),
    });
    const item = await itemOf(db.ledger, state.release);
    expect(item).toMatchObject({ greenPercent: 100, phase: 'bake' });
    expect(item?.changes['switch-0']).toMatchObject({ state: 'ShiftTraffic', detail: 'green 2 at 100 %', split: { '2': 100 } });
  });

  it('canary: 10 % with blue as the main version, then 50 %, then 100 % (each step from the previous progress)', async () => {
    // Prepare
    const state = stateWith({ strategy: canary });

    // Act
    const first = await shiftTraffic(state, deps());
    const splitAfterFirst = lambda.split();
    const second = await shiftTraffic({ ...state, progress: { ...first, next: 'ShiftTraffic' } }, deps());
    const splitAfterSecond = lambda.split();
    const third = await shiftTraffic({ ...state, progress: { ...second, next: 'ShiftTraffic' } }, deps());

    // Assess
    expect([first, second, third].map((p) => [p.stepIndex, p.greenPercent, p.phase, p.phaseSeconds])).toEqual([
      [0, 10, 'canary', 60],
      [1, 50, 'canary', 60],
      [2, 100, 'bake', 120],
    ]);
    expect(splitAfterFirst).toEqual({ '1': 90, '2': 10 });
    expect(splitAfterSecond).toEqual({ '1': 50, '2': 50 });
    expect(lambda.split()).toEqual({ '2': 100 });
    expect(updates().map((u) => [u.FunctionVersion, (u.RoutingConfig as { AdditionalVersionWeights: object }).AdditionalVersionWeights])).toEqual([
      ['1', { '2': 0.1 }],
      ['1', { '2': 0.5 }],
      ['2', {}],
    ]);
    expect(Object.keys((await itemOf(db.ledger, state.release))!.changes).sort()).toEqual(['switch-0', 'switch-1', 'switch-2']);
  });

  it('is idempotent: a retry at the same step finds the alias there, sends no UpdateAlias and records once', async () => {
    // Prepare
    const state = stateWith({ strategy: canary });
    const first = await shiftTraffic(state, deps());
    lambda.calls = [];

    // Act
    const again = await shiftTraffic(state, deps());

    // Assess
    expect(again).toEqual(first);
    expect(updates()).toEqual([]);
    expect(lambda.split()).toEqual({ '1': 90, '2': 10 });
    expect(Object.keys((await itemOf(db.ledger, state.release))!.changes)).toEqual(['switch-0']);
  });

  it('throws TrafficShiftFailed when the alias reads back at another split', async () => {
    // Prepare: UpdateAlias answers but the change does not stick.
    lambda.mock.on(UpdateAliasCommand).resolves({});

    // Act
    const err = await rejectionOf(shiftTraffic(stateWith(), deps()));

    // Assess
    expect(err).toBeInstanceOf(TrafficShiftFailed);
    expect(err.message).toBe('alias ai-handler:production shows {"1":100} after asking for {"2":100}');
  });

  it('throws ConcurrentModification when the alias changed between read and write (RevisionId precondition)', async () => {
    // Prepare: someone updates the alias right after Cutover reads it.
    let reads = 0;
    lambda.mock.on(GetAliasCommand).callsFake(() => {
      reads++;
      const a = lambda.aliases.production;
      const out = { Name: 'production', FunctionVersion: a.FunctionVersion, RoutingConfig: { AdditionalVersionWeights: { ...a.weights } }, RevisionId: a.RevisionId };
      if (reads === 1) a.RevisionId = 'changed-by-someone';
      return out;
    });

    // Act
    const err = await rejectionOf(shiftTraffic(stateWith(), deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
    expect((err.cause as Error).name).toBe('PreconditionFailedException');
    expect(lambda.aliases.production.FunctionVersion).toBe('1');
  });

  it('throws ConcurrentModification when the alias serves a version that is neither blue nor green', async () => {
    // Prepare
    lambda.aliases.production.FunctionVersion = '7';

    // Act
    const err = await rejectionOf(shiftTraffic(stateWith(), deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
    expect(err.message).toContain('now serves version 7, neither blue 1 nor green 2');
    expect(updates()).toEqual([]);
  });

  it('refuses to plan a step after 100 %', () => {
    // Prepare
    const spec = releaseContext().spec;
    const last = nextStep(spec, undefined, NOW.toISOString());

    // Act / Assess
    expect(() => nextStep(spec, last, NOW.toISOString())).toThrow('no step after 100 %: the release is already at 100 %');
  });

  it('plans the steps as the canary steps then 100', () => {
    expect(stepsOf(releaseContext({ strategy: { type: 'canary', steps: [5, 25, 60], stepSeconds: 0 } }).spec)).toEqual([5, 25, 60, 100]);
    expect(stepsOf(releaseContext().spec)).toEqual([100]);
  });

  it('keeps the alarms still ignored from the previous step (not the armed list again)', async () => {
    // Prepare
    const state = stateWith({ strategy: canary }, { alarms: { names: ['a'], created: [], preexisting: ['a'] } });
    const first = await shiftTraffic(state, deps());

    // Act: at the next step the alarm has cleared (CheckAlarms emptied ignoredAlarms).
    const second = await shiftTraffic({ ...state, progress: { ...first, ignoredAlarms: [], polls: 2 } }, deps());

    // Assess
    expect(first.ignoredAlarms).toEqual(['a']);
    expect(second).toMatchObject({ ignoredAlarms: [], polls: 2 });
  });
});

describe('ShiftTraffic handler (middy)', () => {
  it('shifts traffic through the router built from the state', async () => {
    // Act
    const out = (await handler(await owned(stateWith()), lambdaContext('shift-traffic'))) as Progress;

    // Assess
    expect(out.greenPercent).toBe(100);
    expect(lambda.split()).toEqual({ '2': 100 });
  });

  it('moves no traffic when another execution holds the lock (a stale or redriven execution): LockLost, the alias untouched', async () => {
    // Prepare
    const state = stateWith();
    await holdLock(db.ledger, releaseContext({}, 'the-new-owner'));
    const before = lambda.split();

    // Act
    const err = await rejectionOf(handler(state, lambdaContext('shift-traffic')));

    // Assess
    expect(err.name).toBe('LockLost');
    expect(err.message).toContain(`execution ${releaseContext({}, 'the-new-owner').executionArn} holds its lock): this execution moves no traffic`);
    expect(lambda.split()).toEqual(before);
    expect(lambda.calls.filter((c) => c.op === 'UpdateAlias')).toEqual([]);
  });

  it('surfaces TrafficShiftFailed and ConcurrentModification by name', async () => {
    // Prepare
    lambda.mock.on(UpdateAliasCommand).resolves({});
    const shift = await rejectionOf(handler(await owned(stateWith()), lambdaContext('shift-traffic')));
    lambda.reset();
    lambda.aliases.production.FunctionVersion = '7';

    // Act
    const concurrent = await rejectionOf(handler(await owned(stateWith()), lambdaContext('shift-traffic')));

    // Assess
    expect(shift.name).toBe('TrafficShiftFailed');
    expect(concurrent.name).toBe('ConcurrentModification');
  });

  it('turns UpdateAlias throttling into TransientAwsError', async () => {
    // Prepare
    lambda.mock.on(UpdateAliasCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded', 429));

    // Act
    const err = await rejectionOf(handler(await owned(stateWith()), lambdaContext('shift-traffic')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
    expect(lambda.split()).toEqual({ '1': 100 });
  });

  it('rejects a progress that does not parse, naming the field', async () => {
    // Act
    const err = await rejectionOf(handler({ ...stateWith(), progress: { stepIndex: -1 } }, lambdaContext('shift-traffic')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toContain('progress.stepIndex');
  });
});
