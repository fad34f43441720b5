import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../functions/record-outcome/handler';
import { outcomeOf } from '../../../functions/record-outcome/outcome';
import { recordOutcome } from '../../../functions/record-outcome/record-outcome';
import type { Progress, ReleaseState } from '../../../core/release-state';
import { awsError } from '../../support/fake-lambda';
import { clock, greenOf, itemOf, lambdaContext, NOW, rejectionOf, releaseContext, useLedger } from './support';

const db = useLedger();

const done: Progress = {
  steps: [100],
  stepIndex: 0,
  greenPercent: 100,
  phase: 'retention',
  phaseSeconds: 600,
  remainingSeconds: 0,
  pollSeconds: 300,
  waitSeconds: 0,
  next: 'Decommission',
  polls: 6,
  ignoredAlarms: [],
};
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [] });

let n = 0;
const stateWith = (extra: Partial<ReleaseState> = {}): ReleaseState => ({ release: releaseContext({}, `out-${++n}`), green: greenOf('1', '2'), ...extra });

describe('outcomeOf', () => {
  it("names what is live by the target's kind: a SageMaker production variant, even one named with digits", () => {
    // Prepare: an endpoint whose blue variant is called "2"
    const release = releaseContext(
      { target: { kind: 'sagemaker-endpoint', endpointName: 'ai', greenModel: { modelName: 'cutover-m' } }, artifact: undefined },
      `out-${++n}`,
    );

    // Act
    const outcome = outcomeOf({ release, green: { blue: '2', green: 'cutover-green', createdGreen: true }, progress: { ...done, next: 'Rollback' }, rollback: { trigger: 'alarm', reason: 'errors is ALARM', restored: '2', at: 'now' } });

    // Assess
    expect(outcome.cause).toBe('errors is ALARM. 100 % of traffic is on variant 2.');
  });

  it('Succeeded: reached Decommission from the monitor loop, no error', () => {
    expect(outcomeOf(stateWith({ progress: done }))).toEqual({ status: 'Succeeded' });
  });

  it.each([
    ['alarm', 'AlarmRollback'],
    ['manual', 'ManualRollback'],
    ['error', 'RolledBackOnError'],
  ] as const)('RolledBack (%s): %s with the reason and what is live', (trigger, error) => {
    // Act
    const outcome = outcomeOf(stateWith({ progress: { ...done, next: 'Rollback' }, rollback: { trigger, reason: 'errors is ALARM', restored: '1', at: 'now' } }));

    // Assess
    expect(outcome).toEqual({ status: 'RolledBack', error, cause: 'errors is ALARM. 100 % of traffic is on version 1.' });
  });

  it('Failed before traffic moved: the error and its message, and that blue still serves', () => {
    // Act
    const outcome = outcomeOf(stateWith({ error: { Error: 'SmokeTestFailed', Cause: lambdaCause('SmokeTestFailed', 'smoke case "greeting" failed') } }));

    // Assess
    expect(outcome).toEqual({ status: 'Failed', error: 'SmokeTestFailed', cause: 'smoke case "greeting" failed. No traffic moved. 100 % of traffic is on version 1.' });
    expect(outcomeOf(stateWith({ error: { Error: 'QualityGateFailed', Cause: 'gates failed.' } })).cause).toBe('gates failed. No traffic moved. 100 % of traffic is on version 1.');
  });

  it('Failed, LockLost: a fenced-off execution claims nothing about what is live, not even a failed rollback', () => {
    // Prepare: ShiftTraffic and then RollBackToBlue found another execution holding the lock.
    const cause = lambdaCause('LockLost', 'lambda-alias:ai-handler:production is no longer held by this release (execution X holds its lock): this execution moves no traffic');

    // Act
    const outcome = outcomeOf(stateWith({ progress: { ...done, next: 'ShiftTraffic' }, error: { Error: 'LockLost', Cause: cause }, rollbackError: { Error: 'LockLost', Cause: cause } }));

    // Assess
    expect(outcome).toEqual({
      status: 'Failed',
      error: 'LockLost',
      cause: 'lambda-alias:ai-handler:production is no longer held by this release (execution X holds its lock): this execution moves no traffic; it changed no traffic after that.',
    });
  });

  it('Failed before green existed: no claim about versions', () => {
    expect(outcomeOf(stateWith({ green: undefined, error: { Error: 'NothingToRelease', Cause: 'nothing changed' } }))).toEqual({
      status: 'Failed',
      error: 'NothingToRelease',
      cause: 'nothing changed.',
    });
  });

  it('Rejected: another release holds the lock', () => {
    expect(outcomeOf(stateWith({ green: undefined, error: { Error: 'ReleaseInProgress', Cause: 'busy' } }))).toMatchObject({ status: 'Rejected', error: 'ReleaseInProgress' });
  });

  it('RollbackFailed: says a person must check the router, with both errors', () => {
    // Act
    const outcome = outcomeOf(
      stateWith({
        error: { Error: 'TransientAwsError', Cause: lambdaCause('TransientAwsError', 'CheckAlarms: Throttling') },
        rollbackError: { Error: 'TrafficShiftFailed', Cause: lambdaCause('TrafficShiftFailed', 'alias shows {"2":100}') },
      }),
    );

    // Assess
    expect(outcome.status).toBe('Failed');
    expect(outcome.error).toBe('RollbackFailed');
    expect(outcome.cause).toBe(
      'rolling back to blue failed (TrafficShiftFailed: alias shows {"2":100}) after: TransientAwsError: CheckAlarms: Throttling. Check the router now: traffic may still be on green 2.',
    );
  });

  it('Failed as ReleaseIncomplete when nothing explains the end', () => {
    expect(outcomeOf(stateWith({ progress: { ...done, next: 'Wait' } }))).toMatchObject({ status: 'Failed', error: 'ReleaseIncomplete' });
  });
});

