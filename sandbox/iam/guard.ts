/**
 * IAM at the sandbox's door: every request signed with a function's (or a
 * role session's) credentials is authorized before the service sees it, and a
 * denial is answered in the service's own error shape. The operator's key
 * (`sandbox`) and unsigned requests pass unchecked.
 *
 * Error codes, as each service answers (checked against the SDK v3 models and
 * the services' docs):
 *  - denied: Lambda, API Gateway, SageMaker Runtime `AccessDeniedException` (403,
 *    restJson1 `x-amzn-ErrorType`); Step Functions, DynamoDB, SageMaker,
 *    EventBridge `AccessDeniedException` (400, awsJson `__type`); CloudWatch
 *    `AccessDenied` (403, query-compatible `x-amzn-query-error: AccessDenied;Sender`);
 *    SNS `AuthorizationError` (403, query XML); S3 `AccessDenied` (403, XML);
 *  - unknown access key: `UnrecognizedClientException` ("The security token
 *    included in the request is invalid."), `InvalidClientTokenId` for the
 *    query-protocol services, S3's `InvalidAccessKeyId` ("The AWS Access Key Id
 *    you provided does not exist in our records.").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { ServiceError, writeAwsJsonError, writeRestJsonError, writeS3Error } from '../protocol';
import type { IamService } from '../services/iam';
import { lambdaRequest } from '../services/lambda-http';
import { s3Operation } from '../services/s3';
import { writeSnsError } from '../services/sns';
import { IamAuthorizer, type Denial } from './authorize';
import { accessKeyIdOf, ADMIN_ACCESS_KEY_ID, type Session } from './identity';
import { apiGatewayRequest, requiredPermissions, type AuthorizedService } from './operations';

export interface DescribedRequest {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** The error AWS answers a request signed with an access key it never issued. */
export function unrecognizedClient(service: AuthorizedService): ServiceError {
  switch (service) {
    case 's3':
      return new ServiceError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403);
    case 'sns':
      return new ServiceError('InvalidClientTokenId', INVALID_TOKEN, 403);
    case 'cloudwatch':
      return new ServiceError('InvalidClientTokenId', INVALID_TOKEN, 403, {}, 'InvalidClientTokenId');
    case 'lambda':
    case 'apigateway':
    case 'sagemaker-runtime':
      return new ServiceError('UnrecognizedClientException', INVALID_TOKEN, 403);
    default:
      return new ServiceError('UnrecognizedClientException', INVALID_TOKEN, 400);
  }
}

/** The error AWS answers a request IAM denies. */
export function accessDenied(service: AuthorizedService, message: string): ServiceError {
  switch (service) {
    case 's3':
      return new ServiceError('AccessDenied', message, 403);
    case 'sns':
      return new ServiceError('AuthorizationError', message, 403);
    case 'cloudwatch':
      return new ServiceError('AccessDeniedException', message, 403, {}, 'AccessDenied');
    case 'lambda':
    case 'apigateway':
    case 'sagemaker-runtime':
      return new ServiceError('AccessDeniedException', message, 403);
    default:
      return new ServiceError('AccessDeniedException', message, 400);
  }
}

