/**
 * Contract tests: IAM enforced in the sandbox. A request signed with a role
 * session's credentials is authorized against that role's identity policies
 * with the action and resource ARN the Service Authorization Reference names
 * for the operation; a denial comes back in the service's own error shape, as
 * the SDK v3 clients deserialize it.
 *
 * "By default, all requests are implicitly denied … An explicit allow in an
 * identity-based policy … overrides this default … An explicit deny in any
 * policy overrides any allows."
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 *
 * The denial message, as AWS writes it: "User: arn:aws:sts::…:assumed-role/<role>/<session>
 * is not authorized to perform: <action> on resource: <arn> because no
 * identity-based policy allows the <action> action"
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, DeleteProvisionedConcurrencyConfigCommand, GetAliasCommand, GetProvisionedConcurrencyConfigCommand, InvokeCommand, LambdaClient, PublishVersionCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand, CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CreateStateMachineCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetStageCommand, APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { PolicyDocument, PolicyStatementDoc } from '../../sandbox/services/iam';
import type { SessionCredentials } from '../../sandbox/iam/identity';
import { clientsFor, createFixtureFunction, eventually, json, rejection, ROLE } from './helpers';

const ACCOUNT = '000000000000';
let sandbox: Sandbox;
let admin: ReturnType<typeof clientsFor>;
let n = 0;

/** A fresh role with these statements, and its session's credentials (session named after a function, as Lambda does). */
function roleWith(statements: PolicyStatementDoc[], sessionName = 'my-function'): { roleArn: string; roleName: string; credentials: SessionCredentials; principal: string } {
  const roleName = `iam-test-${++n}`;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/${roleName}`;
  const policy: PolicyDocument = { Version: '2012-10-17', Statement: statements };
  sandbox.iam.putRole(roleArn, [policy]);
  return { roleArn, roleName, credentials: sandbox.iam.sessions.issue(roleArn, sessionName), principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${sessionName}` };
}

