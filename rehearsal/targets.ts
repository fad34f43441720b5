import { APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, GetResourcesCommand, GetStageCommand, PutIntegrationCommand, PutMethodCommand } from '@aws-sdk/client-api-gateway';
import { AddPermissionCommand, GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Invoke } from '../examples/ai-service/traffic';
import { TARGET_KINDS, type ReleaseInput, type TargetKind } from '../core/release-input';
import { splitOfStage } from '../targets/api-gateway-stage';
import { splitOfEndpoint } from '../targets/sagemaker/endpoint';
import { splitOf } from '../targets/lambda-alias';
import type { Sandbox } from '../sandbox';
import type { Scenario } from './scenarios';
import { ALIAS, FUNCTION, MODEL_ROLE, modelUri } from '../examples/ai-service/sandbox-service';
import { aliasInvoker, type FailedRequest } from './traffic-log';

/**
 * The three target kinds the rehearsal can release the example service
 * through: a Lambda alias (the default), a SageMaker endpoint whose variants
 * run the service as sandbox models, or an API Gateway stage whose variable
 * selects the Lambda version. Each gives the same scenarios its own target,
 * its own traffic (through the live route) and its own view of "100 % on blue".
 */
export type { TargetKind };
/** The kinds, as the product names them (core/kinds). */
export const KIND_NAMES: readonly TargetKind[] = TARGET_KINDS.map((k) => k.kind);
/** The short names `npm start -- --target` takes as well. */
export const SHORT_TARGET_NAMES: Readonly<Record<string, TargetKind>> = { lambda: 'lambda-alias', sagemaker: 'sagemaker-endpoint', apigateway: 'apigateway-stage' };

export const ENDPOINT = 'ai-endpoint';
export const STAGE = 'prod';

export interface TargetRig {
  kind: TargetKind;
  /** What is released, e.g. `ai-handler:production`, `endpoint ai-endpoint`. */
  label: string;
  /** What serves at the start (a version or a variant), and how to say it. */
  blue: string;
  blueText: string;
  /** The scenarios with this target. */
  scenarios(base: Scenario[]): Scenario[];
  /** Calls the live route for the traffic generator, keeping failures with their version. */
  invoker(): { invoke: Invoke; failures: FailedRequest[] };
  /** Whether the live route shows 100 % on `blue`. */
  isAllOn(blue: string): Promise<boolean>;
  /** What the orchestrator must be allowed to manage for this target, as `cdk synth -c` context. */
  orchestratorContext: Record<string, string>;
  destroy(): void;
}

interface RigContext {
  sandbox: Sandbox;
  lambda: LambdaClient;
  /** Version of ai-handler behind `production` (model v1). */
  lambdaBlue: string;
  /** The example service's handler setting (bundled). */
  exampleHandler: string;
}

export async function deployTarget(kind: TargetKind, ctx: RigContext): Promise<TargetRig> {
  if (kind === 'sagemaker-endpoint') return deploySageMaker(ctx);
  if (kind === 'apigateway-stage') return deployApiGateway(ctx);
  return {
    kind,
    label: `${FUNCTION}:${ALIAS}`,
    blue: ctx.lambdaBlue,
    blueText: `version ${ctx.lambdaBlue}`,
    scenarios: (base) => base,
    invoker: () => aliasInvoker(ctx.lambda, FUNCTION, ALIAS),
    isAllOn: async (blue) => splitOf(await ctx.lambda.send(new GetAliasCommand({ FunctionName: FUNCTION, Name: ALIAS })))[blue] === 100,
    orchestratorContext: {},
    destroy: () => undefined,
  };
}

/**
 * The example service as a SageMaker endpoint: model v1 (the sandbox runs the
 * service's handler with MODEL_URI = the model data URL) behind one variant
 * of two instances. Releases create the new model from a spec; blue keeps one
 * standby instance during retention.
 */
