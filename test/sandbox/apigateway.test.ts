/**
 * Contract tests: the sandbox's API Gateway (REST APIs) and the Lambda
 * permission operations it relies on, through the real
 * @aws-sdk/client-api-gateway and @aws-sdk/client-lambda; stage traffic
 * through plain HTTP (`/restapis/<id>/<stage>/_user_request_/<path>`).
 */
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetStageCommand,
  PutIntegrationCommand,
  PutMethodCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { AddPermissionCommand, GetPolicyCommand, PublishVersionCommand, RemovePermissionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction, rejection } from './helpers';

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;
let apigw: APIGatewayClient;
let apiId: string;

const fnArn = () => `arn:aws:lambda:${sandbox.region}:000000000000:function:echo`;
const uri = () => `arn:aws:apigateway:${sandbox.region}:lambda:path/2015-03-31/functions/${fnArn()}:\${stageVariables.lambda_version}/invocations`;
const call = async (path: string, body: unknown = { text: 'hi' }) => {
  const res = await fetch(`${sandbox.url}/restapis/${apiId}/prod/_user_request_${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, version: res.headers.get('x-cutover-lambda-version'), body: (await res.json()) as Record<string, unknown> };
};
const allow = (version: string, sid = `apigw-${version}`) =>
  c.lambda.send(
    new AddPermissionCommand({
      FunctionName: 'echo',
      Qualifier: version,
      StatementId: sid,
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: `arn:aws:execute-api:${sandbox.region}:000000000000:${apiId}/prod/*`,
    }),
  );
const patch = (...ops: { op: 'replace' | 'remove' | 'add'; path: string; value?: string }[]) =>
  apigw.send(new UpdateStageCommand({ restApiId: apiId, stageName: 'prod', patchOperations: ops }));

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true });
  c = clientsFor(sandbox);
  apigw = new APIGatewayClient({ ...sandbox.clientConfig, maxAttempts: 1 });
  await createFixtureFunction(c.lambda, 'echo', 'echo', { Environment: { Variables: { MODEL_URI: 'v1' } } });
  await c.lambda.send(new PublishVersionCommand({ FunctionName: 'echo' }));
  await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'echo', Environment: { Variables: { MODEL_URI: 'v2' } } }));
  await c.lambda.send(new PublishVersionCommand({ FunctionName: 'echo' }));
  const api = await apigw.send(new CreateRestApiCommand({ name: 'ai' }));
  apiId = api.id!;
  const root = (await apigw.send(new GetResourcesCommand({ restApiId: apiId }))).items![0]!;
  const classify = await apigw.send(new CreateResourceCommand({ restApiId: apiId, parentId: root.id!, pathPart: 'classify' }));
  await apigw.send(new PutMethodCommand({ restApiId: apiId, resourceId: classify.id!, httpMethod: 'POST', authorizationType: 'NONE' }));
  await apigw.send(new PutIntegrationCommand({ restApiId: apiId, resourceId: classify.id!, httpMethod: 'POST', type: 'AWS', integrationHttpMethod: 'POST', uri: uri() }));
  const proxy = await apigw.send(new CreateResourceCommand({ restApiId: apiId, parentId: root.id!, pathPart: '{proxy+}' }));
  await apigw.send(new PutMethodCommand({ restApiId: apiId, resourceId: proxy.id!, httpMethod: 'ANY', authorizationType: 'NONE' }));
  await apigw.send(new PutIntegrationCommand({ restApiId: apiId, resourceId: proxy.id!, httpMethod: 'ANY', type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: uri() }));
  await apigw.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: 'prod', variables: { lambda_version: '1' } }));
});

afterAll(async () => {
  c.destroy();
  apigw.destroy();
  await sandbox.stop();
});

describe('REST API set-up', () => {
  it('CreateRestApi / GetRestApi / GetResources, NotFoundException for an unknown API', async () => {
    // Act
    const api = await apigw.send(new GetRestApiCommand({ restApiId: apiId }));
    const resources = await apigw.send(new GetResourcesCommand({ restApiId: apiId }));
    const missing = await rejection(apigw.send(new GetRestApiCommand({ restApiId: 'abcdefghij' })));

    // Assess
    expect(api).toMatchObject({ id: apiId, name: 'ai' });
    expect(apiId).toMatch(/^[a-z0-9]{10}$/);
    expect(resources.items?.map((r) => r.path).sort()).toEqual(['/', '/classify', '/{proxy+}']);
    expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(['NotFoundException', 404]);
  });

  it('CreateDeployment onto a stage sets its variables; CreateStage refuses a duplicate (ConflictException) and an unknown deployment', async () => {
    // Act
    const stage = await apigw.send(new GetStageCommand({ restApiId: apiId, stageName: 'prod' }));
    const duplicate = await rejection(apigw.send(new CreateStageCommand({ restApiId: apiId, stageName: 'prod', deploymentId: stage.deploymentId! })));
    const badDeployment = await rejection(apigw.send(new CreateStageCommand({ restApiId: apiId, stageName: 'beta', deploymentId: 'nope' })));
    const missing = await rejection(apigw.send(new GetStageCommand({ restApiId: apiId, stageName: 'nope' })));

    // Assess
    expect(stage).toMatchObject({ stageName: 'prod', variables: { lambda_version: '1' } });
    expect(stage.deploymentId).toBeTruthy();
    expect(duplicate.name).toBe('ConflictException');
    expect(badDeployment.name).toBe('BadRequestException');
    expect(missing.name).toBe('NotFoundException');
  });
});

describe('Lambda permissions and stage traffic', () => {
  it('refuses to call a version API Gateway may not invoke (500), then calls it once AddPermission allows it', async () => {
    // Act
    const denied = await call('/classify');
    await allow('1');
    const allowed = await call('/classify');

    // Assess
    expect(denied).toMatchObject({ status: 500, body: { message: 'Internal server error' } });
    expect(allowed).toMatchObject({ status: 200, version: '1', body: { event: { text: 'hi' }, modelUri: 'v1' } });
  });

  it('AddPermission: the same statement id twice is ResourceConflictException; GetPolicy and RemovePermission', async () => {
    // Prepare
    await allow('2');

    // Act
    const duplicate = await rejection(allow('2'));
    const policy = JSON.parse((await c.lambda.send(new GetPolicyCommand({ FunctionName: 'echo', Qualifier: '2' }))).Policy!) as { Statement: { Sid: string; Condition: unknown }[] };
    await c.lambda.send(new RemovePermissionCommand({ FunctionName: 'echo', Qualifier: '2', StatementId: 'apigw-2' }));
    const gone = await rejection(c.lambda.send(new GetPolicyCommand({ FunctionName: 'echo', Qualifier: '2' })));
    await allow('2');

    // Assess
    expect(duplicate.name).toBe('ResourceConflictException');
    expect(policy.Statement).toEqual([expect.objectContaining({ Sid: 'apigw-2', Condition: { ArnLike: { 'AWS:SourceArn': expect.stringContaining(`${apiId}/prod/*`) } } })]);
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('a proxy integration gets the proxy event with the stage variables and must answer {statusCode, body}', async () => {
    // Act
    const out = await call('/anything/else', { a: 1 });

    // Assess: echo does not answer a proxy response, so API Gateway reports a malformed response.
    expect(out).toMatchObject({ status: 502, version: '1', body: { message: 'Internal server error' } });
  });

  it('UpdateStage: replace /variables/<name> switches the version; an unknown path is BadRequestException and changes nothing', async () => {
    // Act
    const updated = await patch({ op: 'replace', path: '/variables/lambda_version', value: '2' });
    const after = await call('/classify');
    const bad = await rejection(patch({ op: 'replace', path: '/variables/lambda_version', value: '1' }, { op: 'replace', path: '/colour', value: 'blue' }));
    const stage = await apigw.send(new GetStageCommand({ restApiId: apiId, stageName: 'prod' }));

    // Assess
    expect(updated.variables).toEqual({ lambda_version: '2' });
    expect(after).toMatchObject({ status: 200, version: '2', body: { modelUri: 'v2' } });
    expect(bad.name).toBe('BadRequestException');
    expect(stage.variables).toEqual({ lambda_version: '2' });
  });

  it('canary settings: the canary share gets the overridden variable; removing /canarySettings ends it', async () => {
    // Prepare
    const { deploymentId } = await apigw.send(new GetStageCommand({ restApiId: apiId, stageName: 'prod' }));

    // Act
    const canary = await patch(
      { op: 'replace', path: '/variables/lambda_version', value: '1' },
      { op: 'replace', path: '/canarySettings/deploymentId', value: deploymentId! },
      { op: 'replace', path: '/canarySettings/stageVariableOverrides/lambda_version', value: '2' },
      { op: 'replace', path: '/canarySettings/percentTraffic', value: '50' },
    );
    const split = await Promise.all(Array.from({ length: 60 }, () => call('/classify')));
    const removed = await patch({ op: 'replace', path: '/variables/lambda_version', value: '2' }, { op: 'remove', path: '/canarySettings' });
    const afterwards = await Promise.all(Array.from({ length: 10 }, () => call('/classify')));

    // Assess
    expect(canary.canarySettings).toEqual({ percentTraffic: 50, deploymentId, stageVariableOverrides: { lambda_version: '2' }, useStageCache: false });
    const onTwo = split.filter((r) => r.version === '2').length;
    expect(split.every((r) => r.status === 200)).toBe(true);
    expect(onTwo).toBeGreaterThan(10);
    expect(onTwo).toBeLessThan(50);
    expect(removed.canarySettings).toBeUndefined();
    expect(new Set(afterwards.map((r) => r.version))).toEqual(new Set(['2']));
  });

  it('fault injection: API Gateway throttles with TooManyRequestsException', async () => {
    // Prepare
    sandbox.faults.inject({ service: 'apigateway', operation: 'GetStage', kind: 'throttle', times: 1 });

    // Act
    const err = await rejection(apigw.send(new GetStageCommand({ restApiId: apiId, stageName: 'prod' })));

    // Assess
    expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['TooManyRequestsException', 429]);
  });
});
