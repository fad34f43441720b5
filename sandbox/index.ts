/**
 * The Cutover sandbox: AWS on localhost. One loopback HTTP server speaks the
 * wire protocols of the operations Cutover uses, so production handlers and the
 * CLI run unchanged with AWS_ENDPOINT_URL pointing at it.
 *
 * Dispatch:
 *  - `X-Amz-Target: AWSStepFunctions.*`            → Step Functions (awsJson1_0)
 *  - `X-Amz-Target: DynamoDB_20120810.*`           → DynamoDB (dynalite)
 *  - `X-Amz-Target: GraniteServiceVersion20100801.*` → CloudWatch (awsJson1_0, query-compatible)
 *  - `X-Amz-Target: AWSEvents.*`                   → EventBridge (awsJson1_1)
 *  - `X-Amz-Target: SageMaker.*`                   → SageMaker (awsJson1_1)
 *  - `POST /endpoints/<name>/invocations`          → SageMaker Runtime (restJson1)
 *  - `/restapis/…`                                 → API Gateway (restJson1), and stage traffic
 *  - form-encoded `POST /` (monitoring scope)      → CloudWatch (query protocol, XML: the AWS CLI)
 *  - form-encoded `POST /` (Action=…, sns scope)   → SNS (query protocol, XML)
 *  - `/20xx-xx-xx/functions/…`                     → Lambda (restJson1)
 *  - `/_sandbox/…`                                 → health, faults, clock
 *  - anything else                                 → S3, path-style (s3rver)
 *
 * See sandbox/README.md for what is emulated and what is not.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import './polyfills';
import { VirtualClock } from './clock';
import { FaultInjector, FaultValidationError, type FaultSpec, type ServiceName } from './faults';
import { decodeBody, faultError, parseJsonBody, readBody, readRawBody, sendJson, ServiceError, setBufferedBody, writeAwsJsonError } from './protocol';
import { runGates, writeServiceError, type RequestGate } from './gate';
import { destination, normalize, replayRequest } from './normalize';
import { validationGate, type ValidationGate } from './models/validate';
import { CloudWatchService, type CloudWatchOptions } from './services/cloudwatch';
import { handleCloudWatchQuery, isCloudWatchQueryRequest } from './services/cloudwatch-query';
import { DynamoDbService } from './services/dynamodb';
import { LambdaService, type LambdaConcurrency, type LambdaTimings } from './services/lambda';
import { handleLambdaHttp, isLambdaPath } from './services/lambda-http';
import { S3Service } from './services/s3';
import { EventBridgeService } from './services/eventbridge';
import { isSnsRequest, SnsService } from './services/sns';
import { ApiGatewayService, isApiGatewayPath } from './services/apigateway';
import { SageMakerService, type SageMakerTimings } from './services/sagemaker';
import { handleSageMakerRuntimeHttp, isSageMakerRuntimePath } from './services/sagemaker-runtime';
import { StepFunctionsService } from './services/stepfunctions';
import type { ExecutionStatusChange } from './services/sfn-execution';
import { IamService } from './services/iam';
import { accessDenied, iamGate, IamGuard } from './iam/guard';

export { VirtualClock } from './clock';
export type { AwsRequest, RequestGate } from './gate';
export type { FaultKind, FaultSpec, Fault } from './faults';

export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Simulated seconds per wall-clock second (default 1). */
  timeScale?: number;
  /** Directory that Lambda `Handler` module paths are resolved against (default: this repository). */
  repoRoot?: string;
  /** Drop handler log output instead of printing it (EMF lines become metrics either way). */
  quiet?: boolean;
  /** Region in ARNs and given to functions (default AWS_REGION, else us-east-1). */
  region?: string;
  /** Virtual seconds SageMaker endpoint changes take (create, update, weights, scale-up). */
  sagemaker?: Partial<SageMakerTimings>;
  /** Check every request against AWS's API models (sandbox/models/), refusing as AWS refuses (default true). */
  validateRequests?: boolean;
  /**
   * Enforce IAM (default true): functions get their execution role's session
   * credentials and every request signed with them is authorized against the
   * role's policies (sandbox/iam/); the state machine's role must allow invoking
   * each Task's function. The operator key `sandbox` is never checked.
   * Default: on, unless CUTOVER_SANDBOX_IAM=off.
   */
  iam?: boolean;
  /** Lambda's update / publish durations (virtual seconds; default 0: at once). */
  lambda?: Partial<LambdaTimings>;
  /** DescribeAlarms' default page size (50) and the alarm evaluation delay; see services/cloudwatch.ts. */
  cloudwatch?: CloudWatchOptions;
  /** Lambda's account concurrency (default 1,000) and the sandbox's environments per version (default 4) and their idle time (default 30 s wall). */
  lambdaConcurrency?: Partial<LambdaConcurrency>;
}

