/**
 * Contract tests: every request is checked against AWS's published API
 * models (botocore's data as Debian's awscli 2.9.19-1 ships it, extracted into
 * sandbox/models/ by scripts/extract-aws-models.ts) and refused as AWS refuses,
 * through the real SDK v3 clients; and the request normalizer names REST
 * operations and their members from the model's http bindings.
 */
import type { IncomingMessage } from 'node:http';
import { APIGatewayClient, CreateRestApiCommand, type CreateRestApiCommandInput } from '@aws-sdk/client-api-gateway';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateEndpointConfigCommand, CreateModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { startSandbox, type Sandbox } from '../../sandbox';
import { loadModel } from '../../sandbox/models/model';
import { compilePattern } from '../../sandbox/models/validate';
import { destination, normalize } from '../../sandbox/normalize';
import { rejection, ROLE } from './helpers';

let sandbox: Sandbox;
let config: Sandbox['clientConfig'] & { maxAttempts: number };

beforeAll(async () => {
  // IAM off: these requests are signed with keys the sandbox never issued; IAM has its own tests (iam.test.ts).
  sandbox = await startSandbox({ quiet: true, iam: false });
  config = { ...sandbox.clientConfig, maxAttempts: 1 };
});

afterAll(async () => {
  await sandbox.stop();
});

describe('the extracted model data', () => {
  it('quotes AWS: EndpointConfigName, TagValue and the Lambda alias Name, with source and licence', () => {
    // Prepare / Act
    const sagemaker = loadModel('sagemaker');
    const lambda = loadModel('lambda');

    // Assess: botocore sagemaker/2017-07-24/service-2.json and lambda/2015-03-31/service-2.json.
    expect(sagemaker.shapes.EndpointConfigName).toEqual({ type: 'string', max: 63, pattern: '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}' });
    expect(sagemaker.shapes.TagValue).toEqual({ type: 'string', min: 0, max: 256, pattern: '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$' });
    expect(lambda.shapes.Alias).toEqual({ type: 'string', min: 1, max: 128, pattern: '(?!^[0-9]+$)([a-zA-Z0-9-_]+)' });
    expect(sagemaker.source).toMatchObject({ debianPackage: 'awscli', debianVersion: '2.9.19-1', licence: 'Apache-2.0' });
    expect(sagemaker.source.file).toBe('/usr/lib/python3/dist-packages/awscli/botocore/data/sagemaker/2017-07-24/service-2.json');
  });

  it('translates Java-regex-like patterns: Unicode properties with the u flag, POSIX classes as Java defines them', () => {
    // Act
    const tag = compilePattern('^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$');
    const printable = compilePattern('\\A\\S[\\p{Print}]*\\z');

    // Assess
    expect(tag?.test('release 2026-12-02: é')).toBe(true);
    expect(tag?.test('release#1')).toBe(false);
    expect(printable?.test('variant-a b')).toBe(true);
    expect(printable?.test(' leading-space')).toBe(false);
  });
});

