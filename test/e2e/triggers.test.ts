import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { releaseEventDetailSchema } from '../../core/events';
import { Ledger } from '../../core/ledger';
import { ModelArtifactTrigger, ReleaseNotifications } from '../../infra';
import { BUCKET, GOLDEN_SET_URI } from '../../examples/ai-service/sandbox-service';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { BUNDLE_DIR } from '../../sandbox/bundle';
import type { PolicyDocument } from '../../sandbox/services/iam';

/**
 * The EventBridge trigger and the notifications end to end on the sandbox,
 * deployed from what the CDK constructs synthesize: the rules' event
 * patterns, targets and input transformer and the start-release function's
 * configuration come from the template. Putting a model artifact into the
 * bucket starts a release (S3 → EventBridge → start-release → Step
 * Functions); a duplicated S3 event starts nothing more; the release's state
 * changes reach the SNS topic as readable messages.
 */
const TARGET = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };
const KEY = 'ai-handler/models/v2-from-s3.json';
const URI = `s3://${BUCKET}/${KEY}`;

let stack: RehearsalStack;
let events: EventBridgeClient;
let sns: SNSClient;
let sfnClient: SFNClient;
let lambda: LambdaClient;
let dynamo: DynamoDBDocumentClient;
let topicArn: string;
const FN = 'user-start-release';

/** A CloudFormation value with the sandbox's names for pseudo parameters and resources. */
function resolve(value: unknown, ids: Record<string, string>, sandbox: RehearsalStack['sandbox']): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, ids, sandbox));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [sep, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map((i) => resolve(i, ids, sandbox)).join(sep);
    }
    if ('Ref' in o) {
      const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': sandbox.region, 'AWS::AccountId': sandbox.account };
      const ref = String(o.Ref);
      if (pseudo[ref] ?? ids[ref]) return pseudo[ref] ?? ids[ref];
      throw new Error(`unresolved Ref ${ref}`);
    }
    if ('Fn::GetAtt' in o) {
      const [id] = o['Fn::GetAtt'] as string[];
      if (ids[id]) return ids[id];
      throw new Error(`unresolved GetAtt ${id}`);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v, ids, sandbox)]));
  }
  return value;
}

