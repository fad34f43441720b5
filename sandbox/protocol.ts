/**
 * Wire-protocol helpers shared by the emulated services: reading bodies and
 * writing errors in the exact shape each SDK v3 protocol deserializes
 * (checked against @aws-sdk/core and @smithy/core):
 *  - awsJson1_0 (Step Functions, DynamoDB): `__type` in the body names the error;
 *  - awsJson1_0 query-compatible (CloudWatch): the SDK reads the code from the
 *    `x-amzn-query-error: Code;Sender` header first, then `__type`;
 *  - restJson1 (Lambda): the `x-amzn-ErrorType` header names the error;
 *  - restXml (S3): `<Error><Code>…</Code></Error>`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { FaultKind, ServiceName } from './faults';

export class ServiceError extends Error {
  public constructor(
    /** Error code as the SDK names the exception (`ResourceNotFoundException`). */
    public readonly code: string,
    message: string,
    public readonly status = 400,
    /** Extra members of the error structure (`Reason`, `Type`, …). */
    public readonly fields: Record<string, unknown> = {},
    /** Query-protocol code for query-compatible services (`ResourceNotFound`). */
    public readonly queryCode?: string,
    /** Extra response headers (`Retry-After`). */
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Bodies the sandbox has already read (and decoded) once, for the request object the services get. */
const bufferedBodies = new WeakMap<IncomingMessage, Buffer>();

/** Hands a service a request whose body was read before: readBody answers it without streaming. */
export function setBufferedBody(req: IncomingMessage, body: Buffer): void {
  bufferedBodies.set(req, body);
}

/** Reads the request body as it came (no decoding). */
export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ServiceError('RequestEntityTooLargeException', 'Request body too large', 413);
    chunks.push(buf);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** A raw body gunzipped when its Content-Encoding says so (CloudWatch PutMetricData compresses large bodies). */
export function decodeBody(req: IncomingMessage, raw: Buffer): Buffer {
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  return encoding.includes('gzip') ? gunzipSync(raw) : raw;
}

/** Reads the whole request body, gunzipped (or the body the sandbox read before, see setBufferedBody). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const buffered = bufferedBodies.get(req);
  if (buffered) return buffered;
  return decodeBody(req, await readRawBody(req));
}

/** Parses a JSON request body; an empty body is `{}` (the SDK sends `{}` for empty inputs anyway). */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ServiceError('SerializationException', 'Request body is not a JSON object', 400);
}

export function requestId(): string {
  return randomUUID();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId(),
    ...headers,
  });
  res.end(text);
}

export interface AwsJsonErrorOptions {
  /** Smithy namespace prefixed to `__type` (`com.amazonaws.dynamodb.v20120810`). */
  namespace?: string;
  /** Query-compatible service (CloudWatch): also send `x-amzn-query-error`. */
  queryCompatible?: boolean;
}

export function writeAwsJsonError(res: ServerResponse, err: ServiceError, options: AwsJsonErrorOptions = {}): void {
  const headers: Record<string, string> = { ...err.headers };
  if (options.queryCompatible) {
    headers['x-amzn-query-error'] = `${err.queryCode ?? err.code};${err.status >= 500 ? 'Receiver' : 'Sender'}`;
  }
  const type = options.namespace ? `${options.namespace}#${err.code}` : err.code;
  sendJson(res, err.status, { __type: type, message: err.message, ...err.fields }, 'application/x-amz-json-1.0', headers);
}

export function writeRestJsonError(res: ServerResponse, err: ServiceError): void {
  // Lambda's error structures use `Message` or `message` depending on the shape: send both.
  sendJson(
    res,
    err.status,
    { Type: err.status >= 500 ? 'Service' : 'User', Message: err.message, message: err.message, ...err.fields },
    'application/json',
    { 'x-amzn-errortype': err.code, ...err.headers },
  );
}

/** The SigV4 credential scope's service (`…/20261202/us-east-1/monitoring/aws4_request` → `monitoring`): how query-protocol POSTs to `/` tell their service. */
export function credentialScopeService(req: IncomingMessage): string | undefined {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
}

