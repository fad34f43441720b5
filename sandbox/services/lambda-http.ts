/**
 * Lambda's restJson1 routes, as @aws-sdk/client-lambda serializes them
 * (`/2015-03-31/functions/{FunctionName}/…`, provisioned concurrency under
 * `/2019-09-30/…`, reserved concurrency under `/2017-10-31/…`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults';
import { faultError, parseJsonBody, readBody, sendJson, ServiceError, writeRestJsonError } from '../protocol';
import type { LambdaService } from './lambda';

const LAMBDA_PATH = /^\/20\d\d-\d\d-\d\d\/functions(?:\/|$)/;

export function isLambdaPath(pathname: string): boolean {
  return LAMBDA_PATH.test(pathname);
}

interface Route {
  operation: string;
  status: number;
  run: (p: { fn: string; name: string; query: URLSearchParams; body: () => Promise<Record<string, unknown>>; raw: () => Promise<Buffer> }) => Promise<unknown> | unknown;
}

function maxItems(query: URLSearchParams): number | undefined {
  const v = query.get('MaxItems');
  return v ? Number(v) : undefined;
}

/** Finds the operation for a method and path; undefined when the sandbox does not emulate it. */
function route(lambda: LambdaService, method: string, segments: string[], query: URLSearchParams): Route | undefined {
  const [api, , fn, sub, name] = segments;
  const q = (query: URLSearchParams) => query.get('Qualifier') ?? undefined;
  if (segments.length === 2 && api === '2015-03-31') {
    if (method === 'GET') return { operation: 'ListFunctions', status: 200, run: (p) => lambda.listFunctions(p.query.get('Marker') ?? undefined, maxItems(p.query)) };
    if (method === 'POST') return { operation: 'CreateFunction', status: 201, run: async (p) => lambda.createFunction(await p.body()) };
  }
  if (!fn) return undefined;
  if (api === '2015-03-31') {
    if (segments.length === 3) {
      if (method === 'GET') return { operation: 'GetFunction', status: 200, run: (p) => lambda.getFunction(p.fn, q(p.query)) };
      if (method === 'DELETE') return { operation: 'DeleteFunction', status: 204, run: (p) => lambda.deleteFunction(p.fn, q(p.query)) };
    }
    if (segments.length === 4) {
      switch (`${method} ${sub}`) {
        case 'GET configuration':
          return { operation: 'GetFunctionConfiguration', status: 200, run: (p) => lambda.getFunctionConfiguration(p.fn, q(p.query)) };
        case 'PUT configuration':
          return { operation: 'UpdateFunctionConfiguration', status: 200, run: async (p) => lambda.updateFunctionConfiguration(p.fn, await p.body()) };
        case 'PUT code':
          return { operation: 'UpdateFunctionCode', status: 200, run: async (p) => lambda.updateFunctionCode(p.fn, await p.body()) };
        case 'GET versions':
          return { operation: 'ListVersionsByFunction', status: 200, run: (p) => lambda.listVersions(p.fn, p.query.get('Marker') ?? undefined, maxItems(p.query)) };
        case 'POST versions':
          return { operation: 'PublishVersion', status: 201, run: async (p) => lambda.publishVersion(p.fn, await p.body()) };
        case 'GET aliases':
          return { operation: 'ListAliases', status: 200, run: (p) => lambda.listAliases(p.fn, p.query.get('FunctionVersion') ?? undefined, p.query.get('Marker') ?? undefined, maxItems(p.query)) };
        case 'POST aliases':
          return { operation: 'CreateAlias', status: 201, run: async (p) => lambda.createAlias(p.fn, await p.body()) };
        case 'POST invocations':
          return { operation: 'Invoke', status: 200, run: () => undefined };
        case 'POST policy':
          return { operation: 'AddPermission', status: 201, run: async (p) => lambda.addPermission(p.fn, q(p.query), await p.body()) };
        case 'GET policy':
          return { operation: 'GetPolicy', status: 200, run: (p) => lambda.getPolicy(p.fn, q(p.query)) };
      }
    }
    if (segments.length === 5 && sub === 'policy' && name && method === 'DELETE') {
      return { operation: 'RemovePermission', status: 204, run: (p) => lambda.removePermission(p.fn, q(p.query), p.name) };
    }
    if (segments.length === 5 && sub === 'aliases' && name) {
      if (method === 'GET') return { operation: 'GetAlias', status: 200, run: (p) => lambda.getAlias(p.fn, p.name) };
      if (method === 'PUT') return { operation: 'UpdateAlias', status: 200, run: async (p) => lambda.updateAlias(p.fn, p.name, await p.body()) };
      if (method === 'DELETE') return { operation: 'DeleteAlias', status: 204, run: (p) => lambda.deleteAlias(p.fn, p.name) };
    }
  }
  if (segments.length === 4 && sub === 'provisioned-concurrency' && api === '2019-09-30') {
    if (method === 'GET' && query.get('List') === 'ALL') return { operation: 'ListProvisionedConcurrencyConfigs', status: 200, run: (p) => lambda.listProvisionedConcurrency(p.fn) };
    if (method === 'GET') return { operation: 'GetProvisionedConcurrencyConfig', status: 200, run: (p) => lambda.getProvisionedConcurrency(p.fn, q(p.query)) };
    if (method === 'PUT') return { operation: 'PutProvisionedConcurrencyConfig', status: 202, run: async (p) => lambda.putProvisionedConcurrency(p.fn, q(p.query), await p.body()) };
    if (method === 'DELETE') return { operation: 'DeleteProvisionedConcurrencyConfig', status: 204, run: (p) => lambda.deleteProvisionedConcurrency(p.fn, q(p.query)) };
  }
  if (segments.length === 4 && sub === 'concurrency') {
    if (method === 'GET' && api === '2019-09-30') return { operation: 'GetFunctionConcurrency', status: 200, run: (p) => lambda.getReservedConcurrency(p.fn) };
    if (method === 'PUT' && api === '2017-10-31') return { operation: 'PutFunctionConcurrency', status: 200, run: async (p) => lambda.putReservedConcurrency(p.fn, await p.body()) };
    if (method === 'DELETE' && api === '2017-10-31') return { operation: 'DeleteFunctionConcurrency', status: 204, run: (p) => lambda.deleteReservedConcurrency(p.fn) };
  }
  return undefined;
}

