/**
 * Contract tests: EventBridge (awsJson1_1) and SNS (query protocol) in the
 * sandbox, and S3's EventBridge notifications — through the real SDK v3
 * clients. Patterns, targets (Lambda, SNS), input transformers, errors.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  TestEventPatternCommand,
  DescribeRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startSandbox, type Sandbox } from '../../sandbox';
import { renderInputTemplate } from '../../sandbox/services/eventbridge';
import { clientsFor, createFixtureFunction, rejection } from './helpers';

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;
let events: EventBridgeClient;
let sns: SNSClient;

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true });
  c = clientsFor(sandbox);
  events = new EventBridgeClient({ ...sandbox.clientConfig, maxAttempts: 1 });
  sns = new SNSClient({ ...sandbox.clientConfig, maxAttempts: 1 });
});

afterAll(async () => {
  c.destroy();
  events.destroy();
  sns.destroy();
  await sandbox.stop();
});

const release = (state: string, extra: object = {}) => ({
  Source: 'cutover',
  DetailType: 'Cutover Release State Change',
  Detail: JSON.stringify({ releaseId: 'r-1', state, targetKey: 'lambda-alias:ai-handler:production', greenPercent: 10, summary: `it ${state}`, ...extra }),
  Resources: ['arn:aws:states:us-east-1:000000000000:execution:cutover-release:r-1'],
});

describe('SNS', () => {
  it('creates topics (idempotently), subscribes, publishes, and keeps the messages in memory', async () => {
    // Act
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'people', Attributes: { DisplayName: 'Cutover' }, Tags: [{ Key: 'team', Value: 'ml' }] }));
    const again = await sns.send(new CreateTopicCommand({ Name: 'people' }));
    const email = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }));
    const published = await sns.send(new PublishCommand({ TopicArn, Message: 'release r-1 <succeeded> & done', Subject: 'Cutover', MessageAttributes: { state: { DataType: 'String', StringValue: 'succeeded' } } }));
    const attributes = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    const subscriptions = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    const topics = await sns.send(new ListTopicsCommand({}));
    // Assess
    expect(TopicArn).toBe(`arn:aws:sns:${sandbox.region}:000000000000:people`);
    expect(again.TopicArn).toBe(TopicArn);
    expect(email.SubscriptionArn).toBe('pending confirmation');
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(attributes.Attributes).toMatchObject({ DisplayName: 'Cutover', TopicArn, SubscriptionsPending: '1' });
    expect(subscriptions.Subscriptions).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: 'oncall@example.com', SubscriptionArn: 'PendingConfirmation' })]);
    expect(topics.Topics?.map((t) => t.TopicArn)).toContain(TopicArn);
    expect(sandbox.sns.messages(TopicArn!)).toEqual([
      expect.objectContaining({ message: 'release r-1 <succeeded> & done', subject: 'Cutover', attributes: { state: { DataType: 'String', StringValue: 'succeeded' } } }),
    ]);
  });

  it('answers NotFound for a topic that does not exist, and InvalidParameter for an empty message', async () => {
    // Act
    const missing = await rejection(sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${sandbox.region}:000000000000:nope`, Message: 'x' })));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'empty' }));
    const empty = await rejection(sns.send(new PublishCommand({ TopicArn, Message: '' })));
    // Assess
    expect(missing.name).toBe('NotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    expect(empty.name).toBe('InvalidParameterException');
  });
});

describe('EventBridge', () => {
  it('routes a matching event to an SNS topic through an input transformer, and a non-matching one nowhere', async () => {
    // Prepare
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'releases' }));
    await events.send(
      new PutRuleCommand({
        Name: 'cutover-to-people',
        EventPattern: JSON.stringify({
          source: ['cutover'],
          'detail-type': ['Cutover Release State Change'],
          resources: [{ prefix: 'arn:aws:states:us-east-1:000000000000:execution:cutover-release:' }],
          detail: { state: ['started', 'succeeded', 'rolled-back'] },
        }),
      }),
    );
    const targets = await events.send(
      new PutTargetsCommand({
        Rule: 'cutover-to-people',
        Targets: [{ Id: 'people', Arn: TopicArn, InputTransformer: { InputPathsMap: { summary: '$.detail.summary', id: '$.detail.releaseId' }, InputTemplate: 'Cutover: <summary> (release <id>)' } }],
      }),
    );
    // Act
    const put = await events.send(new PutEventsCommand({ Entries: [release('succeeded'), release('switched')] }));
    await sandbox.eventbridge.settle();
    // Assess
    expect(targets.FailedEntryCount).toBe(0);
    expect(put.FailedEntryCount).toBe(0);
    expect(put.Entries?.every((e) => e.EventId)).toBe(true);
    expect(sandbox.sns.messages(TopicArn!).map((m) => m.message)).toEqual(['Cutover: it succeeded (release r-1)']);
    expect((await events.send(new DescribeRuleCommand({ Name: 'cutover-to-people' }))).State).toBe('ENABLED');
    expect((await events.send(new ListTargetsByRuleCommand({ Rule: 'cutover-to-people' }))).Targets).toHaveLength(1);
  });

  it('invokes a Lambda target once with the whole event (version, id, detail-type, source, time, resources, detail)', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'eb-echo', 'echo');
    await events.send(new PutRuleCommand({ Name: 'to-echo', EventPattern: JSON.stringify({ source: ['cutover'], detail: { state: ['rolled-back'] } }) }));
    await events.send(new PutTargetsCommand({ Rule: 'to-echo', Targets: [{ Id: 'fn', Arn: sandbox.lambda.functionArn('eb-echo') }] }));
    const before = sandbox.eventbridge.deliveries().length;
    // Act
    await events.send(new PutEventsCommand({ Entries: [release('rolled-back')] }));
    await sandbox.eventbridge.settle();
    // Assess
    const deliveries = sandbox.eventbridge.deliveries().slice(before).filter((d) => d.rule === 'to-echo');
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].status).toBe('delivered');
    const received = JSON.parse(deliveries[0].result!).event;
    expect(received).toMatchObject({
      version: '0',
      'detail-type': 'Cutover Release State Change',
      source: 'cutover',
      account: '000000000000',
      region: sandbox.region,
      resources: ['arn:aws:states:us-east-1:000000000000:execution:cutover-release:r-1'],
      detail: { state: 'rolled-back' },
    });
    expect(received.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('rejects targets it cannot deliver to, aws.* sources from PutEvents, malformed detail, unknown buses, bad patterns', async () => {
    // Prepare
    await events.send(new PutRuleCommand({ Name: 'any', EventPattern: JSON.stringify({ source: ['x'] }) }));
    // Act
    const targets = await events.send(new PutTargetsCommand({ Rule: 'any', Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:queue' }] }));
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'aws.s3', DetailType: 'Object Created', Detail: '{}' },
          { Source: 'me', DetailType: 't', Detail: 'not json' },
          { Source: 'me', DetailType: 't', Detail: '{}', EventBusName: 'nope' },
          { Source: 'me', DetailType: 't', Detail: '{}' },
        ],
      }),
    );
    const badPattern = await rejection(events.send(new PutRuleCommand({ Name: 'bad', EventPattern: JSON.stringify({ source: 'cutover' }) })));
    const noRule = await rejection(events.send(new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 'x', Arn: 'arn' }] })));
    // Assess
    expect(targets.FailedEntries).toEqual([expect.objectContaining({ TargetId: 'q', ErrorCode: 'ValidationException' })]);
    expect(put.FailedEntryCount).toBe(3);
    expect(put.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual(['NotAuthorizedForSourceException', 'MalformedDetail', 'ResourceNotFoundException', 'ok']);
    expect(badPattern.name).toBe('InvalidEventPatternException');
    expect(noRule.name).toBe('ResourceNotFoundException');
  });

  it('keeps rules per bus: an event on a custom bus does not reach the default bus rules', async () => {
    // Prepare
    await events.send(new CreateEventBusCommand({ Name: 'cutover-releases' }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'custom-bus-topic' }));
    await events.send(new PutRuleCommand({ Name: 'on-custom', EventBusName: 'cutover-releases', EventPattern: JSON.stringify({ source: ['cutover'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'on-custom', EventBusName: 'cutover-releases', Targets: [{ Id: 't', Arn: TopicArn, Input: '"fixed"' }] }));
    // Act
    await events.send(new PutEventsCommand({ Entries: [{ ...release('started'), EventBusName: 'cutover-releases' }, release('started')] }));
    await sandbox.eventbridge.settle();
    // Assess
    expect(sandbox.sns.messages(TopicArn!).map((m) => m.message)).toEqual(['"fixed"']);
  });

  it.each([
    [{ source: ['cutover'] }, { source: 'cutover' }, true],
    [{ detail: { state: [{ 'anything-but': ['switched', 'decommissioned'] }] } }, { detail: { state: 'succeeded' } }, true],
    [{ detail: { state: [{ 'anything-but': 'succeeded' }] } }, { detail: { state: 'succeeded' } }, false],
    [{ detail: { object: { key: [{ prefix: 'models/ai-handler/' }] } } }, { detail: { object: { key: 'models/ai-handler/v2.json' } } }, true],
    [{ detail: { object: { key: [{ prefix: 'models/ai-handler/' }, { prefix: 'models/ranker/' }] } } }, { detail: { object: { key: 'datasets/x' } } }, false],
    [{ detail: { key: [{ suffix: '.json' }] } }, { detail: { key: 'a/b.JSON' } }, false],
    [{ detail: { key: [{ suffix: { 'equals-ignore-case': '.json' } }] } }, { detail: { key: 'a/b.JSON' } }, true],
    [{ detail: { greenPercent: [{ numeric: ['>', 0, '<=', 50] }] } }, { detail: { greenPercent: 10 } }, true],
    [{ detail: { greenPercent: [{ numeric: ['>', 50] }] } }, { detail: { greenPercent: 10 } }, false],
    [{ detail: { reason: [{ exists: false }] } }, { detail: {} }, true],
    [{ detail: { reason: [{ exists: true }] } }, { detail: {} }, false],
    [{ detail: { reason: [null] } }, { detail: { reason: null } }, true],
    [{ resources: [{ prefix: 'arn:aws:states:' }] }, { resources: ['arn:aws:s3:::b', 'arn:aws:states:x'] }, true],
    [{ detail: { ModelApprovalStatus: ['Approved'], ModelPackageGroupName: ['g'] } }, { detail: { ModelApprovalStatus: 'Approved', ModelPackageGroupName: 'other' } }, false],
    [{ $or: [{ source: ['a'] }, { detail: { x: [1] } }] }, { source: 'b', detail: { x: 1 } }, true],
    [{ detail: { key: [{ wildcard: 'models/*/v*.json' }] } }, { detail: { key: 'models/ai/v2.json' } }, true],
  ])('TestEventPattern %j on %j → %s', async (pattern, event, expected) => {
    // Act
    const out = await events.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify(pattern),
        Event: JSON.stringify({ id: '1', account: '000000000000', source: 'x', time: '2026-11-26T00:00:00Z', region: 'us-east-1', resources: [], 'detail-type': 'x', detail: {}, ...event }),
      }),
    );
    // Assess
    expect(out.Result).toBe(expected);
  });

  it('renders input templates: text inserts values as text, JSON inserts them as JSON (or as text inside a string)', () => {
    // Assess
    expect(renderInputTemplate('<a> is <b>', { a: 'x "y"', b: 5 })).toBe('x "y" is 5');
    expect(renderInputTemplate('{"s": "<a>!", "n": <b>, "o": <c>, "m": <missing>}', { a: 'x "y"', b: 5, c: { k: [1] }, missing: undefined })).toBe(
      '{"s": "x \\"y\\"!", "n": 5, "o": {"k":[1]}, "m": null}',
    );
    expect(renderInputTemplate('<not-a-variable> stays', {})).toBe('<not-a-variable> stays');
  });
});