async function deploySageMaker(ctx: RigContext): Promise<TargetRig> {
  const config = { ...ctx.sandbox.clientConfig, maxAttempts: 1 };
  const sm = new SageMakerClient(config);
  const runtime = new SageMakerRuntimeClient(config);
  const image = `sandbox.local/${ctx.exampleHandler}:latest`;
  const environment = { POWERTOOLS_METRICS_NAMESPACE: 'Cutover' };
  const blue = 'ai-service-v1';
  await sm.send(new CreateModelCommand({ ModelName: blue, ExecutionRoleArn: MODEL_ROLE, PrimaryContainer: { Image: image, ModelDataUrl: modelUri('v1'), Environment: environment } }));
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${ENDPOINT}-v1`,
      ProductionVariants: [{ VariantName: blue, ModelName: blue, InstanceType: 'ml.m5.large', InitialInstanceCount: 2, InitialVariantWeight: 1 }],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: `${ENDPOINT}-v1` }));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }))).EndpointStatus;
    if (status === 'InService') break;
    if (status !== 'Creating' || Date.now() > deadline) throw new Error(`endpoint ${ENDPOINT} is ${status}, not InService`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const failures: FailedRequest[] = [];
  return {
    kind: 'sagemaker-endpoint',
    orchestratorContext: { managedEndpoints: ENDPOINT, sagemakerExecutionRoleArns: MODEL_ROLE },
    label: `endpoint ${ENDPOINT}`,
    blue,
    blueText: `variant ${blue}`,
    scenarios: (base) =>
      base.map((s) => {
        const { artifact: _artifact, ...input } = s.input;
        const target: ReleaseInput['target'] = {
          kind: 'sagemaker-endpoint',
          endpointName: ENDPOINT,
          greenModel: { image, modelDataUrl: modelUri(s.artifact), executionRoleArn: MODEL_ROLE, environment },
          blueStandbyInstanceCount: 1,
          readyPollSeconds: 20,
        };
        return { ...s, input: { ...input, target } };
      }),
    invoker: () => ({
      failures,
      invoke: async (payload) => {
        const started = performance.now();
        const sentAt = Date.now();
        try {
          const out = await runtime.send(new InvokeEndpointCommand({ EndpointName: ENDPOINT, Body: new TextEncoder().encode(JSON.stringify(payload)), ContentType: 'application/json' }));
          return { ok: true, version: out.InvokedProductionVariant, latencyMs: performance.now() - started };
        } catch (err) {
          const e = err as Error;
          // The sandbox names the variant that answered in a ModelError ("… from <variant> with message …").
          const version = e.name === 'ModelError' ? /from (\S+) with message/.exec(e.message)?.[1] : undefined;
          failures.push({ sentAt, at: Date.now(), ...(version ? { version } : {}), error: `${e.name}: ${e.message}`.slice(0, 200) });
          return { ok: false, ...(version ? { version } : {}), latencyMs: performance.now() - started };
        }
      },
    }),
    isAllOn: async (b) => splitOfEndpoint(await sm.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT })))[b] === 100,
    destroy: () => {
      sm.destroy();
      runtime.destroy();
    },
  };
}

/**
 * The example service behind an API Gateway stage: `POST /classify` calls
 * `ai-handler:${stageVariables.lambda_version}` (a non-proxy Lambda
 * integration: the body is the event), the stage variable on v1's version,
 * API Gateway allowed to invoke it.
 */
async function deployApiGateway(ctx: RigContext): Promise<TargetRig> {
  const { sandbox } = ctx;
  const apigw = new APIGatewayClient({ ...sandbox.clientConfig, maxAttempts: 1 });
  const api = await apigw.send(new CreateRestApiCommand({ name: 'ai-service' }));
  const restApiId = api.id!;
  const root = (await apigw.send(new GetResourcesCommand({ restApiId }))).items![0]!;
  const classify = await apigw.send(new CreateResourceCommand({ restApiId, parentId: root.id!, pathPart: 'classify' }));
  await apigw.send(new PutMethodCommand({ restApiId, resourceId: classify.id!, httpMethod: 'POST', authorizationType: 'NONE' }));
  const fnArn = `arn:aws:lambda:${sandbox.region}:${sandbox.account}:function:${FUNCTION}`;
  await apigw.send(
    new PutIntegrationCommand({
      restApiId,
      resourceId: classify.id!,
      httpMethod: 'POST',
      type: 'AWS',
      integrationHttpMethod: 'POST',
      uri: `arn:aws:apigateway:${sandbox.region}:lambda:path/2015-03-31/functions/${fnArn}:\${stageVariables.lambda_version}/invocations`,
    }),
  );
  await apigw.send(new CreateDeploymentCommand({ restApiId, stageName: STAGE, variables: { lambda_version: ctx.lambdaBlue } }));
  await ctx.lambda.send(
    new AddPermissionCommand({
      FunctionName: FUNCTION,
      Qualifier: ctx.lambdaBlue,
      StatementId: 'apigateway-prod',
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: `arn:aws:execute-api:${sandbox.region}:${sandbox.account}:${restApiId}/${STAGE}/*`,
    }),
  );
  const url = `${sandbox.url}/restapis/${restApiId}/${STAGE}/_user_request_/classify`;
  const failures: FailedRequest[] = [];
  return {
    kind: 'apigateway-stage',
    orchestratorContext: { managedStages: `${restApiId}/${STAGE}` },
    label: `stage ${restApiId}/${STAGE}`,
    blue: ctx.lambdaBlue,
    blueText: `version ${ctx.lambdaBlue}`,
    scenarios: (base) => base.map((s) => ({ ...s, input: { ...s.input, target: { kind: 'apigateway-stage', restApiId, stageName: STAGE, functionName: FUNCTION } } })),
    invoker: () => ({
      failures,
      invoke: async (payload) => {
        const started = performance.now();
        const sentAt = Date.now();
        try {
          const res = await fetch(url, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
          await res.arrayBuffer();
          const version = res.headers.get('x-cutover-lambda-version') ?? undefined;
          const latencyMs = performance.now() - started;
          if (res.status === 200) return { ok: true, ...(version ? { version } : {}), latencyMs };
          failures.push({ sentAt, at: Date.now(), ...(version ? { version } : {}), error: `HTTP ${res.status}` });
          return { ok: false, ...(version ? { version } : {}), latencyMs };
        } catch (err) {
          failures.push({ sentAt, at: Date.now(), error: `${(err as Error).name}: ${(err as Error).message}` });
          return { ok: false, latencyMs: performance.now() - started };
        }
      },
    }),
    isAllOn: async (b) => splitOfStage(await apigw.send(new GetStageCommand({ restApiId, stageName: STAGE })), 'lambda_version')[b] === 100,
    destroy: () => apigw.destroy(),
  };
}