export async function handleLambdaHttp(lambda: LambdaService, faults: FaultInjector, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    const r = route(lambda, req.method ?? 'GET', segments, url.searchParams);
    if (!r) throw new ServiceError('UnknownOperationException', `The sandbox does not emulate Lambda ${req.method} ${url.pathname}`, 404);
    const fn = segments[2] ?? '';
    let raw: Buffer | undefined;
    const readRaw = async () => (raw ??= await readBody(req));
    if (r.operation === 'Invoke') {
      // Invoke applies its own faults (Step Functions shares that path) and records Throttles.
      const out = await lambda.invoke({
        functionName: fn,
        ...(url.searchParams.get('Qualifier') ? { qualifier: url.searchParams.get('Qualifier') as string } : {}),
        payload: await readRaw(),
        ...(req.headers['x-amz-invocation-type'] ? { invocationType: String(req.headers['x-amz-invocation-type']) } : {}),
        ...(req.headers['x-amz-log-type'] ? { logType: String(req.headers['x-amz-log-type']) } : {}),
        ...(req.headers['x-amz-client-context'] ? { clientContext: String(req.headers['x-amz-client-context']) } : {}),
      });
      res.writeHead(out.statusCode, {
        'content-type': 'application/json',
        'content-length': out.payload.length,
        'x-amz-executed-version': out.executedVersion,
        ...(out.functionError ? { 'x-amz-function-error': out.functionError } : {}),
        ...(out.logResult ? { 'x-amz-log-result': out.logResult } : {}),
      });
      res.end(out.payload);
      return;
    }
    const fault = faults.take('lambda', r.operation);
    if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
    if (fault.error) throw faultError('lambda', r.operation, fault.error);
    const result = await r.run({ fn, name: segments[4] ?? '', query: url.searchParams, body: async () => parseJsonBody(await readRaw()), raw: readRaw });
    if (r.status === 204) {
      res.writeHead(204);
      res.end();
    } else {
      sendJson(res, r.status, result ?? {});
    }
  } catch (err) {
    writeRestJsonError(res, err instanceof ServiceError ? err : new ServiceError('ServiceException', (err as Error).message, 500));
  }
}