describe('S3 → EventBridge notifications', () => {
  it('puts Object Created on the default bus only once EventBridge notifications are on for the bucket', async () => {
    // Prepare
    await c.s3.send(new CreateBucketCommand({ Bucket: 'eb-models' }));
    const before = sandbox.eventbridge.events().length;
    await c.s3.send(new PutObjectCommand({ Bucket: 'eb-models', Key: 'models/a/v1.json', Body: '{"v":1}' }));
    const quiet = sandbox.eventbridge.events().length;
    // Act
    await c.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'eb-models', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const config = await c.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'eb-models' }));
    const put = await c.s3.send(new PutObjectCommand({ Bucket: 'eb-models', Key: 'models/a/v2.json', Body: '{"v":2}' }));
    // Assess
    expect(quiet).toBe(before);
    expect(config.EventBridgeConfiguration).toEqual({});
    const created = sandbox.eventbridge.events().slice(before);
    expect(created).toEqual([
      expect.objectContaining({
        source: 'aws.s3',
        'detail-type': 'Object Created',
        resources: ['arn:aws:s3:::eb-models'],
        detail: expect.objectContaining({
          version: '0',
          bucket: { name: 'eb-models' },
          object: expect.objectContaining({ key: 'models/a/v2.json', size: 7, etag: put.ETag!.replace(/"/g, '') }),
          reason: 'PutObject',
          requester: '000000000000',
        }),
      }),
    ]);
  });

  it('answers NoSuchBucket for the notification configuration of a missing bucket', async () => {
    // Act
    const err = await rejection(c.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'eb-missing', NotificationConfiguration: { EventBridgeConfiguration: {} } })));
    // Assess
    expect(err.name).toBe('NoSuchBucket');
  });
});
