import { LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { handler } from '../../../functions/roll-back/handler';
import { rollBack, triggerOf } from '../../../functions/roll-back/roll-back';
import { ConcurrentModification, TargetNotReady, TrafficShiftFailed } from '../../../core/errors';
import type { Progress } from '../../../core/release-state';
import { LambdaAliasRouter } from '../../../targets/lambda-alias';
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

const progress = (next: Progress['next'], reason?: string): Progress => ({
  steps: [100],
  stepIndex: 0,
  greenPercent: 100,
  phase: 'bake',
  phaseSeconds: 120,
  remainingSeconds: 60,
  pollSeconds: 30,
  waitSeconds: 0,
  next,
  polls: 2,
  ignoredAlarms: [],
  ...(reason ? { reason } : {}),
});

let n = 0;
const stateWith = (extra: object = {}) => ({ release: releaseContext({}, `rb-${++n}`), green: greenOf('1', '2'), ...extra });

beforeEach(() => {
  lambda.startOver();
  lambda.seed('production');
  lambda.versions.push({ version: '2', codeSha256: 'sha-2', env: {}, description: 'cutover' });
  // Traffic has moved: green serves everything.
  lambda.aliases.production = { FunctionVersion: '2', weights: {}, RevisionId: 'rev-green' };
  lambda.calls = [];
});
afterAll(() => client.destroy());

describe('rollBack', () => {
  it('puts 100 % back on blue with the routing config cleared, and records why', async () => {
    // Prepare
    const state = stateWith({ progress: progress('Rollback', 'alarm during bake at 100 %: errors is ALARM') });

    // Act
    const rollback = await rollBack(state, deps());

    // Assess
    expect(updates()).toEqual([
      { FunctionName: 'ai-handler', Name: 'production', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: 'rev-green' },
    ]);
    expect(lambda.split()).toEqual({ '1': 100 });
    expect(rollback).toEqual({ trigger: 'alarm', reason: 'alarm during bake at 100 %: errors is ALARM', restored: '1', at: NOW.toISOString() });
    const item = await itemOf(db.ledger, state.release);
    expect(item).toMatchObject({ greenPercent: 0, rollback });
    expect(item?.changes['rolled-back']).toMatchObject({ state: 'RollBackToBlue', split: { '1': 100 }, detail: `alarm: ${rollback.reason}` });
  });

  it('clears a canary split (blue main version with green weighted)', async () => {
    // Prepare
    lambda.aliases.production = { FunctionVersion: '1', weights: { '2': 0.1 }, RevisionId: 'rev-canary' };

    // Act
    await rollBack(stateWith({ progress: progress('Rollback', 'alarm') }), deps());

    // Assess
    expect(updates()).toHaveLength(1);
    expect(lambda.split()).toEqual({ '1': 100 });
    expect(lambda.aliases.production.weights).toEqual({});
  });

  it('is idempotent: a retry finds blue live, sends no UpdateAlias, and records the change once', async () => {
    // Prepare
    const state = stateWith({ progress: progress('Rollback', 'alarm') });
    const first = await rollBack(state, deps());
    lambda.calls = [];

    // Act
    const second = await rollBack(state, deps());

    // Assess
    expect(second).toEqual(first);
    expect(updates()).toEqual([]);
    expect(Object.keys((await itemOf(db.ledger, state.release))!.changes)).toEqual(['rolled-back']);
  });

  it('throws TrafficShiftFailed when the alias does not read back at blue', async () => {
    // Prepare
    lambda.mock.on(UpdateAliasCommand).resolves({});

    // Act
    const err = await rejectionOf(rollBack(stateWith({ progress: progress('Rollback') }), deps()));

    // Assess
    expect(err).toBeInstanceOf(TrafficShiftFailed);
    expect(err.message).toContain('shows {"2":100} after asking for {"1":100}');
  });

  it('throws ConcurrentModification on a RevisionId precondition failure (retried by the state machine)', async () => {
    // Prepare
    lambda.mock.on(UpdateAliasCommand).rejects(awsError('PreconditionFailedException', 'The Revision Id provided does not match the latest Revision Id', 412));

    // Act
    const err = await rejectionOf(rollBack(stateWith({ progress: progress('Rollback') }), deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
  });

  it('throws TargetNotReady when the alias is gone', async () => {
    // Prepare
    delete lambda.aliases.production;

    // Act
    const err = await rejectionOf(rollBack(stateWith({ progress: progress('Rollback') }), deps()));

    // Assess
    expect(err).toBeInstanceOf(TargetNotReady);
  });
});

describe('triggerOf', () => {
  it('a manual rollback names who asked and why', () => {
    expect(triggerOf(stateWith({ progress: progress('ManualRollback', 'manual rollback by alice: off') }))).toEqual({ trigger: 'manual', reason: 'manual rollback by alice: off' });
  });

  it('an error after traffic moved names the error and the message from the Lambda Cause JSON', () => {
    // Prepare
    const cause = JSON.stringify({ errorType: 'TrafficShiftFailed', errorMessage: 'alias shows {"1":100}', trace: [] });

    // Act / Assess
    expect(triggerOf(stateWith({ error: { Error: 'TrafficShiftFailed', Cause: cause } }))).toEqual({ trigger: 'error', reason: 'TrafficShiftFailed: alias shows {"1":100}' });
    expect(triggerOf(stateWith({ error: { Error: 'States.Timeout' } }))).toEqual({ trigger: 'error', reason: 'States.Timeout: ' });
  });

  it('an alarm takes the reason CheckAlarms gave', () => {
    expect(triggerOf(stateWith({ progress: progress('Rollback', 'not proven healthy') }))).toEqual({ trigger: 'alarm', reason: 'not proven healthy' });
  });
});

describe('RollBackToBlue handler (middy)', () => {
  it('rolls back through the router built from the state', async () => {
    // Act
    const out = await handler(await owned(stateWith({ progress: progress('Rollback', 'alarm') })), lambdaContext('roll-back'));

    // Assess
    expect(out).toMatchObject({ trigger: 'alarm', restored: '1' });
    expect(lambda.split()).toEqual({ '1': 100 });
  });

  it('moves no traffic when nobody holds the lock any more (redriven after its release was ended): LockLost', async () => {
    // Prepare
    const state = stateWith({ progress: progress('Rollback', 'alarm') });
    const lock = await db.ledger.getLock(state.release.targetKey);
    if (lock) await db.ledger.releaseLock(state.release.targetKey, lock.ownerExecutionArn);

    // Act
    const err = await rejectionOf(handler(state, lambdaContext('roll-back')));

    // Assess
    expect(err.name).toBe('LockLost');
    expect(err.message).toContain('nobody holds its lock');
    expect(lambda.calls.filter((c) => c.op === 'UpdateAlias')).toEqual([]);
  });

  it('surfaces TrafficShiftFailed by name', async () => {
    // Prepare
    lambda.mock.on(UpdateAliasCommand).resolves({});

    // Act
    const err = await rejectionOf(handler(await owned(stateWith()), lambdaContext('roll-back')));

    // Assess
    expect(err.name).toBe('TrafficShiftFailed');
  });

  it('turns a Lambda 503 into TransientAwsError', async () => {
    // Prepare
    lambda.mock.on(UpdateAliasCommand).rejects(awsError('ServiceException', 'Service Unavailable', 503));

    // Act
    const err = await rejectionOf(handler(await owned(stateWith()), lambdaContext('roll-back')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
    expect(err.message).toBe('RollBackToBlue: ServiceException: Service Unavailable');
  });
});
