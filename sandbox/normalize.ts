/**
 * The request normalizer: one AwsRequest (service, operation, input as the
 * model names its members, access key id, wire protocol) per API request,
 * built once in the sandbox's onRequest before any gate or service sees it.
 *
 * How each protocol names its operation and carries its input is AWS's (the
 * botocore models in sandbox/models/), not hand-written per operation:
 *  - awsJson1_0 / awsJson1_1: `X-Amz-Target: <prefix>.<Operation>`, the body is the input;
 *  - query (SNS; CloudWatch from the AWS CLI): `Action=<Operation>` and the form
 *    fields, decoded by the input shape (`Name.member.N`, `Name.entry.N.key`, flattened lists);
 *  - restJson1 / restXml (Lambda, API Gateway, SageMaker Runtime, S3): the
 *    operation whose `http.method` and `requestUri` template match, its members
 *    taken from their locations (uri, querystring, header, headers, payload) and
 *    the JSON body (by jsonName/locationName).
 * Members the model does not know are kept under their wire name, so the
 * validation gate can report them.
 */
import { IncomingMessage } from 'node:http';
import type { AwsProtocol, AwsRequest } from './gate';
import { loadModel, type MemberRef, type ModelledService, type ServiceModel, type Shape } from './models/model';

/** Which service a request is for and in which protocol it speaks; undefined: not an AWS API call. */
export interface Destination {
  service: ModelledService;
  protocol: AwsProtocol;
  /** awsJson: the operation named by X-Amz-Target. */
  target?: string;
}

const JSON_TARGETS: Record<string, ModelledService> = {
  AWSStepFunctions: 'stepfunctions',
  DynamoDB_20120810: 'dynamodb',
  GraniteServiceVersion20100801: 'cloudwatch',
  AWSEvents: 'eventbridge',
  SageMaker: 'sagemaker',
};

/** Query-protocol services by their SigV4 credential scope's service. */
const QUERY_SCOPES: Record<string, ModelledService> = { sns: 'sns', monitoring: 'cloudwatch' };

const LAMBDA_PATH = /^\/20\d\d-\d\d-\d\d\/functions(?:\/|$)/;
const RUNTIME_PATH = /^\/endpoints\/[^/]+\/(async-)?invocations/;
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\//;

export function credentialScope(req: IncomingMessage, url: URL): { accessKeyId?: string; service?: string } {
  const m = CREDENTIAL.exec(String(req.headers.authorization ?? '')) ?? CREDENTIAL.exec(`Credential=${url.searchParams.get('X-Amz-Credential') ?? ''}`);
  return m ? { accessKeyId: m[1] as string, service: m[2] as string } : {};
}

/** Where a request goes, as the sandbox dispatches it (index.ts). */
export function destination(req: IncomingMessage, url: URL): Destination | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const dot = target.indexOf('.');
    const service = JSON_TARGETS[target.slice(0, dot)];
    if (!service) return undefined;
    const json11 = String(req.headers['content-type'] ?? '').includes('1.1') || service === 'eventbridge' || service === 'sagemaker';
    return { service, protocol: json11 ? 'awsJson1_1' : 'awsJson1_0', target: target.slice(dot + 1) };
  }
  const pathname = url.pathname;
  if (LAMBDA_PATH.test(pathname)) return { service: 'lambda', protocol: 'restJson1' };
  if (RUNTIME_PATH.test(pathname)) return { service: 'sagemaker-runtime', protocol: 'restJson1' };
  if (pathname === '/restapis' || pathname.startsWith('/restapis/')) {
    // `/restapis/<id>/<stage>/_user_request_/…` is a stage's own traffic, not an API Gateway API call.
    if (pathname.split('/')[4] === '_user_request_') return undefined;
    return { service: 'apigateway', protocol: 'restJson1' };
  }
  if (req.method === 'POST' && pathname === '/' && String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    const scope = credentialScope(req, url).service;
    const service = scope === undefined ? 'sns' : QUERY_SCOPES[scope];
    if (service) return { service, protocol: 'query' };
  }
  return { service: 's3', protocol: 'restXml' };
}

// ---------------------------------------------------------------------------
// REST: operation from method + requestUri template

