import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EventBridgeReleaseEvents,
  eventsFromEnv,
  RELEASE_EVENT_DETAIL_TYPE,
  RELEASE_EVENT_SOURCE,
  releaseEventDetail,
  releaseEventDetailSchema,
} from '../../core/events';
import { releaseContext } from './handlers/support';

const eventbridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({});
const warnings: unknown[][] = [];
const log = { warn: (...args: unknown[]) => void warnings.push(args) };

beforeEach(() => {
  eventbridge.reset();
  warnings.length = 0;
});
afterAll(() => client.destroy());

describe('releaseEventDetail', () => {
  it('fills every documented field (null when unknown) and validates against the detail schema', () => {
    // Prepare
    const release = releaseContext({}, 'rel-ev-1');
    // Act
    const detail = releaseEventDetail(release, { state: 'started', at: '2026-11-26T10:00:00.000Z' });
    // Assess
    expect(releaseEventDetailSchema.parse(detail)).toEqual(detail);
    expect(detail).toMatchObject({
      eventId: `${release.executionArn}#started`,
      releaseId: 'rel-ev-1',
      targetKey: 'lambda-alias:ai-handler:production',
      target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' },
      state: 'started',
      final: false,
      blue: null,
      green: null,
      greenPercent: null,
      reason: null,
      startedBy: 'console',
      artifactUri: 's3://models/ai-handler/v2.json',
    });
    expect(detail.summary).toBe('lambda-alias:ai-handler:production release rel-ev-1 started (started by console, artifact s3://models/ai-handler/v2.json).');
  });

  it('gives each change a stable event id: the same on a retry, distinct per canary step and for the outcome', () => {
    // Prepare
    const release = releaseContext({}, 'rel-ev-2');
    const at = '2026-11-26T10:00:00.000Z';
    // Act
    const ids = [
      releaseEventDetail(release, { state: 'switched', key: 'switched-0', at }).eventId,
      releaseEventDetail(release, { state: 'switched', key: 'switched-0', at: '2026-11-26T10:00:09.000Z' }).eventId,
      releaseEventDetail(release, { state: 'switched', key: 'switched-1', at }).eventId,
      releaseEventDetail(release, { state: 'rolled-back', at }).eventId,
      releaseEventDetail(release, { state: 'rolled-back', key: 'outcome', final: true, at }).eventId,
    ];
    // Assess
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(4);
  });

  it('says the split in the summary when green and its share are known', () => {
    // Act
    const detail = releaseEventDetail(releaseContext({}, 'rel-ev-3'), { state: 'switched', at: 'now', blue: '6', green: '7', greenPercent: 10 });
    // Assess
    expect(detail.summary).toBe('lambda-alias:ai-handler:production release rel-ev-3 switched traffic: green 7 at 10 %, blue 6 at 90 %.');
  });
});

describe('EventBridgeReleaseEvents', () => {
  it('sends one entry: source cutover, the detail type, the detail as JSON, the bus, the execution as resource', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const release = releaseContext({}, 'rel-ev-4');
    // Act
    await new EventBridgeReleaseEvents(client, 'releases', log).publish(release, { state: 'succeeded', key: 'outcome', final: true, at: '2026-11-26T10:00:00.000Z', greenPercent: 100 });
    // Assess
    const [call] = eventbridge.commandCalls(PutEventsCommand);
    const entry = call.args[0].input.Entries![0];
    expect(entry).toMatchObject({ Source: RELEASE_EVENT_SOURCE, DetailType: RELEASE_EVENT_DETAIL_TYPE, EventBusName: 'releases', Resources: [release.executionArn] });
    expect(RELEASE_EVENT_DETAIL_TYPE).toBe('Cutover Release State Change');
    expect(JSON.parse(entry.Detail!)).toMatchObject({ state: 'succeeded', final: true, greenPercent: 100 });
    expect(warnings).toEqual([]);
  });

  it('never throws: a PutEvents error is logged with the event id', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Act
    await expect(new EventBridgeReleaseEvents(client, 'default', log).publish(releaseContext({}, 'rel-ev-5'), { state: 'started', at: 'now' })).resolves.toBeUndefined();
    // Assess
    expect(warnings).toHaveLength(1);
    expect(warnings[0][1]).toMatchObject({ eventId: expect.stringContaining('#started'), error: 'Rate exceeded' });
  });

  it('logs a partial failure (FailedEntryCount) with its error code', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    // Act
    await new EventBridgeReleaseEvents(client, 'default', log).publish(releaseContext({}, 'rel-ev-6'), { state: 'started', at: 'now' });
    // Assess
    expect(warnings[0][1]).toMatchObject({ errorCode: 'InternalFailure', errorMessage: 'try again' });
  });
});

describe('eventsFromEnv', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env.CUTOVER_EVENTS = saved.CUTOVER_EVENTS;
    if (saved.CUTOVER_EVENT_BUS === undefined) delete process.env.CUTOVER_EVENT_BUS;
    else process.env.CUTOVER_EVENT_BUS = saved.CUTOVER_EVENT_BUS;
  });

  it('is off when CUTOVER_EVENTS=off, and publishes to CUTOVER_EVENT_BUS (default "default") otherwise', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
    process.env.CUTOVER_EVENTS = 'off';
    // Act + Assess
    expect(eventsFromEnv(log, () => client)).toBeUndefined();
    process.env.CUTOVER_EVENTS = 'on';
    delete process.env.CUTOVER_EVENT_BUS;
    await eventsFromEnv(log, () => client)!.publish(releaseContext({}, 'rel-ev-7'), { state: 'started', at: 'now' });
    process.env.CUTOVER_EVENT_BUS = 'cutover-releases';
    await eventsFromEnv(log, () => client)!.publish(releaseContext({}, 'rel-ev-8'), { state: 'started', at: 'now' });
    expect(eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries![0].EventBusName)).toEqual(['default', 'cutover-releases']);
  });
});