export interface Sandbox {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly account: string;
  /** Directory that Lambda `Handler` module paths are resolved against. */
  readonly repoRoot: string;
  readonly clock: VirtualClock;
  readonly faults: FaultInjector;
  readonly lambda: LambdaService;
  readonly cloudwatch: CloudWatchService;
  readonly stepfunctions: StepFunctionsService;
  /** EventBridge: `events()`, `deliveries()`, `settle()`, `putServiceEvent()`. */
  readonly eventbridge: EventBridgeService;
  /** SNS: `messages(topicArn)`, `subscriptions(topicArn)`. */
  readonly sns: SnsService;
  /** SageMaker endpoints, endpoint configs and models; InvokeEndpoint runs the models as sandbox functions. */
  readonly sagemaker: SageMakerService;
  /** API Gateway REST APIs and their stages' traffic. */
  readonly apigateway: ApiGatewayService;
  /** Roles and their policies (from the deployed template); see services/iam.ts. */
  readonly iam: IamService;
  /**
   * The gates every AWS API request passes, in order, before its service sees
   * it (see gate.ts). Push, unshift or splice to add one; `useGate` appends.
   */
  readonly gates: RequestGate[];
  /** The model validation gate (first in `gates`) unless `validateRequests: false`; `reports` lists what it let through and reported. */
  readonly validation: ValidationGate | undefined;
  /** Appends a gate; the returned function removes it. */
  useGate(gate: RequestGate): () => void;
  /**
   * What was deployed into the sandbox, named like the Cutover stack's CloudFormation outputs
   * (StateMachineArn, LedgerTableName); whoever deploys fills it in. GET /_sandbox/health reports it,
   * so the CLI pointed at a loopback endpoint finds the state machine and table by itself.
   */
  readonly outputs: Record<string, string>;
  /** Environment variables that point an SDK v3 client (or the CLI) at the sandbox. */
  readonly env: Readonly<Record<string, string>>;
  /** SDK v3 client configuration for the sandbox (S3 needs forcePathStyle). */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: true;
  };
  /** Closes the server, stops executions and timers, terminates every worker. */
  stop(): Promise<void>;
}

export const SANDBOX_ACCOUNT = '000000000000';

