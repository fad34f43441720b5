/**
 * CloudWatch over the AWS query protocol, the one the AWS CLI and botocore
 * send (botocore's model says `"protocol": "query"`; SDK v3 sends awsJson1_0,
 * served in index.ts): a form-encoded `POST /` with
 * `Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=…`, answered
 * with `<DescribeAlarmsResponse><DescribeAlarmsResult>…` XML. Both protocols
 * run the same CloudWatchService.handle: this module only translates, driven
 * by botocore's shapes (cloudwatch-query-shapes.json, extracted by
 * sandbox/tools/extract-cloudwatch-query-shapes.ts), so member names, list
 * `member` elements and `resultWrapper`s are AWS's, not ours.
 *
 * The query protocol, as Smithy's awsQuery specification describes it
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html) and botocore
 * serializes it (none of CloudWatch's shapes is flattened or renamed):
 *  - a structure member is the key `<prefix>.<member name>`; a list item is
 *    `<prefix>.member.<n>`, 1-based (an empty list: the bare key, empty);
 *    a map entry `<prefix>.entry.<n>.key` / `.value`;
 *  - timestamps are ISO 8601 date-time strings, booleans `true` / `false`;
 *  - the response is `<OperationResponse><OperationResult>…</OperationResult>
 *    <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>`, the
 *    result element named by the operation's `resultWrapper`; lists are
 *    `<member>` elements;
 *  - errors are `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…</Code>
 *    <Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`,
 *    the Code being the error's `awsQueryError` code (`ResourceNotFound`,
 *    `InvalidParameterValue`, …); an unknown or missing Action is
 *    InvalidAction / MissingAction, 400 (CloudWatch API Reference, Common
 *    Errors: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults';
import { credentialScopeService, faultError, readBody, requestId, sendQueryXml, ServiceError, xmlEscape } from '../protocol';
import type { CloudWatchService } from './cloudwatch';
import MODEL from './cloudwatch-query-shapes.json';

export const CLOUDWATCH_QUERY_VERSION = '2010-08-01';
const NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

interface MemberRef {
  shape: string;
}
interface Shape {
  type: string;
  members?: Record<string, MemberRef>;
  xmlOrder?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
}
interface Operation {
  input?: MemberRef;
  output?: MemberRef & { resultWrapper?: string };
}
const SHAPES = MODEL.shapes as unknown as Record<string, Shape>;
const OPERATIONS = MODEL.operations as unknown as Record<string, Operation>;

/**
 * Is this a CloudWatch query request? A form-encoded `POST /` signed for
 * CloudWatch's signing name, `monitoring` (the model's endpointPrefix; SNS's
 * is `sns`, which isSnsRequest takes).
 */
export function isCloudWatchQueryRequest(req: IncomingMessage, url: URL): boolean {
  if (req.method !== 'POST' || url.pathname !== '/') return false;
  if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return false;
  return credentialScopeService(req) === 'monitoring';
}

function invalidValue(message: string): ServiceError {
  return new ServiceError('InvalidParameterValueException', message, 400, {}, 'InvalidParameterValue');
}

/** Epoch seconds (what CloudWatchService reads from awsJson1_0) from a query timestamp (ISO 8601, or epoch seconds). */
function timestamp(text: string, name: string): number {
  const n = Number(text);
  const ms = Number.isFinite(n) ? n * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw invalidValue(`The parameter ${name} must be a timestamp.`);
  return ms / 1000;
}

/** Reads the value of `shapeName` at `prefix` from flattened query parameters; undefined when absent. */
function parse(params: URLSearchParams, keys: readonly string[], prefix: string, shapeName: string): unknown {
  const shape = SHAPES[shapeName];
  if (!shape) throw new Error(`no shape ${shapeName}`);
  const present = (p: string) => keys.some((k) => k === p || k.startsWith(`${p}.`));
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const p = prefix ? `${prefix}.${name}` : name;
        if (!present(p)) continue;
        const v = parse(params, keys, p, ref.shape);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case 'list': {
      // An empty list is sent as the bare name with an empty value (`AlarmActions=`).
      if (params.get(prefix) === '') return [];
      const out: unknown[] = [];
      for (let i = 1; present(`${prefix}.member.${i}`); i++) out.push(parse(params, keys, `${prefix}.member.${i}`, shape.member!.shape));
      return out;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (let i = 1; present(`${prefix}.entry.${i}`); i++) {
        out[String(parse(params, keys, `${prefix}.entry.${i}.key`, shape.key!.shape))] = parse(params, keys, `${prefix}.entry.${i}.value`, shape.value!.shape);
      }
      return out;
    }
  }
  const text = params.get(prefix);
  if (text === null) return undefined;
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw invalidValue(`The value ${text} for parameter ${prefix} is not a number.`);
      return n;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw invalidValue(`The value ${text} for parameter ${prefix} is not a boolean.`);
      return text === 'true';
    case 'timestamp':
      return timestamp(text, prefix);
    case 'blob':
      return Buffer.from(text, 'base64');
    default:
      return text;
  }
}