/** A query-protocol answer (SNS, CloudWatch): `text/xml` with the XML declaration. */
export function sendQueryXml(res: ServerResponse, status: number, body: string, id = requestId()): void {
  const xml = `<?xml version="1.0"?>\n${body}`;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': id });
  res.end(xml);
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/** AWS query protocol (SNS; CloudWatch as the AWS CLI calls it): `<ErrorResponse><Error><Type><Code><Message>`. */
export function writeQueryError(res: ServerResponse, err: ServiceError, xmlns: string): void {
  const id = requestId();
  const xml =
    '<?xml version="1.0"?>\n' +
    `<ErrorResponse xmlns="${xmlEscape(xmlns)}"><Error><Type>${err.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${xmlEscape(err.queryCode ?? err.code)}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`;
  res.writeHead(err.status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': id, ...err.headers });
  res.end(xml);
}

export function writeS3Error(res: ServerResponse, err: ServiceError): void {
  const id = requestId();
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message><RequestId>${id}</RequestId></Error>`;
  res.writeHead(err.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amz-request-id': id,
    ...err.headers,
  });
  res.end(xml);
}

/** DynamoDB data-plane operations throttle with ProvisionedThroughputExceededException. */
const DYNAMO_DATA_OPS = new Set([
  'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan',
  'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems',
]);

/** The error an injected fault produces, in the service's real error vocabulary. */
export function faultError(service: ServiceName, operation: string, kind: Exclude<FaultKind, 'latency'>): ServiceError {
  const note = `(injected by the Cutover sandbox for ${operation})`;
  switch (service) {
    case 'lambda':
      if (kind === 'throttle') {
        return new ServiceError('TooManyRequestsException', `Rate Exceeded. ${note}`, 429, { Reason: 'CallerRateLimitExceeded' }, undefined, { 'retry-after': '1' });
      }
      if (kind === '5xx') return new ServiceError('ServiceException', `Lambda was unable to process the request ${note}`, 500);
      return new ServiceError('AccessDeniedException', `User is not authorized to perform lambda:${operation} ${note}`, 403);
    case 'dynamodb':
      if (kind === 'throttle') {
        return DYNAMO_DATA_OPS.has(operation)
          ? new ServiceError('ProvisionedThroughputExceededException', `The level of configured provisioned throughput for the table was exceeded ${note}`, 400)
          : new ServiceError('ThrottlingException', `Rate of requests exceeds the allowed throughput ${note}`, 400);
      }
      if (kind === '5xx') return new ServiceError('InternalServerError', `Internal server error ${note}`, 500);
      return new ServiceError('AccessDeniedException', `User is not authorized to perform dynamodb:${operation} ${note}`, 400);
    case 'cloudwatch':
      if (kind === 'throttle') return new ServiceError('ThrottlingException', `Rate exceeded ${note}`, 400, {}, 'Throttling');
      if (kind === '5xx') return new ServiceError('InternalServiceFault', `Internal service error ${note}`, 500, {}, 'InternalServiceError');
      return new ServiceError('AccessDeniedException', `User is not authorized to perform cloudwatch:${operation} ${note}`, 403, {}, 'AccessDenied');
    case 'stepfunctions':
      if (kind === 'throttle') return new ServiceError('ThrottlingException', `Rate exceeded ${note}`, 400);
      if (kind === '5xx') return new ServiceError('InternalFailure', `Internal failure ${note}`, 500);
      return new ServiceError('AccessDeniedException', `User is not authorized to perform states:${operation} ${note}`, 400);
    case 's3':
      if (kind === 'throttle') return new ServiceError('SlowDown', `Please reduce your request rate. ${note}`, 503);
      if (kind === '5xx') return new ServiceError('InternalError', `We encountered an internal error. Please try again. ${note}`, 500);
      return new ServiceError('AccessDenied', `Access Denied ${note}`, 403);
    case 'sagemaker':
      if (kind === 'throttle') return new ServiceError('ThrottlingException', `Rate exceeded ${note}`, 400);
      if (kind === '5xx') return new ServiceError('InternalFailure', `An internal error occurred ${note}`, 500);
      return new ServiceError('AccessDeniedException', `User is not authorized to perform sagemaker:${operation} ${note}`, 400);
    case 'sagemaker-runtime':
      if (kind === 'throttle') return new ServiceError('ThrottlingException', `Rate exceeded ${note}`, 400);
      if (kind === '5xx') return new ServiceError('ServiceUnavailable', `The service is unavailable ${note}`, 503);
      return new ServiceError('AccessDeniedException', `User is not authorized to perform sagemaker:${operation} ${note}`, 403);
    case 'apigateway':
      if (kind === 'throttle') return new ServiceError('TooManyRequestsException', `Too Many Requests ${note}`, 429, {}, undefined, { 'retry-after': '1' });
      if (kind === '5xx') return new ServiceError('ServiceUnavailableException', `Service Unavailable ${note}`, 503);
      return new ServiceError('AccessDeniedException', `User is not authorized to perform apigateway:${operation} ${note}`, 403);
  }
}