describe('recordOutcome', () => {
  it('writes the outcome, the end time and green at 100 % on success', async () => {
    // Prepare
    const state = stateWith({ progress: done });

    // Act
    const outcome = await recordOutcome(state, { ledger: db.ledger, now: clock });

    // Assess
    const item = await itemOf(db.ledger, state.release);
    expect(item).toMatchObject({ status: 'Succeeded', outcome, endedAt: NOW.toISOString(), greenPercent: 100, releaseId: state.release.id, startedBy: 'console' });
    expect(item?.changes.ended).toEqual({ at: NOW.toISOString(), state: 'RecordOutcome', detail: 'Succeeded' });
  });

  it("keeps an end another writer recorded first and says so in its own outcome (a redriven execution after the reconciler; RollbackFailed after a person's rollback)", async () => {
    // Prepare: the reconciler ended one release; a person rolled back the other, left needing attention.
    const reconciled = stateWith({ error: { Error: 'LockLost', Cause: 'x' } });
    const byPerson = stateWith({ rollbackError: { Error: 'TrafficShiftFailed', Cause: 'y' } });
    await recordOutcome(stateWith({ release: reconciled.release, rollback: { trigger: 'error', reason: 'ExecutionAborted: stopped', restored: '1', at: 'now' } }), { ledger: db.ledger, now: clock, writer: 'reconciler' });
    const person = { status: 'RolledBack' as const, error: 'ManualRollback', cause: 'by a person. 100 % of traffic is on 1.' };
    const key = { targetKey: byPerson.release.targetKey, startedAt: byPerson.release.startedAt, releaseId: byPerson.release.id };
    await db.ledger.record(key, { id: 'ended', at: 'then', state: 'cutover rollback' }, { status: 'RolledBack', outcome: person }, { endedBy: 'person' });

    // Act
    const redriven = await recordOutcome(reconciled, { ledger: db.ledger, now: clock });
    const late = await recordOutcome(byPerson, { ledger: db.ledger, now: clock });
    const again = await recordOutcome(stateWith({ release: reconciled.release, rollback: { trigger: 'error', reason: 'ExecutionAborted: stopped', restored: '1', at: 'now' } }), { ledger: db.ledger, now: clock, writer: 'reconciler' });

    // Assess
    expect(redriven).toMatchObject({ status: 'Failed', error: 'LockLost', warning: 'not recorded: the ledger keeps the end the reconciler recorded first, RolledBack (RolledBackOnError)' });
    expect(await itemOf(db.ledger, reconciled.release)).toMatchObject({ status: 'RolledBack', outcome: { error: 'RolledBackOnError' }, endedBy: 'reconciler' });
    expect(late).toMatchObject({ status: 'Failed', error: 'RollbackFailed', warning: 'not recorded: the ledger keeps the end the person recorded first, RolledBack (ManualRollback)' });
    expect(await itemOf(db.ledger, byPerson.release)).toMatchObject({ status: 'RolledBack', outcome: person, endedBy: 'person' });
    expect(again.status).toBe('RolledBack'); // the same writer's retry rewrites its own end
  });

  it('writes greenPercent 0 after a rollback, and leaves it as it was after a failed rollback', async () => {
    // Prepare
    const rolledBack = stateWith({ rollback: { trigger: 'alarm', reason: 'x', restored: '1', at: 'now' } });
    const stuck = stateWith({ rollbackError: { Error: 'TrafficShiftFailed' } });
    const key = { targetKey: stuck.release.targetKey, startedAt: stuck.release.startedAt, releaseId: stuck.release.id };
    await db.ledger.record(key, { id: 'switch-0', at: 'then', state: 'ShiftTraffic' }, { greenPercent: 50 });

    // Act
    await recordOutcome(rolledBack, { ledger: db.ledger, now: clock });
    await recordOutcome(stuck, { ledger: db.ledger, now: clock });

    // Assess
    expect((await itemOf(db.ledger, rolledBack.release))?.greenPercent).toBe(0);
    expect(await itemOf(db.ledger, stuck.release)).toMatchObject({ status: 'Failed', greenPercent: 50 });
  });

  it('creates the item for a release rejected before it had one, with what the history needs', async () => {
    // Prepare
    const state = stateWith({ green: undefined, error: { Error: 'ReleaseInProgress', Cause: 'busy' } });

    // Act
    await recordOutcome(state, { ledger: db.ledger, now: clock });

    // Assess
    const item = await itemOf(db.ledger, state.release);
    expect(item).toMatchObject({
      status: 'Rejected',
      executionArn: state.release.executionArn,
      targetKey: state.release.targetKey,
      target: state.release.spec.target,
      startedAt: state.release.startedAt,
      artifactUri: 's3://models/ai-handler/v2.json',
    });
    expect(item?.greenPercent).toBeUndefined();
    expect((await db.ledger.listReleases(state.release.targetKey, 100)).map((r) => r.releaseId)).toContain(state.release.id);
  });

  it('is idempotent: a retry writes the same outcome once under "ended"', async () => {
    // Prepare
    const state = stateWith({ progress: done });
    await recordOutcome(state, { ledger: db.ledger, now: clock });
    const before = await itemOf(db.ledger, state.release);

    // Act
    await recordOutcome(state, { ledger: db.ledger, now: clock });

    // Assess
    const after = await itemOf(db.ledger, state.release);
    expect(after).toEqual(before);
    expect(Object.keys(after!.changes)).toEqual(['ended']);
  });
});

describe('RecordOutcome handler (middy)', () => {
  it('records and returns the outcome for the Choice and Fail states', async () => {
    // Act
    const out = await handler(stateWith({ rollback: { trigger: 'manual', reason: 'by alice', restored: '1', at: 'now' } }), lambdaContext('record-outcome'));

    // Assess
    expect(out).toEqual({ status: 'RolledBack', error: 'ManualRollback', cause: 'by alice. 100 % of traffic is on version 1.' });
  });

  it('turns a DynamoDB 500 into TransientAwsError', async () => {
    // Prepare
    const doc = mockClient(DynamoDBDocumentClient);
    doc.on(UpdateCommand).rejects(awsError('InternalServerError', 'internal', 500));
    try {
      // Act
      const err = await rejectionOf(handler(stateWith({ progress: done }), lambdaContext('record-outcome')));

      // Assess
      expect(err.name).toBe('TransientAwsError');
    } finally {
      doc.restore();
    }
  });

  it('rejects an error without its Error field, naming it', async () => {
    // Act
    const err = await rejectionOf(handler(stateWith({ error: { Cause: 'x' } as never }), lambdaContext('record-outcome')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toContain('error.Error');
  });
});