export function writeServiceError(res: ServerResponse, service: AuthorizedService, err: ServiceError): void {
  switch (service) {
    case 's3':
      return writeS3Error(res, err);
    case 'sns':
      return writeSnsError(res, err);
    case 'lambda':
    case 'apigateway':
    case 'sagemaker-runtime':
      return writeRestJsonError(res, err);
    case 'cloudwatch':
      return writeAwsJsonError(res, err, { queryCompatible: true });
    case 'dynamodb':
      return writeAwsJsonError(res, err, { namespace: 'com.amazonaws.dynamodb.v20120810' });
    default:
      return writeAwsJsonError(res, err);
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The operation and its input members (model names) of one HTTP request; undefined: nothing IAM authorizes (stage traffic) or not emulated. */
export function describeRequest(service: AuthorizedService, req: IncomingMessage, url: URL, body: Buffer): DescribedRequest | undefined {
  const method = req.method ?? 'GET';
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return { operation: target.slice(target.indexOf('.') + 1), input: parseJson(body) };
  switch (service) {
    case 'lambda':
      return lambdaRequest(method, url);
    case 'sagemaker-runtime': {
      const m = /^\/endpoints\/([^/]+)\/(async-)?invocations/.exec(url.pathname);
      return m ? { operation: m[2] ? 'InvokeEndpointAsync' : 'InvokeEndpoint', input: { EndpointName: decodeURIComponent(m[1] as string) } } : undefined;
    }
    case 'apigateway':
      return apiGatewayRequest(method, url.pathname);
    case 'sns': {
      const params = new URLSearchParams(body.toString('utf8'));
      return { operation: params.get('Action') ?? '', input: Object.fromEntries(params) };
    }
    case 's3': {
      const [bucket, ...key] = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
      return { operation: s3Operation(method, url), input: { ...(bucket ? { Bucket: bucket } : {}), ...(key.length ? { Key: key.join('/') } : {}) } };
    }
    default:
      return undefined;
  }
}

/** The request again, its body replayed from the buffer read for the check. */
function replay(req: IncomingMessage, raw: Buffer): IncomingMessage {
  const copy = new Readable({ read() {} });
  copy.push(raw);
  copy.push(null);
  return Object.assign(copy, {
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    socket: req.socket,
    connection: req.socket,
  }) as unknown as IncomingMessage;
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

export interface IamGuardOptions {
  readonly iam: IamService;
  readonly region: string;
  readonly account: string;
}

export class IamGuard {
  public readonly authorizer: IamAuthorizer;

  public constructor(private readonly o: IamGuardOptions) {
    this.authorizer = new IamAuthorizer(o.iam, o.account);
  }

  /** The caller's session; null for the operator (unchecked); undefined for a key the sandbox never issued. */
  public caller(accessKeyId: string | undefined): Session | null | undefined {
    if (accessKeyId === undefined || accessKeyId === ADMIN_ACCESS_KEY_ID) return null;
    return this.o.iam.sessions.session(accessKeyId);
  }

  /** The first permission of an operation the session is denied (undefined: allowed). */
  public async authorize(session: Session, service: AuthorizedService, operation: string, input: Record<string, unknown>): Promise<Denial | undefined> {
    const permissions = requiredPermissions(service, operation, input, { region: this.o.region, account: this.o.account });
    // SNS writes its actions upper case in its messages ("SNS:Publish").
    return this.authorizer.check(session, permissions, service === 'sns' ? (a) => a.replace(/^sns:/, 'SNS:') : undefined);
  }

  /**
   * Checks one HTTP request: the request to dispatch (its body replayed when it
   * had to be read), or undefined when the guard has answered it (denied).
   */
  public async admit(req: IncomingMessage, res: ServerResponse, url: URL, service: AuthorizedService): Promise<IncomingMessage | undefined> {
    const session = this.caller(accessKeyIdOf(req.headers, url));
    if (session === null) return req;
    if (session === undefined) {
      req.resume();
      writeServiceError(res, service, unrecognizedClient(service));
      return undefined;
    }
    const raw = await readRaw(req);
    const body = String(req.headers['content-encoding'] ?? '').toLowerCase().includes('gzip') ? gunzipSync(raw) : raw;
    const described = describeRequest(service, req, url, body);
    if (described) {
      const denial = await this.authorize(session, service, described.operation, described.input);
      if (denial) {
        if (process.env.CUTOVER_SANDBOX_IAM_LOG) process.stderr.write(`[sandbox iam] ${service}.${described.operation} denied: ${denial.message}\n`);
        writeServiceError(res, service, accessDenied(service, denial.message));
        return undefined;
      }
    }
    return replay(req, raw);
  }
}