const JSON_TARGETS: Record<string, ServiceName> = {
  AWSStepFunctions: 'stepfunctions',
  DynamoDB_20120810: 'dynamodb',
  GraniteServiceVersion20100801: 'cloudwatch',
};

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const account = SANDBOX_ACCOUNT;
  const repoRoot = path.resolve(options.repoRoot ?? path.join(__dirname, '..'));
  const clock = new VirtualClock(options.timeScale ?? 1);
  const faults = new FaultInjector();
  const log = options.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  let url = '';
  const outputs: Record<string, string> = {};

  const iam = new IamService();
  const guard = (options.iam ?? process.env.CUTOVER_SANDBOX_IAM !== 'off') ? new IamGuard({ iam, region, account }) : undefined;
  const sessionCredentials = guard ? { credentials: (roleArn: string, sessionName: string) => iam.sessions.issue(roleArn, sessionName) } : {};
  const cloudwatch = new CloudWatchService(clock, region, account, options.cloudwatch);
  const lambda = new LambdaService({ clock, cloudwatch, faults, region, account, repoRoot, endpointUrl: () => url, ...(log ? { log } : {}), ...sessionCredentials, ...(options.lambda ? { timings: options.lambda } : {}), ...(options.lambdaConcurrency ? { concurrency: options.lambdaConcurrency } : {}) });
  const authorizeInvoke = async (roleArn: string, executionName: string, functionName: string, qualifier: string | undefined): Promise<void> => {
    const session = iam.sessions.session(iam.sessions.issue(roleArn, executionName).accessKeyId);
    const denial = session && guard ? await guard.authorize(session, 'lambda', 'Invoke', { FunctionName: functionName, ...(qualifier ? { Qualifier: qualifier } : {}) }) : undefined;
    if (denial) throw accessDenied('lambda', denial.message);
  };
  // Step Functions sends each execution's status changes to the default event bus (source aws.states).
  const onStatusChange = (detail: ExecutionStatusChange) => eventbridge.putServiceEvent('aws.states', 'Step Functions Execution Status Change', { ...detail }, [detail.executionArn]);
  const stepfunctions = new StepFunctionsService({ clock, lambda, region, account, onStatusChange, ...(guard ? { authorizeInvoke } : {}) });
  const dynamodb = new DynamoDbService(faults);
  const sns = new SnsService({ region, account, clock });
  const eventbridge = new EventBridgeService({ region, account, clock, lambda, sns, ...(log ? { log } : {}) });
  const s3 = new S3Service(faults, { account, putServiceEvent: (...a) => eventbridge.putServiceEvent(...a) });
  const sagemaker = new SageMakerService({ clock, cloudwatch, faults, region, account, repoRoot, endpointUrl: () => url, ...(log ? { log } : {}), ...(options.sagemaker ? { timings: options.sagemaker } : {}), ...sessionCredentials });
  const apigateway = new ApiGatewayService({ clock, lambda, faults, region, account, ...(log ? { log } : {}) });

  /** Step Functions and CloudWatch: JSON in, JSON out, errors as `__type`. */
  async function jsonService(service: 'stepfunctions' | 'cloudwatch', operation: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const shape = service === 'cloudwatch' ? { queryCompatible: true } : {};
    try {
      const input = parseJsonBody(await readBody(req));
      const fault = faults.take(service, operation);
      if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
      if (fault.error) throw faultError(service, operation, fault.error);
      const output = service === 'cloudwatch' ? cloudwatch.handle(operation, input) : stepfunctions.handle(operation, input);
      sendJson(res, 200, output ?? {}, 'application/x-amz-json-1.0');
    } catch (err) {
      if (!(err instanceof ServiceError)) log?.(`[sandbox] ${service}.${operation} failed: ${(err as Error).stack ?? String(err)}`);
      writeAwsJsonError(res, err instanceof ServiceError ? err : new ServiceError('InternalFailure', (err as Error).message, 500), shape);
    }
  }

  async function control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    if (route === 'GET /_sandbox/health') {
      return sendJson(res, 200, {
        status: 'ok',
        region,
        account,
        timeScale: clock.timeScale,
        now: new Date(clock.now()).toISOString(),
        outputs,
        services: ['lambda', 'stepfunctions', 'dynamodb', 'cloudwatch', 's3', 'eventbridge', 'sns', 'sagemaker', 'sagemaker-runtime', 'apigateway'],
      });
    }
    if (route === 'GET /_sandbox/faults') return sendJson(res, 200, { faults: faults.list() });
    if (route === 'POST /_sandbox/faults') {
      try {
        const fault = faults.inject(parseJsonBody(await readBody(req)) as unknown as FaultSpec);
        return sendJson(res, 201, fault);
      } catch (err) {
        if (err instanceof FaultValidationError || err instanceof ServiceError) return sendJson(res, 400, { message: err.message });
        throw err;
      }
    }
    if (route === 'DELETE /_sandbox/faults') {
      faults.clear();
      res.writeHead(204).end();
      return;
    }
    const one = /^DELETE \/_sandbox\/faults\/(.+)$/.exec(route);
    if (one) {
      faults.clear(decodeURIComponent(one[1] as string));
      res.writeHead(204).end();
      return;
    }
    if (route === 'GET /_sandbox/clock') return sendJson(res, 200, { ...clock.state(), now: clock.now() });
    if (route === 'POST /_sandbox/clock') {
      const body = parseJsonBody(await readBody(req));
      const advanceMs = Number(body.advanceMs);
      if (!Number.isFinite(advanceMs) || advanceMs < 0) return sendJson(res, 400, { message: 'advanceMs must be a non-negative number' });
      clock.advance(advanceMs);
      return sendJson(res, 200, { ...clock.state(), now: clock.now() });
    }
    sendJson(res, 404, { message: `No sandbox route ${route}` });
  }

  const gates: RequestGate[] = [];
  // IAM first: a key the sandbox never issued is refused before anything else is looked at.
  if (guard) gates.push(iamGate(guard));
  const validation = options.validateRequests === false ? undefined : validationGate(log);
  if (validation) gates.push(validation);

  /**
   * Builds the request's AwsRequest once and runs the gates. The body is read
   * here (S3's is left streaming: its members are in the URI and headers) and
   * the services get a replay of the request they read as before.
   * Answers false when a gate refused (the refusal is written).
   */
  async function passGates(req: IncomingMessage, res: ServerResponse, url: URL): Promise<IncomingMessage | undefined> {
    const dest = destination(req, url);
    if (!dest) return req;
    try {
      let body: Buffer | undefined;
      let forward = req;
      if (dest.service !== 's3') {
        const raw = await readRawBody(req);
        body = decodeBody(req, raw);
        forward = replayRequest(req, raw);
        setBufferedBody(forward, body);
      }
      await runGates(gates, normalize(dest, forward, url, body));
      return forward;
    } catch (err) {
      if (!(err instanceof ServiceError)) log?.(`[sandbox] gate failed for ${dest.service}: ${(err as Error).stack ?? String(err)}`);
      if (dest.service === 's3') req.resume();
      writeServiceError(res, dest, err);
      return undefined;
    }
  }

  async function onRequest(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(incoming.url ?? '/', 'http://127.0.0.1');
    if (requestUrl.pathname.startsWith('/_sandbox/')) return control(incoming, res, requestUrl);
    const req = gates.length ? await passGates(incoming, res, requestUrl) : incoming;
    if (!req) return;
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      const dot = target.indexOf('.');
      if (target.startsWith('AWSEvents.')) return eventbridge.handle(req, res, target.slice(dot + 1));
      if (target.startsWith('SageMaker.')) return sagemaker.handleHttp(req, res, target.slice(dot + 1));
      const service = JSON_TARGETS[target.slice(0, dot)];
      const operation = target.slice(dot + 1);
      if (service === 'dynamodb') return dynamodb.handle(req, res, operation);
      if (service === 'stepfunctions' || service === 'cloudwatch') return jsonService(service, operation, req, res);
      req.resume();
      return writeAwsJsonError(res, new ServiceError('UnknownOperationException', `The sandbox does not emulate ${target}`, 400));
    }
    if (isLambdaPath(requestUrl.pathname)) return handleLambdaHttp(lambda, faults, req, res, requestUrl);
    if (isSageMakerRuntimePath(requestUrl.pathname)) return handleSageMakerRuntimeHttp(sagemaker, faults, req, res, requestUrl);
    if (isApiGatewayPath(requestUrl.pathname)) return apigateway.handleHttp(req, res, requestUrl);
    if (isCloudWatchQueryRequest(req, requestUrl)) return handleCloudWatchQuery({ cloudwatch, faults, ...(log ? { log } : {}) }, req, res);
    if (isSnsRequest(req, requestUrl)) return sns.handle(req, res);
    return s3.handle(req, res, requestUrl);
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      log?.(`[sandbox] request failed: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { message: (err as Error).message });
      else res.end();
    });
  });
  // Idle keep-alive sockets live about a minute, as behind AWS's endpoints (load balancers keep idle
  // connections 60 s by default). At 5 s, a client reusing a socket the server had just closed saw
  // ECONNRESET under load, a failure no AWS endpoint gives a busy client. stop() closes every socket itself.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  cloudwatch.start();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await stepfunctions.stop();
      await eventbridge.stop();
      await sagemaker.stop();
      cloudwatch.stop();
      await lambda.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      s3.stop();
    })());

  const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
  return {
    url,
    port,
    region,
    account,
    repoRoot,
    clock,
    faults,
    lambda,
    cloudwatch,
    stepfunctions,
    eventbridge,
    sns,
    sagemaker,
    apigateway,
    iam,
    gates,
    validation,
    useGate(gate: RequestGate) {
      gates.push(gate);
      return () => {
        const at = gates.indexOf(gate);
        if (at >= 0) gates.splice(at, 1);
      };
    },
    outputs,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    clientConfig: { endpoint: url, region, credentials, forcePathStyle: true },
    stop,
  };
}