/** The XML content of `value` as `shapeName` (the caller writes the enclosing element). */
function serialize(value: unknown, shapeName: string): string {
  const shape = SHAPES[shapeName];
  if (!shape) throw new Error(`no shape ${shapeName}`);
  switch (shape.type) {
    case 'structure': {
      const record = value as Record<string, unknown>;
      const order = shape.xmlOrder ?? Object.keys(shape.members ?? {});
      return order
        .filter((name) => record[name] !== undefined && record[name] !== null && shape.members?.[name])
        .map((name) => `<${name}>${serialize(record[name], shape.members![name]!.shape)}</${name}>`)
        .join('');
    }
    case 'list':
      return (value as unknown[]).map((v) => `<member>${serialize(v, shape.member!.shape)}</member>`).join('');
    case 'map':
      return Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `<entry><key>${serialize(k, shape.key!.shape)}</key><value>${serialize(v, shape.value!.shape)}</value></entry>`)
        .join('');
    case 'timestamp':
      // CloudWatchService answers epoch seconds, as awsJson1_0 sends them.
      return new Date(typeof value === 'number' ? value * 1000 : String(value)).toISOString();
    case 'blob':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return xmlEscape(String(value));
  }
}

/** The action's input as awsJson1_0 would carry it, from its query parameters. */
export function queryInput(action: string, params: URLSearchParams): Record<string, unknown> {
  const op = OPERATIONS[action];
  // "The action or operation requested is invalid. Verify that the action is typed correctly." (400, Common Errors)
  if (!op) throw new ServiceError('InvalidAction', `The action or operation requested is invalid. Verify that the action is typed correctly. (${action})`, 400, {}, 'InvalidAction');
  if (!op.input) return {};
  return parse(params, [...params.keys()], '', op.input.shape) as Record<string, unknown>;
}

/** The `<ActionResponse>` document for an output as CloudWatchService returns it. */
export function queryResponse(action: string, output: unknown, id = requestId()): string {
  const op = OPERATIONS[action];
  const result = op?.output?.resultWrapper ? `<${op.output.resultWrapper}>${serialize(output ?? {}, op.output.shape)}</${op.output.resultWrapper}>` : '';
  return `<${action}Response xmlns="${NAMESPACE}">${result}<ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></${action}Response>`;
}

/** The `<ErrorResponse>` document for an error: the query code, Sender or Receiver. */
export function queryError(err: ServiceError, id = requestId()): string {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${xmlEscape(err.queryCode ?? err.code)}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`;
}

/** Serves one CloudWatch query request: the same operations, faults and errors as the JSON protocol. */
export async function handleCloudWatchQuery(
  deps: { cloudwatch: CloudWatchService; faults: FaultInjector; log?: (line: string) => void },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const id = requestId();
  const send = (status: number, body: string) => sendQueryXml(res, status, body, id);
  let action = '';
  try {
    const params = new URLSearchParams((await readBody(req)).toString('utf8'));
    action = params.get('Action') ?? '';
    if (!action) throw new ServiceError('MissingAction', 'The request is missing an action or a required parameter.', 400, {}, 'MissingAction');
    const input = queryInput(action, params);
    const fault = deps.faults.take('cloudwatch', action);
    if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
    if (fault.error) throw faultError('cloudwatch', action, fault.error);
    send(200, queryResponse(action, deps.cloudwatch.handle(action, input), id));
  } catch (err) {
    if (!(err instanceof ServiceError)) deps.log?.(`[sandbox] cloudwatch.${action} (query) failed: ${(err as Error).stack ?? String(err)}`);
    const e = err instanceof ServiceError ? err : new ServiceError('InternalServiceFault', (err as Error).message, 500, {}, 'InternalServiceError');
    send(e.status, queryError(e, id));
  }
}
