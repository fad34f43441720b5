import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { clients } from '../../functions/kit/clients';
import { releaseEventDetailSchema, type ReleaseEventDetail } from '../../core/events';
import { Ledger } from '../../core/ledger';
import { startLedgerTable } from '../support/dynalite';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda } from '../support/fake-lambda';
import { releaseInput } from '../support/release-input';
import { runRelease } from '../support/run-release';

/**
 * The release events each path emits, from the real release.asl.json with
 * its real handlers (as in release-paths.test.ts), EventBridge mocked: what
 * a rule on `source: cutover` would see, in order.
 */
const TARGET = 'lambda-alias:ai-handler:production';
let table: Awaited<ReturnType<typeof startLedgerTable>>;
let ledger: Ledger;
const lambda = new FakeLambda();
const cloudwatch = new FakeCloudWatch();
const sfn = mockClient(SFNClient);
const eventbridge = mockClient(EventBridgeClient);
const savedEvents = process.env.CUTOVER_EVENTS;

beforeAll(async () => {
  process.env.CUTOVER_EVENTS = 'on';
  process.env.CUTOVER_EVENT_BUS = 'cutover-test-bus';
  table = await startLedgerTable();
  ledger = new Ledger(clients.dynamo(), table.tableName);
});
afterAll(async () => {
  process.env.CUTOVER_EVENTS = savedEvents;
  delete process.env.CUTOVER_EVENT_BUS;
  clients.dynamo().destroy();
  await table.stop();
});

let blue: string;
beforeEach(() => {
  lambda.startOver();
  blue = lambda.seed('production');
  lambda.calls = [];
  cloudwatch.startOver();
  cloudwatch.set('ai-handler-errors', 'OK');
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
  eventbridge.reset();
  eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
});

function published(): ReleaseEventDetail[] {
  return eventbridge.commandCalls(PutEventsCommand).map((c) => {
    const entry = c.args[0].input.Entries![0];
    expect(entry).toMatchObject({ Source: 'cutover', DetailType: 'Cutover Release State Change', EventBusName: 'cutover-test-bus' });
    return releaseEventDetailSchema.parse(JSON.parse(entry.Detail!));
  });
}
const states = () => published().map((d) => `${d.state}${d.final ? ' (final)' : ''}${d.greenPercent === null ? '' : ` ${d.greenPercent} %`}`);

describe('release events per path', () => {
  it('happy canary: started, one switched per step, decommissioned (blue retired), succeeded', async () => {
    // Act
    const run = await runRelease(releaseInput({ strategy: { type: 'canary', steps: [10, 50], stepSeconds: 120 } }), { name: 'ev-canary' });
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(states()).toEqual(['started', 'switched 10 %', 'switched 50 %', 'switched 100 %', 'decommissioned', 'succeeded (final) 100 %']);
    const events = published();
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(events.every((e) => e.releaseId === 'ev-canary' && e.targetKey === TARGET)).toBe(true);
    expect(events[1]).toMatchObject({ blue, green: '2', summary: `${TARGET} release ev-canary switched traffic: green 2 at 10 %, blue ${blue} at 90 %.` });
    expect(events[4].reason).toMatch(/^retired blue: /);
  });

  it('breach during bake: rolled-back when traffic goes back, then rolled-back as the outcome', async () => {
    // Prepare
    cloudwatch.onDescribe = (n) => n === 3 && cloudwatch.set('ai-handler-errors', 'ALARM', 'Threshold crossed: 12 errors');
    // Act
    const run = await runRelease(releaseInput(), { name: 'ev-breach' });
    // Assess
    expect(run.error).toBe('AlarmRollback');
    expect(states()).toEqual(['started', 'switched 100 %', 'rolled-back 0 %', 'decommissioned', 'rolled-back (final) 0 %']);
    const [, , rolledBack, decommissioned, outcome] = published();
    expect(rolledBack.reason).toMatch(/^alarm: alarm during bake at 100 %: ai-handler-errors is ALARM/);
    expect(decommissioned.reason).toMatch(/^retired green: /);
    expect(outcome.reason).toMatch(/^AlarmRollback: /);
  });

  it('smoke failure: no switch; green retired; failed with the error', async () => {
    // Prepare
    lambda.behaviour = (v) => ({ ok: v.version === blue });
    // Act
    await runRelease(releaseInput(), { name: 'ev-smoke' });
    // Assess
    expect(states()).toEqual(['started', 'decommissioned', 'failed (final) 0 %']);
    expect(published()[2].reason).toMatch(/^SmokeTestFailed: /);
  });

  it('lock busy: only rejected (the release never started)', async () => {
    // Prepare
    const other = 'arn:aws:states:eu-west-1:123456789012:execution:cutover-release:other';
    await ledger.acquireLock({ targetKey: TARGET, ownerExecutionArn: other, releaseId: 'other', releaseSk: 'RELEASE#x#other', acquiredAt: '2026-11-26T00:00:00Z' }, async () => true);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    // Act
    await runRelease(releaseInput(), { name: 'ev-busy' });
    // Assess
    expect(states()).toEqual(['rejected (final)']);
    expect(published()[0].reason).toMatch(/^ReleaseInProgress: /);
    await ledger.releaseLock(TARGET, other);
  });

  it('EventBridge down: every PutEvents fails, the release still succeeds', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'InternalException', $metadata: { httpStatusCode: 500 } }));
    // Act
    const run = await runRelease(releaseInput(), { name: 'ev-down' });
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(eventbridge.commandCalls(PutEventsCommand).length).toBeGreaterThanOrEqual(4);
  });
});
