/**
 * Contract tests: DynamoDB (dynalite) and S3 (s3rver) behind the sandbox's
 * single port, the control endpoints, and fault injection in each protocol's
 * real error shape — through the real SDK v3 clients.
 */
import { ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, GetAliasCommand, PublishVersionCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction, rejection } from './helpers';

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true });
  c = clientsFor(sandbox);
});

afterAll(async () => {
  c.destroy();
  await sandbox.stop();
});

afterEach(() => sandbox.faults.clear());

describe('control endpoints', () => {
  it('answers GET /_sandbox/health', async () => {
    // Act
    const res = await fetch(`${sandbox.url}/_sandbox/health`);
    const body = (await res.json()) as Record<string, unknown>;

    // Assess
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', region: sandbox.region, timeScale: 1 });
    expect(body.services).toEqual(expect.arrayContaining(['lambda', 'stepfunctions', 'dynamodb', 'cloudwatch', 's3']));
  });
});

describe('DynamoDB (dynalite)', () => {
  it('creates a table and enforces conditional writes (ConditionalCheckFailedException)', async () => {
    // Prepare
    await c.dynamo.send(
      new CreateTableCommand({
        TableName: 'ledger',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const lock = { TableName: 'ledger', Item: { pk: { S: 'target#svc' }, sk: { S: 'lock' } }, ConditionExpression: 'attribute_not_exists(pk)' };

    // Act
    await c.dynamo.send(new PutItemCommand(lock));
    const second = await rejection(c.dynamo.send(new PutItemCommand(lock)));
    const item = await c.dynamo.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'target#svc' }, sk: { S: 'lock' } } }));

    // Assess
    expect(second.name).toBe('ConditionalCheckFailedException');
    expect(item.Item?.sk?.S).toBe('lock');
  });
});

describe('S3 (s3rver, path-style)', () => {
  it('creates a bucket and puts, heads, gets and lists objects; a missing key is NoSuchKey', async () => {
    // Prepare
    await c.s3.send(new CreateBucketCommand({ Bucket: 'models' }));

    // Act
    await c.s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'v2/model.json', Body: '{"weights":[1,2]}', ContentType: 'application/json' }));
    const head = await c.s3.send(new HeadObjectCommand({ Bucket: 'models', Key: 'v2/model.json' }));
    const got = await c.s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'v2/model.json' }));
    const listed = await c.s3.send(new ListObjectsV2Command({ Bucket: 'models', Prefix: 'v2/' }));
    const missing = await rejection(c.s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'v3/model.json' })));

    // Assess
    expect(head.ContentLength).toBe(17);
    expect(await got.Body?.transformToString()).toBe('{"weights":[1,2]}');
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['v2/model.json']);
    expect(missing.name).toBe('NoSuchKey');
  });
});

describe('fault injection', () => {
  it('throttles one UpdateAlias (429 TooManyRequestsException), then the next call succeeds', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'svc', 'echo');
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'svc' }));
    await c.lambda.send(new CreateAliasCommand({ FunctionName: 'svc', Name: 'live', FunctionVersion: '1' }));
    sandbox.faults.inject({ service: 'lambda', operation: 'UpdateAlias', kind: 'throttle', times: 1 });

    // Act
    const throttled = await rejection(c.lambda.send(new UpdateAliasCommand({ FunctionName: 'svc', Name: 'live', Description: 'x' })));
    const unaffected = await c.lambda.send(new GetAliasCommand({ FunctionName: 'svc', Name: 'live' }));
    const next = await c.lambda.send(new UpdateAliasCommand({ FunctionName: 'svc', Name: 'live', Description: 'y' }));

    // Assess
    expect(throttled.name).toBe('TooManyRequestsException');
    expect(throttled.$metadata?.httpStatusCode).toBe(429);
    expect(throttled.Reason).toBe('CallerRateLimitExceeded');
    expect(unaffected.Name).toBe('live');
    expect(next.Description).toBe('y');
  });

  it('speaks each protocol: 5xx on DynamoDB, AccessDenied on S3, throttling on CloudWatch', async () => {
    // Prepare
    sandbox.faults.inject({ service: 'dynamodb', operation: 'GetItem', kind: '5xx' });
    sandbox.faults.inject({ service: 's3', operation: 'ListBuckets', kind: 'access-denied' });
    sandbox.faults.inject({ service: 'cloudwatch', operation: 'ListMetrics', kind: 'throttle' });
    sandbox.faults.inject({ service: 'lambda', operation: 'GetAlias', kind: 'access-denied' });

    // Act
    const dynamo = await rejection(c.dynamo.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })));
    const s3 = await rejection(c.s3.send(new ListBucketsCommand({})));
    const cloudwatch = await rejection(c.cloudwatch.send(new ListMetricsCommand({})));
    const lambda = await rejection(c.lambda.send(new GetAliasCommand({ FunctionName: 'svc', Name: 'live' })));

    // Assess
    expect([dynamo.name, dynamo.$metadata?.httpStatusCode]).toEqual(['InternalServerError', 500]);
    expect([s3.name, s3.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    expect(cloudwatch.name).toBe('Throttling');
    expect([lambda.name, lambda.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
  });

  it('is switchable over HTTP: POST adds a fault (5xx, latency), DELETE clears them', async () => {
    // Prepare
    const post = (spec: unknown) => fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(spec) });
    const created = await post({ service: 'stepfunctions', operation: 'ListStateMachines', kind: '5xx' });
    const invalid = await post({ service: 'nope', kind: '5xx' });

    // Act
    const failed = await rejection(c.sfn.send(new ListStateMachinesCommand({})));
    const cleared = await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    const ok = await c.sfn.send(new ListStateMachinesCommand({}));
    await post({ service: 'stepfunctions', operation: 'ListStateMachines', kind: 'latency', latencyMs: 300, times: 1 });
    const started = Date.now();
    await c.sfn.send(new ListStateMachinesCommand({}));
    const slowMs = Date.now() - started;

    // Assess
    expect(created.status).toBe(201);
    expect(invalid.status).toBe(400);
    expect([failed.name, failed.$metadata?.httpStatusCode]).toEqual(['InternalFailure', 500]);
    expect(cleared.status).toBe(204);
    expect(ok.stateMachines).toEqual([]);
    expect(slowMs).toBeGreaterThanOrEqual(290);
    expect(sandbox.faults.list()).toEqual([]);
  });
});