const config = (credentials: SessionCredentials) => ({ endpoint: sandbox.url, region: sandbox.region, credentials, maxAttempts: 1, forcePathStyle: true as const });
const fnArn = (name: string) => `arn:aws:lambda:${sandbox.region}:${ACCOUNT}:function:${name}`;
const notAllowed = (principal: string, action: string, resource: string) =>
  `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true, timeScale: 100 });
  admin = clientsFor(sandbox);
  await createFixtureFunction(admin.lambda, 'echo', 'echo');
  const v1 = await admin.lambda.send(new PublishVersionCommand({ FunctionName: 'echo' }));
  await admin.lambda.send(new CreateAliasCommand({ FunctionName: 'echo', Name: 'live', FunctionVersion: v1.Version! }));
  await admin.s3.send(new CreateBucketCommand({ Bucket: 'models' }));
  await admin.s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'ai/v1.json', Body: '{"v":1}' }));
  await admin.s3.send(new PutObjectCommand({ Bucket: 'models', Key: 'secret/keys.json', Body: '{}' }));
}, 60_000);

afterAll(async () => {
  admin.destroy();
  await sandbox.stop();
});

describe('Lambda (restJson1)', () => {
  it('allows what the role allows and answers 403 AccessDeniedException naming the action and the function otherwise', async () => {
    // Prepare
    const { credentials, principal } = roleWith([{ Effect: 'Allow', Action: 'lambda:GetAlias', Resource: fnArn('echo') }]);
    const lambda = new LambdaClient(config(credentials));

    // Act
    const read = await lambda.send(new GetAliasCommand({ FunctionName: 'echo', Name: 'live' }));
    const denied = await rejection(lambda.send(new UpdateAliasCommand({ FunctionName: 'echo', Name: 'live', Description: 'x' })));

    // Assess
    expect(read.Name).toBe('live');
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(notAllowed(principal, 'lambda:UpdateAlias', fnArn('echo')));
    lambda.destroy();
  });

  it('authorizes Invoke of a version or alias on the qualified ARN: a policy on the unqualified ARN does not cover it, `function:NAME:*` does', async () => {
    // "Invoke — Permission: lambda:InvokeFunction — Resource: Function, Function version, Function alias"
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
    // Prepare
    const unqualified = roleWith([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn('echo') }]);
    const versions = roleWith([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `${fnArn('echo')}:*` }]);
    const a = new LambdaClient(config(unqualified.credentials));
    const b = new LambdaClient(config(versions.credentials));

    // Act
    const latest = await a.send(new InvokeCommand({ FunctionName: 'echo', Payload: '{}' }));
    const aliasDenied = await rejection(a.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: 'live', Payload: '{}' })));
    const suffixDenied = await rejection(a.send(new InvokeCommand({ FunctionName: 'echo:1', Payload: '{}' })));
    const alias = await b.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: 'live', Payload: '{}' }));
    const unqualifiedDenied = await rejection(b.send(new InvokeCommand({ FunctionName: 'echo', Payload: '{}' })));

    // Assess
    expect(latest.StatusCode).toBe(200);
    expect(aliasDenied.message).toBe(notAllowed(unqualified.principal, 'lambda:InvokeFunction', `${fnArn('echo')}:live`));
    expect(suffixDenied.message).toBe(notAllowed(unqualified.principal, 'lambda:InvokeFunction', `${fnArn('echo')}:1`));
    expect(alias.ExecutedVersion).toBe('1');
    expect(unqualifiedDenied.name).toBe('AccessDeniedException');
    a.destroy();
    b.destroy();
  });

  it('authorizes provisioned concurrency on the version or alias ARN (the reference lists "function alias" and "function version" for it)', async () => {
    // Prepare
    const { credentials, principal } = roleWith([{ Effect: 'Allow', Action: 'lambda:GetProvisionedConcurrencyConfig', Resource: `${fnArn('echo')}:*` }]);
    const lambda = new LambdaClient(config(credentials));

    // Act
    const none = await rejection(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'echo', Qualifier: '1' })));
    const denied = await rejection(lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'echo', Qualifier: '1' })));

    // Assess: allowed through IAM, then the service's own answer (no config for version 1).
    expect(none.name).toBe('ProvisionedConcurrencyConfigNotFoundException');
    expect(denied.message).toBe(notAllowed(principal, 'lambda:DeleteProvisionedConcurrencyConfig', `${fnArn('echo')}:1`));
    lambda.destroy();
  });

  it('answers a key the sandbox never issued with UnrecognizedClientException, and never checks the operator key', async () => {
    // Prepare
    const stranger = new LambdaClient(config({ accessKeyId: 'ASIAUNKNOWNKEY000000', secretAccessKey: 'x', sessionToken: 'y' }));

    // Act
    const err = await rejection(stranger.send(new GetAliasCommand({ FunctionName: 'echo', Name: 'live' })));
    const asAdmin = await admin.lambda.send(new UpdateAliasCommand({ FunctionName: 'echo', Name: 'live', Description: 'by the operator' }));

    // Assess
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toBe('The security token included in the request is invalid.');
    expect(asAdmin.Description).toBe('by the operator');
    stranger.destroy();
  });
});

describe('iam:PassRole', () => {
  // "To pass a role … to an AWS service, a user must have permissions to pass the role to the service …
  // iam:PassedToService … specifies the service principal of the service to which a role can be passed."
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
  const modelRole = `arn:aws:iam::${ACCOUNT}:role/model-execution`;
  const createModel = (credentials: SessionCredentials, name: string) => {
    const sm = new SageMakerClient(config(credentials));
    return sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: modelRole, PrimaryContainer: { Image: 'sandbox.local/test/sandbox/fixtures/handlers/echo.handler:latest' } })).finally(() => sm.destroy());
  };

  it('CreateModel needs sagemaker:CreateModel on the model and iam:PassRole on its execution role, passed to SageMaker', async () => {
    // Prepare
    const create = { Effect: 'Allow' as const, Action: 'sagemaker:CreateModel', Resource: `arn:aws:sagemaker:${sandbox.region}:${ACCOUNT}:model/*` };
    const pass = (service: string) => ({ Effect: 'Allow' as const, Action: 'iam:PassRole', Resource: modelRole, Condition: { StringEquals: { 'iam:PassedToService': service } } });
    const toSageMaker = roleWith([create, pass('sagemaker.amazonaws.com')]);
    const toLambda = roleWith([create, pass('lambda.amazonaws.com')]);
    const noPass = roleWith([create]);

    // Act
    const created = await createModel(toSageMaker.credentials, 'Model-A');
    const wrongService = await rejection(createModel(toLambda.credentials, 'model-b'));
    const none = await rejection(createModel(noPass.credentials, 'model-c'));

    // Assess
    expect(created.ModelArn).toBe(`arn:aws:sagemaker:${sandbox.region}:${ACCOUNT}:model/model-a`);
    expect(wrongService.name).toBe('AccessDeniedException');
    expect(wrongService.message).toBe(notAllowed(toLambda.principal, 'iam:PassRole', modelRole));
    expect(none.message).toBe(notAllowed(noPass.principal, 'iam:PassRole', modelRole));
  });
});

describe('error shapes of the other protocols', () => {
  it('S3 (restXml): GetObject is s3:GetObject on arn:aws:s3:::bucket/key; a denial is 403 AccessDenied; an unknown key is InvalidAccessKeyId', async () => {
    // Prepare
    const { credentials, principal } = roleWith([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::models/ai/*' }]);
    const s3 = new S3Client(config(credentials));
    const stranger = new S3Client(config({ accessKeyId: 'ASIAUNKNOWNKEY000000', secretAccessKey: 'x', sessionToken: 'y' }));

    // Act
    const allowed = await s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'ai/v1.json' }));
    const denied = await rejection(s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'secret/keys.json' })));
    const unknown = await rejection(stranger.send(new GetObjectCommand({ Bucket: 'models', Key: 'ai/v1.json' })));

    // Assess
    expect(await allowed.Body?.transformToString()).toBe('{"v":1}');
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(notAllowed(principal, 's3:GetObject', 'arn:aws:s3:::models/secret/keys.json'));
    expect(unknown.name).toBe('InvalidAccessKeyId');
    s3.destroy();
    stranger.destroy();
  });

  it('DynamoDB (awsJson1_0): GetItem on the table ARN; a denial is AccessDeniedException (400)', async () => {
    // Prepare
    await admin.dynamo.send(new CreateTableCommand({ TableName: 'ledger', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    const table = `arn:aws:dynamodb:${sandbox.region}:${ACCOUNT}:table/ledger`;
    const allowed = roleWith([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: table }]);
    const onlyUpdate = roleWith([{ Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: table }]);
    const get = (c: SessionCredentials) => {
      const d = new DynamoDBClient(config(c));
      return d.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'x' } } })).finally(() => d.destroy());
    };

    // Act
    const item = await get(allowed.credentials);
    const denied = await rejection(get(onlyUpdate.credentials));

    // Assess
    expect(item.Item).toBeUndefined();
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata?.httpStatusCode).toBe(400);
    expect(denied.message).toBe(notAllowed(onlyUpdate.principal, 'dynamodb:GetItem', table));
  });

  it('CloudWatch (awsJson1_0, query-compatible): a denial carries x-amzn-query-error AccessDenied; DescribeAlarms by name is authorized on the alarm ARN', async () => {
    // Prepare
    const { credentials, principal } = roleWith([{ Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms', Resource: `arn:aws:cloudwatch:${sandbox.region}:${ACCOUNT}:alarm:cutover-*` }]);
    const cw = new CloudWatchClient(config(credentials));

    // Act
    const ours = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['cutover-errors'] }));
    const denied = await rejection(cw.send(new DescribeAlarmsCommand({ AlarmNames: ['other-errors'] })));

    // Assess
    expect(ours.MetricAlarms).toEqual([]);
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(notAllowed(principal, 'cloudwatch:DescribeAlarms', `arn:aws:cloudwatch:${sandbox.region}:${ACCOUNT}:alarm:other-errors`));
    cw.destroy();
  });

  it('SNS (query, XML): a denied Publish is 403 AuthorizationError naming SNS:Publish on the topic', async () => {
    // Prepare
    const snsAdmin = new SNSClient(sandbox.clientConfig);
    const topic = (await snsAdmin.send(new CreateTopicCommand({ Name: 'releases' }))).TopicArn!;
    const { credentials, principal } = roleWith([{ Effect: 'Allow', Action: 'sns:Subscribe', Resource: topic }]);
    const sns = new SNSClient(config(credentials));

    // Act
    const denied = await rejection(sns.send(new PublishCommand({ TopicArn: topic, Message: 'hi' })));

    // Assess
    // The wire code AuthorizationError is the SDK's AuthorizationErrorException.
    expect(denied.name).toBe('AuthorizationErrorException');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(notAllowed(principal, 'SNS:Publish', topic));
    sns.destroy();
    snsAdmin.destroy();
  });

  it('API Gateway (restJson1): GetStage is apigateway:GET on arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>', async () => {
    // "Resource: arn:aws:apigateway:region::/restapis/api-id/stages/stage-name" for the control-plane actions apigateway:GET, PATCH, …
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-create-and-manage-api.html
    // Prepare
    const { credentials, principal } = roleWith([{ Effect: 'Allow', Action: 'apigateway:PATCH', Resource: '*' }]);
    const apigw = new APIGatewayClient(config(credentials));

    // Act
    const denied = await rejection(apigw.send(new GetStageCommand({ restApiId: 'abc123', stageName: 'prod' })));

    // Assess
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(notAllowed(principal, 'apigateway:GET', `arn:aws:apigateway:${sandbox.region}::/restapis/abc123/stages/prod`));
    apigw.destroy();
  });
});

describe('a function calls AWS with its execution role', () => {
  it('gets its role session in AWS_ACCESS_KEY_ID / AWS_SESSION_TOKEN, and its calls are authorized against that role', async () => {
    // Prepare
    const role = roleWith([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::models/ai/*' }], 'reader');
    await createFixtureFunction(admin.lambda, 'reader', 'read-object', { Role: role.roleArn });
    const invoke = async (key: string) => json((await admin.lambda.send(new InvokeCommand({ FunctionName: 'reader', Payload: JSON.stringify({ bucket: 'models', key }) }))).Payload) as Record<string, unknown>;

    // Act
    const allowed = await invoke('ai/v1.json');
    const denied = await invoke('secret/keys.json');

    // Assess
    expect(allowed).toMatchObject({ body: '{"v":1}', accessKeyId: role.credentials.accessKeyId, hasSessionToken: true });
    expect(denied).toMatchObject({ error: 'AccessDenied', status: 403, message: notAllowed(`arn:aws:sts::${ACCOUNT}:assumed-role/${role.roleName}/reader`, 's3:GetObject', 'arn:aws:s3:::models/secret/keys.json') });
  });
});

describe("the state machine's role", () => {
  it('must allow lambda:InvokeFunction on each Task function: a denial fails the Task with Lambda.AWSLambdaException', async () => {
    // Step Functions reports a denied invoke as
    // {"error": "Lambda.AWSLambdaException", "cause": "User: arn:aws:sts::…:assumed-role/<role>/<session> is not authorized to perform:
    //  lambda:InvokeFunction on resource: arn:aws:lambda:…:function:<name> because no identity-based policy allows the
    //  lambda:InvokeFunction action (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: …; Proxy: null)"}
    // (the Task's error in the execution history; e.g. awslabs/aws-deployment-framework#460).
    // Prepare
    const role = roleWith([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `${fnArn('other')}` }]);
    const definition = { StartAt: 'Echo', States: { Echo: { Type: 'Task', Resource: fnArn('echo'), End: true } } };
    const allowedRole = roleWith([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn('echo') }]);
    const sfn = new SFNClient(sandbox.clientConfig);
    const run = async (roleArn: string, name: string) => {
      const machine = await sfn.send(new CreateStateMachineCommand({ name, roleArn, definition: JSON.stringify(definition) }));
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }));
      const done = await eventually(() => sfn.send(new DescribeExecutionCommand({ executionArn })), (d) => d.status !== 'RUNNING');
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      return { done, failed: history.events?.find((e) => e.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails };
    };

    // Act
    const denied = await run(role.roleArn, 'denied-machine');
    const allowed = await run(allowedRole.roleArn, 'allowed-machine');

    // Assess
    expect(denied.done.status).toBe('FAILED');
    expect(denied.failed?.error).toBe('Lambda.AWSLambdaException');
    expect(denied.failed?.cause).toMatch(new RegExp(`^User: arn:aws:sts::${ACCOUNT}:assumed-role/${role.roleName}/[^ ]+ is not authorized to perform: lambda:InvokeFunction on resource: ${fnArn('echo')} because no identity-based policy allows the lambda:InvokeFunction action \\(Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; `));
    expect(allowed.done.status).toBe('SUCCEEDED');
    sfn.destroy();
  });

  it('is checked for StartExecution from a function role too (states:StartExecution on the state machine ARN)', async () => {
    // Prepare
    const { credentials, principal } = roleWith([{ Effect: 'Allow', Action: 'states:DescribeExecution', Resource: '*' }]);
    const sfn = new SFNClient(config(credentials));
    const machine = `arn:aws:states:${sandbox.region}:${ACCOUNT}:stateMachine:allowed-machine`;

    // Act
    const denied = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, input: '{}' })));

    // Assess
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(notAllowed(principal, 'states:StartExecution', machine));
    sfn.destroy();
  });
});

it('the contract tests’ fixture role is allowed everything (helpers.ts)', () => {
  expect(sandbox.iam.role(ROLE)?.policies).toHaveLength(1);
});