beforeAll(async () => {
  stack = await startRehearsalStack({ timeScale: 40 });
  const { sandbox } = stack;
  const config = { ...sandbox.clientConfig, maxAttempts: 2 };
  events = new EventBridgeClient(config);
  sns = new SNSClient(config);
  sfnClient = new SFNClient(config);
  lambda = new LambdaClient(config);
  dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(config));

  // The user's CDK app: the orchestrator's state machine, the artifact trigger, the notifications.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const user = new Stack(app, 'UserStack', { env: { account: sandbox.account, region: sandbox.region } });
  const stateMachine = sfn.StateMachine.fromStateMachineArn(user, 'Cutover', stack.deployed.stateMachineArn);
  new ModelArtifactTrigger(user, 'Artifacts', {
    stateMachine,
    bucket: s3.Bucket.fromBucketName(user, 'Models', BUCKET),
    mappings: [
      {
        prefix: 'ai-handler/models/',
        target: TARGET,
        release: {
          smokeTest: { goldenSet: { uri: GOLDEN_SET_URI } },
          bake: { seconds: 120, pollSeconds: 30 },
          retention: { seconds: 40, pollSeconds: 20 },
          alarms: { periodSeconds: 60 },
        },
      },
    ],
  });
  new ReleaseNotifications(user, 'Notifications', { stateMachineName: 'cutover-release' });
  const template = Template.fromStack(user).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

  // "Deploy" it to the sandbox: the topic, the function (its code is the bundled handler), the rules.
  const ids: Record<string, string> = {};
  // The template's roles, with their policies: the sandbox enforces IAM on what the function calls.
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IAM::Role') ids[id] = `arn:aws:iam::${sandbox.account}:role/${id}`;
    if (r.Type === 'AWS::Logs::LogGroup') ids[id] = `arn:aws:logs:${sandbox.region}:${sandbox.account}:log-group:${id}`;
  }
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    for (const role of r.Properties.Roles as unknown[]) sandbox.iam.putRole(resolve(role, ids, sandbox) as string, [resolve(r.Properties.PolicyDocument, ids, sandbox) as PolicyDocument]);
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::SNS::Topic') ids[id] = topicArn = (await sns.send(new CreateTopicCommand({ Name: 'cutover-notifications' }))).TopicArn!;
    if (r.Type === 'AWS::Lambda::Function') {
      const variables = resolve(r.Properties.Environment.Variables, ids, sandbox) as Record<string, string>;
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: FN,
          Runtime: 'nodejs22.x',
          Role: resolve(r.Properties.Role, ids, sandbox) as string,
          Handler: `${BUNDLE_DIR}/triggers/start-release/handler.handler`,
          Code: {},
          Timeout: 30,
          Environment: { Variables: { ...variables, POWERTOOLS_LOG_LEVEL: 'WARN' } },
        }),
      );
      ids[id] = sandbox.lambda.functionArn(FN);
    }
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Events::Rule') continue;
    const p = resolve(r.Properties, ids, sandbox) as { EventPattern: object; Targets: Target[]; EventBusName?: string };
    await events.send(new PutRuleCommand({ Name: id, EventPattern: JSON.stringify(p.EventPattern), EventBusName: p.EventBusName }));
    const out = await events.send(new PutTargetsCommand({ Rule: id, EventBusName: p.EventBusName, Targets: p.Targets }));
    if (out.FailedEntryCount) throw new Error(`targets of ${id}: ${JSON.stringify(out.FailedEntries)}`);
  }
  // S3 sends events to EventBridge once the bucket says so.
  await stack.aws.s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: BUCKET, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
}, 180_000);

afterAll(async () => {
  for (const c of [events, sns, sfnClient, lambda]) c?.destroy();
  dynamo?.destroy();
  await stack?.stop();
});

const executions = async () => (await sfnClient.send(new ListExecutionsCommand({ stateMachineArn: stack.deployed.stateMachineArn }))).executions ?? [];
const startResults = () =>
  stack.sandbox.eventbridge
    .deliveries()
    .filter((d) => d.targetArn === stack.sandbox.lambda.functionArn(FN))
    .map((d) => (d.status === 'delivered' ? (JSON.parse(d.result!) as { status: string; name?: string; executionArn?: string; reason?: string }) : { status: `failed: ${d.error}` }));