interface RestRoute {
  operation: string;
  method: string;
  regex: RegExp;
  labels: string[];
  query: Array<[string, string | undefined]>;
  /** Required members in headers / the query string: same-URI operations (PutObject, CopyObject) differ by them. */
  requires: Array<['header' | 'querystring', string]>;
  score: number;
}

const routeTables = new Map<ModelledService, Map<string, RestRoute[]>>();

function compileRoute(operation: string, method: string, requestUri: string, requiresList: string[]): RestRoute {
  const [pathPart = '/', queryPart] = requestUri.split('?');
  const labels: string[] = [];
  let literal = 0;
  const trimmed = pathPart.length > 1 ? pathPart.replace(/\/+$/, '') : pathPart;
  const source = trimmed.replace(/\{([^}]+)\}|[^{]+/g, (part, label?: string) => {
    if (label) {
      const greedy = label.endsWith('+');
      labels.push(greedy ? label.slice(0, -1) : label);
      return greedy ? '(.+)' : '([^/]+)';
    }
    literal += part.length;
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  const query = (queryPart ? queryPart.split('&') : []).map((kv): [string, string | undefined] => {
    const eq = kv.indexOf('=');
    return eq < 0 ? [kv, undefined] : [kv.slice(0, eq), kv.slice(eq + 1)];
  });
  const requires = requiresList.map((r): ['header' | 'querystring', string] => {
    const colon = r.indexOf(':');
    const where = r.slice(0, colon) === 'header' ? 'header' : 'querystring';
    return [where, where === 'header' ? r.slice(colon + 1).toLowerCase() : r.slice(colon + 1)];
  });
  // Most specific first: literal query keys, then literal path, then required located members.
  return { operation, method, regex: new RegExp(`^${source}/?$`), labels, query, requires, score: query.length * 100_000 + literal * 100 + requires.length };
}

function requiredLocated(model: ServiceModel, shapeName: string | undefined): string[] {
  const shape = shapeName ? model.shapes[shapeName] : undefined;
  return (shape?.required ?? [])
    .map((name) => shape?.members?.[name])
    .filter((m): m is MemberRef => m?.location === 'header' || m?.location === 'querystring')
    .map((m) => `${m.location}:${m.locationName}`);
}

function restRoutes(service: ModelledService, model: ServiceModel): Map<string, RestRoute[]> {
  let table = routeTables.get(service);
  if (!table) {
    table = new Map();
    const all: RestRoute[] = [];
    for (const [op, o] of Object.entries(model.operations)) if (o.http) all.push(compileRoute(op, o.http.method, o.http.requestUri, requiredLocated(model, o.input)));
    for (const [op, { http, requires = [] }] of Object.entries(model.routes ?? {})) {
      const space = http.indexOf(' ');
      all.push(compileRoute(op, http.slice(0, space), http.slice(space + 1), requires));
    }
    all.sort((a, b) => b.score - a.score);
    for (const r of all) {
      const list = table.get(r.method) ?? [];
      list.push(r);
      table.set(r.method, list);
    }
    routeTables.set(service, table);
  }
  return table;
}

function matchRoute(service: ModelledService, model: ServiceModel, method: string, url: URL, headers: IncomingMessage['headers']): { route: RestRoute; labels: Record<string, string> } | undefined {
  const routes = restRoutes(service, model).get(method) ?? [];
  for (const route of routes) {
    const m = route.regex.exec(url.pathname);
    if (!m) continue;
    if (!route.query.every(([k, v]) => (v === undefined ? url.searchParams.has(k) : url.searchParams.get(k) === v))) continue;
    if (!route.requires.every(([where, k]) => (where === 'header' ? headers[k] !== undefined : url.searchParams.has(k)))) continue;
    const labels: Record<string, string> = {};
    route.labels.forEach((label, i) => {
      const raw = m[i + 1] as string;
      try {
        labels[label] = decodeURIComponent(raw);
      } catch {
        labels[label] = raw;
      }
    });
    return { route, labels };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Values from strings (uri, querystring, header, query protocol) by their shape

function scalarFromString(shape: Shape | undefined, text: string): unknown {
  switch (shape?.type) {
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

/** JSON body values under their model member names (jsonName / locationName on the wire). */
function fromJson(model: ServiceModel, shapeName: string, value: unknown, depth = 0): unknown {
  const shape = model.shapes[shapeName];
  if (!shape || value === null || typeof value !== 'object' || depth > 32) return value;
  if (shape.type === 'list' && Array.isArray(value) && shape.member) {
    const member = shape.member.shape;
    return value.map((v) => fromJson(model, member, v, depth + 1));
  }
  if (shape.type === 'map' && shape.value && !Array.isArray(value)) {
    const valueShape = shape.value.shape;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromJson(model, valueShape, v, depth + 1);
    return out;
  }
  if (shape.type === 'structure' && shape.members && !Array.isArray(value)) {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const [name, ref] of Object.entries(shape.members)) {
      if (ref.location) continue;
      const wire = ref.jsonName ?? ref.locationName ?? name;
      if (wire in source) {
        out[name] = fromJson(model, ref.shape, source[wire], depth + 1);
        seen.add(wire);
      }
    }
    for (const [k, v] of Object.entries(source)) if (!seen.has(k)) out[k] = v;
    return out;
  }
  return value;
}

function restInput(model: ServiceModel, shapeName: string | undefined, req: IncomingMessage, url: URL, labels: Record<string, string>, body: Buffer | undefined, json: boolean): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const shape = shapeName ? model.shapes[shapeName] : undefined;
  const members = shape?.members ?? {};
  let bodyMembers = false;
  for (const [name, ref] of Object.entries(members)) {
    const wire = ref.locationName ?? name;
    const memberShape = model.shapes[ref.shape];
    switch (ref.location) {
      case 'uri':
        if (wire in labels) input[name] = scalarFromString(memberShape, labels[wire] as string);
        break;
      case 'querystring':
        if (memberShape?.type === 'list') {
          const values = url.searchParams.getAll(wire);
          if (values.length) input[name] = values.map((v) => scalarFromString(model.shapes[memberShape.member?.shape ?? ''], v));
        } else if (memberShape?.type === 'map') {
          const bound = new Set(Object.values(members).filter((m) => m.location === 'querystring').map((m) => m.locationName));
          const map: Record<string, string> = {};
          for (const [k, v] of url.searchParams) if (!bound.has(k)) map[k] = v;
          if (Object.keys(map).length) input[name] = map;
        } else if (url.searchParams.has(wire)) {
          input[name] = scalarFromString(memberShape, url.searchParams.get(wire) as string);
        }
        break;
      case 'header': {
        const value = req.headers[wire.toLowerCase()];
        if (value !== undefined) input[name] = scalarFromString(memberShape, Array.isArray(value) ? value.join(',') : value);
        break;
      }
      case 'headers': {
        const prefix = wire.toLowerCase();
        const map: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (k.startsWith(prefix) && v !== undefined) map[k.slice(prefix.length)] = String(v);
        if (Object.keys(map).length) input[name] = map;
        break;
      }
      case 'statusCode':
        break;
      default:
        if (shape?.payload !== name) bodyMembers = true;
    }
  }
  if (!body || body.length === 0) return input;
  if (shape?.payload) {
    const ref = members[shape.payload] as MemberRef;
    const payloadShape = model.shapes[ref.shape];
    if (payloadShape?.type === 'structure') {
      if (json) {
        const parsed = parseJson(body);
        if (parsed !== undefined) input[shape.payload] = fromJson(model, ref.shape, parsed);
      }
      // restXml structure payloads (S3 configurations) are not decoded: their members are not validated.
    } else {
      input[shape.payload] = body;
    }
    return input;
  }
  if (json && (bodyMembers || !shape)) {
    const parsed = parseJson(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      Object.assign(input, shapeName ? (fromJson(model, shapeName, parsed) as Record<string, unknown>) : parsed);
    }
  }
  return input;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// query protocol: form fields decoded by the input shape

function queryValue(model: ServiceModel, ref: MemberRef | undefined, shapeName: string, key: string, params: URLSearchParams, used: Set<string>, depth: number): unknown {
  const shape = model.shapes[shapeName];
  if (!shape || depth > 16) return undefined;
  if (shape.type === 'structure') {
    const out: Record<string, unknown> = {};
    let any = false;
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      const v = queryValue(model, member, member.shape, `${key}${key ? '.' : ''}${member.queryName ?? member.locationName ?? name}`, params, used, depth + 1);
      if (v !== undefined) {
        out[name] = v;
        any = true;
      }
    }
    return any || depth === 0 ? out : undefined;
  }
  if (shape.type === 'list' && shape.member) {
    if (params.get(key) === '') {
      used.add(key);
      return [];
    }
    const flattened = ref?.flattened ?? shape.flattened;
    const base = flattened ? `${key}.` : `${key}.${shape.member.locationName ?? 'member'}.`;
    const out: unknown[] = [];
    for (let i = 1; i <= params.size; i += 1) {
      const v = queryValue(model, shape.member, shape.member.shape, `${base}${i}`, params, used, depth + 1);
      if (v === undefined) break;
      out.push(v);
    }
    return out.length ? out : undefined;
  }
  if (shape.type === 'map' && shape.key && shape.value) {
    const flattened = ref?.flattened ?? shape.flattened;
    const base = flattened ? `${key}.` : `${key}.entry.`;
    const keyName = shape.key.locationName ?? 'key';
    const valueName = shape.value.locationName ?? 'value';
    const out: Record<string, unknown> = {};
    let any = false;
    for (let i = 1; i <= params.size; i += 1) {
      const k = params.get(`${base}${i}.${keyName}`);
      if (k === null) break;
      used.add(`${base}${i}.${keyName}`);
      out[k] = queryValue(model, shape.value, shape.value.shape, `${base}${i}.${valueName}`, params, used, depth + 1);
      any = true;
    }
    return any ? out : undefined;
  }
  const text = params.get(key);
  if (text === null) return undefined;
  used.add(key);
  return scalarFromString(shape, text);
}

function queryInput(model: ServiceModel, shapeName: string | undefined, params: URLSearchParams): Record<string, unknown> {
  const used = new Set(['Action', 'Version']);
  const input = shapeName ? ((queryValue(model, undefined, shapeName, '', params, used, 0) ?? {}) as Record<string, unknown>) : {};
  // Fields the model does not know stay under their wire name (reported by the validation gate).
  for (const [k, v] of params) if (!used.has(k)) input[k] = v;
  return input;
}

// ---------------------------------------------------------------------------

/**
 * Builds the AwsRequest. `body` is the request body (already gunzipped), or
 * undefined when the sandbox streams it to the service unread (S3).
 */
export function normalize(dest: Destination, req: IncomingMessage, url: URL, body: Buffer | undefined): AwsRequest {
  const model = loadModel(dest.service);
  const { accessKeyId } = credentialScope(req, url);
  const base = { service: dest.service, protocol: dest.protocol, ...(accessKeyId ? { accessKeyId } : {}) };
  switch (dest.protocol) {
    case 'awsJson1_0':
    case 'awsJson1_1': {
      const parsed = body && body.length ? parseJson(body) : {};
      const input = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      return { ...base, operation: dest.target ?? '', input };
    }
    case 'query': {
      const params = new URLSearchParams(body ? body.toString('utf8') : '');
      const operation = params.get('Action') ?? '';
      return { ...base, operation, input: queryInput(model, model.operations[operation]?.input, params) };
    }
    case 'restJson1':
    case 'restXml': {
      const match = matchRoute(dest.service, model, req.method ?? 'GET', url, req.headers);
      if (!match) return { ...base, operation: '', input: {} };
      const operation = match.route.operation;
      const input = restInput(model, model.operations[operation]?.input, req, url, match.labels, body, dest.protocol === 'restJson1');
      return { ...base, operation, input };
    }
  }
}

/**
 * A readable copy of a request whose body the sandbox has already read: the
 * services (dynalite, the sandbox's own handlers) read it as they read the
 * original. The original's socket, headers, method and URL are kept.
 */
export function replayRequest(req: IncomingMessage, raw: Buffer): IncomingMessage {
  const copy = new IncomingMessage(req.socket);
  copy.method = req.method as string;
  copy.url = req.url as string;
  copy.headers = req.headers;
  copy.rawHeaders = req.rawHeaders;
  copy.httpVersion = req.httpVersion;
  copy.httpVersionMajor = req.httpVersionMajor;
  copy.httpVersionMinor = req.httpVersionMinor;
  if (raw.length) copy.push(raw);
  copy.push(null);
  copy.complete = true;
  return copy;
}