describe('refusals, in each service own error shape', () => {
  it('SageMaker (awsJson1_1): EndpointConfigName pattern and length, as ValidationException', async () => {
    // Prepare
    const sm = new SageMakerClient(config);
    const create = (name: string) => sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'blue', ModelName: 'm' }] }));

    // Act
    const underscore = await rejection(create('release_1'));
    const long = await rejection(create('a'.repeat(64)));
    sm.destroy();

    // Assess: "Member must satisfy regular expression pattern" / "Member must have length less than or equal to 63".
    expect(underscore.name).toBe('ValidationException');
    expect(underscore.$metadata?.httpStatusCode).toBe(400);
    expect(underscore.message).toBe(
      "1 validation error detected: Value 'release_1' at 'endpointConfigName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    );
    expect(long.message).toBe(
      `2 validation errors detected: Value '${'a'.repeat(64)}' at 'endpointConfigName' failed to satisfy constraint: Member must have length less than or equal to 63; ` +
        `Value '${'a'.repeat(64)}' at 'endpointConfigName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
    );
  });

  it('SageMaker: a tag value outside TagValue pattern is refused, the path names the list member', async () => {
    // Prepare
    const sm = new SageMakerClient(config);

    // Act
    const refused = await rejection(sm.send(new CreateModelCommand({ ModelName: 'm1', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: 'x' }, Tags: [{ Key: 'cutover:release', Value: 'rel#42' }] })));
    sm.destroy();

    // Assess
    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toBe(
      "1 validation error detected: Value 'rel#42' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
    );
  });

  it('Lambda (restJson1): the alias Name pattern, matched against the whole name, as ValidationException', async () => {
    // Prepare
    const lambda = new LambdaClient(config);
    const alias = (Name: string) => lambda.send(new CreateAliasCommand({ FunctionName: 'svc', Name, FunctionVersion: '1' }));

    // Act
    const space = await rejection(alias('my alias'));
    const digits = await rejection(alias('123'));
    const fine = await rejection(alias('live'));
    lambda.destroy();

    // Assess: digits only is what the lookahead (?!^[0-9]+$) excludes; a valid name reaches Lambda (no such function).
    expect(space.name).toBe('ValidationException');
    expect(space.message).toBe("1 validation error detected: Value 'my alias' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
    expect(digits.name).toBe('ValidationException');
    expect(fine.name).toBe('ResourceNotFoundException');
  });

  it('API Gateway: a missing required member is BadRequestException', async () => {
    // Prepare
    const apigw = new APIGatewayClient(config);

    // Act: SDK v3 does not check required members on the client.
    const refused = await rejection(apigw.send(new CreateRestApiCommand({ description: 'no name' } as unknown as CreateRestApiCommandInput)));
    apigw.destroy();

    // Assess
    expect(refused.name).toBe('BadRequestException');
    expect(refused.message).toBe("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  });

  it('DynamoDB (awsJson1_0) ValidationException, CloudWatch ValidationException (query code ValidationError), EventBridge ValidationException, SNS InvalidParameter (query XML)', async () => {
    // Prepare
    const dynamo = new DynamoDBClient(config);
    const cloudwatch = new CloudWatchClient(config);
    const events = new EventBridgeClient(config);
    const sns = new SNSClient(config);

    // Act
    const table = await rejection(dynamo.send(new GetItemCommand({ TableName: 'ab', Key: { pk: { S: '1' } } })));
    const alarm = await rejection(cloudwatch.send(new PutMetricAlarmCommand({ AlarmName: 'x'.repeat(256), EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', MetricName: 'Errors', Namespace: 'AWS/Lambda', Period: 60, Statistic: 'Sum', Threshold: 1 })));
    const rule = await rejection(events.send(new PutRuleCommand({ Name: 'bad name', EventPattern: '{"source":["x"]}' })));
    const topic = await rejection(sns.send(new CreateTopicCommand({ Name: 't', Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] })));
    for (const c of [dynamo, cloudwatch, events, sns]) c.destroy();

    // Assess: TableName min 3; AlarmName max 255; EventBridge RuleName pattern [\.\-_A-Za-z0-9]+; SNS TagValue max 256.
    expect(table.name).toBe('ValidationException');
    expect(table.message).toMatch(/^1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3$/);
    // CloudWatch's current model: ValidationException with `awsQueryError: ValidationError, 400`.
    expect(alarm.name).toBe('ValidationException');
    expect(alarm.$metadata?.httpStatusCode).toBe(400);
    expect(alarm.message).toMatch(/at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255$/);
    expect(rule.name).toBe('ValidationException');
    expect(rule.message).toMatch(/Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
    expect(topic.name).toBe('InvalidParameterException');
    expect(topic.message).toMatch(/at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256$/);
  });

  it('CloudWatch over the query protocol (as the AWS CLI sends it): <ErrorResponse> with Code ValidationError', async () => {
    // Prepare
    const form = new URLSearchParams({ Action: 'DescribeAlarms', Version: '2010-08-01', MaxRecords: '101' });

    // Act
    const res = await fetch(sandbox.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDCLI/20261202/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: form.toString(),
    });
    const xml = await res.text();

    // Assess: MaxRecords is an integer with "min": 1, "max": 100 in CloudWatch's model.
    expect(res.status).toBe(400);
    expect(xml).toContain('<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Sender</Type><Code>ValidationError</Code>');
    expect(xml).toContain("<Message>1 validation error detected: Value &apos;101&apos; at &apos;maxRecords&apos; failed to satisfy constraint: Member must have value less than or equal to 100</Message>");
  });
});

describe('members newer than the data', () => {
  it('are allowed and reported once, not refused', async () => {
    // Prepare: a raw awsJson1_1 request (the SDK drops members its schema lacks).
    const send = () =>
      fetch(sandbox.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'SageMaker.DescribeEndpoint',
          authorization: 'AWS4-HMAC-SHA256 Credential=AKIDNEWER/20261202/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: JSON.stringify({ EndpointName: 'nope', IncludeFutureThing: true }),
      });

    // Act
    const first = await send();
    const second = await send();

    // Assess: the service answers (no such endpoint), the gate only reported the member, once.
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('Could not find endpoint') });
    expect(second.status).toBe(400);
    expect(sandbox.validation?.reports.filter((r) => r.includes("'includeFutureThing'"))).toEqual([
      "[sandbox] model sagemaker.DescribeEndpoint: member 'includeFutureThing' is not in DescribeEndpointInput of this data (allowed: newer than the model)",
    ]);
  });

  it('an enum value the data does not know is allowed and reported (AWS adds values before the data has them)', async () => {
    // Prepare
    const lambda = new LambdaClient(config);

    // Act: nodejs22.x is newer than this data's Runtime enum.
    const { FunctionName } = await lambda.send(
      new (await import('@aws-sdk/client-lambda')).CreateFunctionCommand({ FunctionName: 'enum-check', Role: ROLE, Runtime: 'nodejs22.x', Handler: 'test/sandbox/fixtures/handlers/echo.handler', Code: {} }),
    );
    lambda.destroy();

    // Assess
    expect(FunctionName).toBe('enum-check');
    expect(sandbox.validation?.reports.some((r) => r.startsWith("[sandbox] model lambda.CreateFunction: 'nodejs22.x' at 'runtime' is not in Runtime's enum"))).toBe(true);
  });
});

describe('the normalizer names REST operations and members from the model', () => {
  const request = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
    const url = new URL(path, 'http://127.0.0.1');
    const req = { method, url: path, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=0', ...headers } } as unknown as IncomingMessage;
    const dest = destination(req, url);
    if (!dest) throw new Error(`no destination for ${method} ${path}`);
    return normalize(dest, req, url, body === undefined ? undefined : Buffer.from(body));
  };

  it('Lambda: uri labels, querystring and header members, JSON body members, the access key id', () => {
    // Act
    const getAlias = request('GET', '/2015-03-31/functions/checkout/aliases/live');
    const updateAlias = request('PUT', '/2015-03-31/functions/checkout/aliases/live', {}, JSON.stringify({ FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } }, RevisionId: 'r1' }));
    const versions = request('GET', '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A000000000000%3Afunction%3Acheckout/versions?Marker=m1&MaxItems=5');
    const provisioned = request('GET', '/2019-09-30/functions/checkout/provisioned-concurrency?Qualifier=live');
    const invoke = request('POST', '/2015-03-31/functions/checkout/invocations?Qualifier=green', { 'x-amz-invocation-type': 'Event', 'x-amz-log-type': 'Tail' }, '{"a":1}');

    // Assess
    expect(getAlias).toEqual({ service: 'lambda', protocol: 'restJson1', accessKeyId: 'AKIDEXAMPLE', operation: 'GetAlias', input: { FunctionName: 'checkout', Name: 'live' } });
    expect(updateAlias).toMatchObject({ operation: 'UpdateAlias', input: { FunctionName: 'checkout', Name: 'live', FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } }, RevisionId: 'r1' } });
    expect(versions).toMatchObject({ operation: 'ListVersionsByFunction', input: { FunctionName: 'arn:aws:lambda:eu-west-1:000000000000:function:checkout', Marker: 'm1', MaxItems: 5 } });
    expect(provisioned).toMatchObject({ operation: 'GetProvisionedConcurrencyConfig', input: { FunctionName: 'checkout', Qualifier: 'live' } });
    expect(invoke).toMatchObject({ operation: 'Invoke', input: { FunctionName: 'checkout', Qualifier: 'green', InvocationType: 'Event', LogType: 'Tail', Payload: Buffer.from('{"a":1}') } });
  });

  it('Lambda: an operation Cutover does not call is still named, by its binding (ListProvisionedConcurrencyConfigs has ?List=ALL)', () => {
    // Act
    const listed = request('GET', '/2019-09-30/functions/checkout/provisioned-concurrency?List=ALL');
    const deleteAlias = request('DELETE', '/2015-03-31/functions/checkout/aliases/live');

    // Assess
    expect(listed.operation).toBe('ListProvisionedConcurrencyConfigs');
    expect(deleteAlias.operation).toBe('DeleteAlias');
  });

  it('API Gateway: uri locationNames (restapi_id, stage_name) become model members; querystring numbers are numbers', () => {
    // Act
    const stage = request('GET', '/restapis/a1b2c3/stages/prod');
    const resources = request('GET', '/restapis/a1b2c3/resources?limit=500&position=p2');
    const update = request('PATCH', '/restapis/a1b2c3/stages/prod', {}, JSON.stringify({ patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '10' }] }));
    const traffic = destination({ method: 'GET', headers: {} } as IncomingMessage, new URL('http://127.0.0.1/restapis/a1b2c3/prod/_user_request_/predict'));

    // Assess
    expect(stage).toMatchObject({ service: 'apigateway', operation: 'GetStage', input: { restApiId: 'a1b2c3', stageName: 'prod' } });
    expect(resources).toMatchObject({ operation: 'GetResources', input: { restApiId: 'a1b2c3', limit: 500, position: 'p2' } });
    expect(update).toMatchObject({ operation: 'UpdateStage', input: { restApiId: 'a1b2c3', stageName: 'prod', patchOperations: [{ op: 'replace', path: '/canarySettings/percentTraffic', value: '10' }] } });
    expect(traffic).toBeUndefined();
  });

  it('S3: same-URI operations are told apart by their required headers (CopyObject has x-amz-copy-source)', () => {
    // Act
    const put = request('PUT', '/artifacts/models/v2.json', { 'content-type': 'application/json' });
    const copy = request('PUT', '/artifacts/models/v2.json', { 'x-amz-copy-source': '/artifacts/models/v1.json' });
    const list = request('GET', '/artifacts?list-type=2&prefix=models/');

    // Assess
    expect(put).toMatchObject({ service: 's3', protocol: 'restXml', operation: 'PutObject', input: { Bucket: 'artifacts', Key: 'models/v2.json', ContentType: 'application/json' } });
    expect(copy).toMatchObject({ operation: 'CopyObject', input: { Bucket: 'artifacts', Key: 'models/v2.json', CopySource: '/artifacts/models/v1.json' } });
    expect(list).toMatchObject({ operation: 'ListObjectsV2', input: { Bucket: 'artifacts', Prefix: 'models/' } });
  });

  it('query protocol (SNS): Action and form fields decoded by the input shape', () => {
    // Act
    const published = request(
      'POST',
      '/',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDSNS/20261202/eu-west-1/sns/aws4_request, SignedHeaders=host, Signature=0' },
      'Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A000000000000%3Areleases&Message=hi' +
        '&MessageAttributes.entry.1.Name=kind&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=release',
    );

    // Assess
    expect(published).toEqual({
      service: 'sns',
      protocol: 'query',
      accessKeyId: 'AKIDSNS',
      operation: 'Publish',
      input: { TopicArn: 'arn:aws:sns:eu-west-1:000000000000:releases', Message: 'hi', MessageAttributes: { kind: { DataType: 'String', StringValue: 'release' } } },
    });
  });
});