describe('S3 model artifact → EventBridge → start-release → a release', () => {
  let executionArn: string;

  it('putting a model artifact under the mapped prefix starts a release named after the artifact', async () => {
    // Prepare
    const v2 = await (await stack.aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ai-handler/models/v2.json' }))).Body!.transformToString();
    // Act
    await stack.aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: v2 }));
    await stack.sandbox.eventbridge.settle();
    // Assess
    const [started] = startResults();
    expect(started).toMatchObject({ status: 'started', name: expect.stringMatching(/^ai-handler-models-v2-from-s3-json-[0-9a-f]{12}$/) });
    executionArn = started.executionArn!;
    expect((await executions()).map((e) => e.executionArn)).toEqual([executionArn]);
  }, 60_000);

  it('a duplicated event while the release runs reaches the same execution, and starts nothing new', async () => {
    // Prepare: S3 delivers at least once: the same Object Created again (a new event id, the same object).
    const original = stack.sandbox.eventbridge.events().find((e) => e.source === 'aws.s3' && (e.detail.object as { key: string }).key === KEY)!;
    // Act
    stack.sandbox.eventbridge.putServiceEvent('aws.s3', 'Object Created', original.detail, original.resources);
    await stack.sandbox.eventbridge.settle();
    // Assess
    expect(startResults()[1]).toMatchObject({ status: 'started', executionArn });
    expect(await executions()).toHaveLength(1);
  }, 60_000);

  it('the release succeeds, recorded in the history as started by eventbridge:s3 with the artifact', async () => {
    // Act
    const status = await stack.sandbox.stepfunctions.waitFor(executionArn, 120_000);
    // Assess
    expect(status).toBe('SUCCEEDED');
    const [release] = await new Ledger(dynamo, stack.deployed.tableName).listReleases('lambda-alias:ai-handler:production', 1);
    expect(release).toMatchObject({ status: 'Succeeded', startedBy: `eventbridge:s3 ${URI}`, artifactUri: URI, executionArn });
  }, 150_000);

  it('after the release, the same event again (or the same bytes re-uploaded) is a duplicate: no second release', async () => {
    // Prepare
    const original = stack.sandbox.eventbridge.events().find((e) => e.source === 'aws.s3' && (e.detail.object as { key: string }).key === KEY)!;
    const v2 = await (await stack.aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }))).Body!.transformToString();
    // Act
    stack.sandbox.eventbridge.putServiceEvent('aws.s3', 'Object Created', original.detail, original.resources);
    await stack.aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: v2 }));
    await stack.sandbox.eventbridge.settle();
    // Assess
    expect(startResults().slice(2)).toEqual([
      expect.objectContaining({ status: 'duplicate', executionArn }),
      expect.objectContaining({ status: 'duplicate', executionArn }),
    ]);
    expect(await executions()).toHaveLength(1);
  }, 60_000);

  it('an object outside the mapped prefixes starts nothing (the rule does not match)', async () => {
    // Prepare
    const before = stack.sandbox.eventbridge.deliveries().length;
    // Act
    await stack.aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'datasets/tickets.csv', Body: 'a,b' }));
    await stack.sandbox.eventbridge.settle();
    // Assess
    expect(stack.sandbox.eventbridge.deliveries().slice(before).filter((d) => d.targetArn.includes(FN))).toEqual([]);
    expect(await executions()).toHaveLength(1);
  }, 30_000);
});

describe('release events → EventBridge rule → SNS topic', () => {
  it('the release emitted started … succeeded on the bus, each valid against the documented detail schema', () => {
    // Act
    const emitted = stack.sandbox.eventbridge
      .events()
      .filter((e) => e.source === 'cutover')
      .map((e) => ({ type: e['detail-type'], resources: e.resources, detail: releaseEventDetailSchema.parse(e.detail) }));
    // Assess
    expect(emitted.map((e) => e.detail.state)).toEqual(['started', 'switched', 'decommissioned', 'succeeded']);
    expect(emitted.every((e) => e.type === 'Cutover Release State Change' && e.resources[0] === e.detail.executionArn)).toBe(true);
    expect(emitted[3].detail).toMatchObject({ final: true, greenPercent: 100, startedBy: `eventbridge:s3 ${URI}`, artifactUri: URI });
  });

  it('people get one readable message per state change on the topic', async () => {
    // Act
    await stack.sandbox.eventbridge.settle();
    const messages = stack.sandbox.sns.messages(topicArn).map((m) => m.message);
    // Assess
    expect(messages.map((m) => m.split(':')[0])).toEqual(['Cutover started', 'Cutover switched', 'Cutover decommissioned', 'Cutover succeeded']);
    expect(messages[0]).toMatch(new RegExp(`^Cutover started: lambda-alias:ai-handler:production release ai-handler-models-v2-from-s3-json-[0-9a-f]{12} started \\(started by eventbridge:s3 ${URI.replace(/[.]/g, '\\.')}, artifact `));
    expect(messages[1]).toMatch(/switched traffic: green \d+ at 100 %, blue \d+ at 0 %\./);
    expect(messages[3]).toMatch(/ended: succeeded: green \d+ at 100 %/);
    expect(messages[3]).toContain(`\nStarted by eventbridge:s3 ${URI}\nExecution arn:aws:states:`);
  });
});
