/**
 * API Gateway (REST APIs, v1) over restJson1, as @aws-sdk/client-api-gateway
 * sends it (`/restapis/…`, lowerCamel members, lists under `item`), and the
 * stage's own traffic:
 *  - enough to set an API up: CreateRestApi, GetRestApi, DeleteRestApi,
 *    GetResources, CreateResource, PutMethod, PutIntegration,
 *    CreateDeployment (optionally onto a stage, with canarySettings),
 *    CreateStage, GetStage, UpdateStage, DeleteStage;
 *  - UpdateStage patch operations on `/variables/<name>`, `/description`,
 *    `/deploymentId`, `/canarySettings` (remove),
 *    `/canarySettings/percentTraffic`, `/canarySettings/deploymentId`,
 *    `/canarySettings/useStageCache` and
 *    `/canarySettings/stageVariableOverrides/<name>`, applied all or nothing;
 *  - invoking a stage: `<METHOD> /restapis/<id>/<stage>/_user_request_/<path>`
 *    (LocalStack's convention). The request goes to the canary with
 *    probability percentTraffic (its variables are the stage's merged with
 *    the overrides), `${stageVariables.x}` in the integration URI is
 *    substituted, and the Lambda function is invoked through the sandbox's
 *    Lambda (so AWS/Lambda metrics count it under Resource `name:version`) —
 *    only if its resource policy lets apigateway.amazonaws.com invoke it from
 *    `arn:aws:execute-api:<region>:<account>:<id>/<stage>/<METHOD>/<path>`,
 *    else 500 as API Gateway answers ("Invalid permissions on Lambda function").
 *    AWS_PROXY integrations get the proxy event and must answer
 *    `{statusCode, headers?, body}`; AWS (non-proxy) integrations get the
 *    JSON body as the event and answer 200 with the function's result (a
 *    function error is 502 here: no integration responses are emulated).
 *    The answer carries `x-cutover-lambda-version`, the version that ran.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VirtualClock } from '../clock';
import type { FaultInjector } from '../faults';
import { faultError, parseJsonBody, readBody, sendJson, ServiceError, writeRestJsonError } from '../protocol';
import type { LambdaService } from './lambda';

export interface ApiGatewayServiceOptions {
  clock: VirtualClock;
  lambda: LambdaService;
  faults: FaultInjector;
  region: string;
  account: string;
  log?: (line: string) => void;
}

type Json = Record<string, unknown>;

interface Integration {
  type: string;
  httpMethod?: string;
  uri?: string;
}

interface ResourceRecord {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  methods: Map<string, { authorizationType: string; integration?: Integration }>;
}

interface Canary {
  percentTraffic: number;
  deploymentId?: string;
  stageVariableOverrides: Record<string, string>;
  useStageCache: boolean;
}

interface StageRecord {
  stageName: string;
  deploymentId: string;
  description?: string;
  variables: Record<string, string>;
  canarySettings?: Canary;
  createdDate: number;
  lastUpdatedDate: number;
}

interface ApiRecord {
  id: string;
  name: string;
  description?: string;
  createdDate: number;
  rootResourceId: string;
  resources: Map<string, ResourceRecord>;
  /** Deployment id → snapshot of the methods (resource path → method → integration). */
  deployments: Map<string, { id: string; description?: string; createdDate: number; routes: Map<string, Map<string, Integration>> }>;
  stages: Map<string, StageRecord>;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
/**
 * Ids are drawn from a sequence seeded by the account and region, not from Math.random: AWS promises only
 * that they are unique, and a fresh sandbox that makes the same calls gets the same ids, so a stack
 * synthesized for "the first REST API" (its managedStages) is the same template, cached, on every run.
 */
function idSequence(seed: string): (length: number) => string {
  let n = 0;
  return (length) => {
    const digest = createHash('sha256').update(`${seed}:${n++}`).digest();
    return Array.from({ length }, (_, i) => ID_CHARS[(digest[i] as number) % ID_CHARS.length]).join('');
  };
}
const notFound = (message: string) => new ServiceError('NotFoundException', message, 404);
const badRequest = (message: string) => new ServiceError('BadRequestException', message, 400);
const conflict = (message: string) => new ServiceError('ConflictException', message, 409);
const sec = (ms: number) => ms / 1000;

export function isApiGatewayPath(pathname: string): boolean {
  return pathname === '/restapis' || pathname.startsWith('/restapis/');
}

export class ApiGatewayService {
  private readonly apis = new Map<string, ApiRecord>();

  private readonly newId: (length: number) => string;

  public constructor(private readonly o: ApiGatewayServiceOptions) {
    this.newId = idSequence(`${o.account}:${o.region}`);
  }

  /** A REST API by id (for tests and rehearsals). */
  public api(id: string): ApiRecord {
    const api = this.apis.get(id);
    if (!api) throw notFound(`Invalid API identifier specified ${this.o.account}:${id}`);
    return api;
  }

  public async handleHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    const method = req.method ?? 'GET';
    // restapis/<id>/<stage>/_user_request_/<path…>: the stage's own traffic.
    if (segments[3] === '_user_request_' && segments.length >= 4) {
      return this.invokeStage(req, res, segments[1] as string, segments[2] as string, `/${segments.slice(4).join('/')}`, url.searchParams);
    }
    let operation = 'Unknown';
    try {
      const body = async () => parseJsonBody(await readBody(req));
      const route = this.route(method, segments);
      if (!route) throw new ServiceError('UnknownOperationException', `The sandbox does not emulate API Gateway ${method} ${url.pathname}`, 404);
      operation = route.operation;
      const fault = this.o.faults.take('apigateway', operation);
      if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
      if (fault.error) throw faultError('apigateway', operation, fault.error);
      const result = await route.run(body);
      if (route.status === 202 && result === undefined) {
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': 0 });
        res.end();
        return;
      }
      sendJson(res, route.status, result ?? {});
    } catch (err) {
      if (!(err instanceof ServiceError)) this.o.log?.(`[sandbox] apigateway.${operation} failed: ${(err as Error).stack ?? String(err)}`);
      writeRestJsonError(res, err instanceof ServiceError ? err : new ServiceError('InternalFailure', (err as Error).message, 500));
    }
  }

  private route(method: string, s: string[]): { operation: string; status: number; run: (body: () => Promise<Json>) => unknown } | undefined {
    const [root, id, kind, sub, methodsWord, httpMethod, integrationWord] = s;
    if (root !== 'restapis') return undefined;
    if (s.length === 1 && method === 'POST') return { operation: 'CreateRestApi', status: 201, run: async (b) => this.createRestApi(await b()) };
    if (s.length === 1 && method === 'GET') return { operation: 'GetRestApis', status: 200, run: () => ({ item: [...this.apis.values()].map((a) => this.apiJson(a)) }) };
    if (s.length === 2 && method === 'GET') return { operation: 'GetRestApi', status: 200, run: () => this.apiJson(this.api(id!)) };
    if (s.length === 2 && method === 'DELETE') {
      return {
        operation: 'DeleteRestApi',
        status: 202,
        run: () => {
          this.apis.delete(this.api(id!).id);
          return undefined;
        },
      };
    }
    if (kind === 'resources') {
      if (s.length === 3 && method === 'GET') return { operation: 'GetResources', status: 200, run: () => ({ item: [...this.api(id!).resources.values()].map((r) => this.resourceJson(r)) }) };
      if (s.length === 4 && method === 'POST') return { operation: 'CreateResource', status: 201, run: async (b) => this.createResource(this.api(id!), sub!, await b()) };
      if (s.length === 6 && methodsWord === 'methods' && method === 'PUT') return { operation: 'PutMethod', status: 201, run: async (b) => this.putMethod(this.api(id!), sub!, httpMethod!, await b()) };
      if (s.length === 7 && methodsWord === 'methods' && integrationWord === 'integration' && method === 'PUT') {
        return { operation: 'PutIntegration', status: 201, run: async (b) => this.putIntegration(this.api(id!), sub!, httpMethod!, await b()) };
      }
    }
    if (kind === 'deployments' && s.length === 3 && method === 'POST') return { operation: 'CreateDeployment', status: 201, run: async (b) => this.createDeployment(this.api(id!), await b()) };
    if (kind === 'stages') {
      if (s.length === 3 && method === 'POST') return { operation: 'CreateStage', status: 201, run: async (b) => this.createStage(this.api(id!), await b()) };
      if (s.length === 3 && method === 'GET') return { operation: 'GetStages', status: 200, run: () => ({ item: [...this.api(id!).stages.values()].map((st) => this.stageJson(st)) }) };
      if (s.length === 4 && method === 'GET') return { operation: 'GetStage', status: 200, run: () => this.stageJson(this.stage(this.api(id!), sub!)) };
      if (s.length === 4 && method === 'PATCH') return { operation: 'UpdateStage', status: 200, run: async (b) => this.updateStage(this.api(id!), sub!, await b()) };
      if (s.length === 4 && method === 'DELETE') {
        return {
          operation: 'DeleteStage',
          status: 202,
          run: () => {
            const api = this.api(id!);
            api.stages.delete(this.stage(api, sub!).stageName);
            return undefined;
          },
        };
      }
    }
    return undefined;
  }

  // ---- control plane -------------------------------------------------------------------

  private createRestApi(input: Json): Json {
    const name = String(input.name ?? '');
    if (!name) throw badRequest('Invalid REST API name specified');
    let id = this.newId(10);
    while (this.apis.has(id)) id = this.newId(10);
    const rootId = this.newId(10);
    const api: ApiRecord = {
      id,
      name,
      ...(input.description ? { description: String(input.description) } : {}),
      createdDate: this.o.clock.now(),
      rootResourceId: rootId,
      resources: new Map([[rootId, { id: rootId, path: '/', methods: new Map() }]]),
      deployments: new Map(),
      stages: new Map(),
    };
    this.apis.set(id, api);
    return this.apiJson(api);
  }

  private apiJson(a: ApiRecord): Json {
    return { id: a.id, name: a.name, ...(a.description ? { description: a.description } : {}), createdDate: sec(a.createdDate), rootResourceId: a.rootResourceId, endpointConfiguration: { types: ['REGIONAL'] } };
  }

  private resource(api: ApiRecord, id: string): ResourceRecord {
    const r = api.resources.get(id);
    if (!r) throw notFound('Invalid Resource identifier specified');
    return r;
  }

  private resourceJson(r: ResourceRecord): Json {
    const methods = Object.fromEntries([...r.methods].map(([m, v]) => [m, { httpMethod: m, authorizationType: v.authorizationType, ...(v.integration ? { methodIntegration: { ...v.integration } } : {}) }]));
    return { id: r.id, ...(r.parentId ? { parentId: r.parentId } : {}), ...(r.pathPart ? { pathPart: r.pathPart } : {}), path: r.path, ...(r.methods.size ? { resourceMethods: methods } : {}) };
  }

  private createResource(api: ApiRecord, parentId: string, input: Json): Json {
    const parent = this.resource(api, parentId);
    const pathPart = String(input.pathPart ?? '');
    if (!/^(\{[A-Za-z0-9._-]+\+?\}|[A-Za-z0-9._-]+)$/.test(pathPart)) throw badRequest(`Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end.`);
    const path = `${parent.path === '/' ? '' : parent.path}/${pathPart}`;
    if ([...api.resources.values()].some((r) => r.path === path)) throw conflict(`Another resource with the same parent already has this name: ${pathPart}`);
    const r: ResourceRecord = { id: this.newId(6), parentId, pathPart, path, methods: new Map() };
    api.resources.set(r.id, r);
    return this.resourceJson(r);
  }

  private putMethod(api: ApiRecord, resourceId: string, httpMethod: string, input: Json): Json {
    const r = this.resource(api, resourceId);
    const m = httpMethod.toUpperCase();
    if (!['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].includes(m)) throw badRequest(`Invalid HttpMethod specified: ${httpMethod}`);
    if (r.methods.has(m)) throw conflict('Method already exists for this resource');
    r.methods.set(m, { authorizationType: String(input.authorizationType ?? 'NONE') });
    return { httpMethod: m, authorizationType: String(input.authorizationType ?? 'NONE') };
  }

  private putIntegration(api: ApiRecord, resourceId: string, httpMethod: string, input: Json): Json {
    const method = this.resource(api, resourceId).methods.get(httpMethod.toUpperCase());
    if (!method) throw notFound('Invalid Method identifier specified');
    const type = String(input.type ?? '');
    if (!['AWS', 'AWS_PROXY', 'HTTP', 'HTTP_PROXY', 'MOCK'].includes(type)) throw badRequest(`Invalid integration type specified: ${type}`);
    if ((type === 'AWS' || type === 'AWS_PROXY') && !/^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/.+\/invocations$/.test(String(input.uri ?? ''))) {
      throw badRequest('The sandbox emulates Lambda integrations only: uri must be arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations');
    }
    method.integration = { type, ...(input.httpMethod ? { httpMethod: String(input.httpMethod) } : {}), ...(input.uri ? { uri: String(input.uri) } : {}) };
    return { ...method.integration };
  }

  private createDeployment(api: ApiRecord, input: Json): Json {
    const routes = new Map<string, Map<string, Integration>>();
    for (const r of api.resources.values()) {
      const methods = new Map([...r.methods].filter(([, m]) => m.integration).map(([name, m]) => [name, { ...m.integration! }]));
      if (methods.size) routes.set(r.path, methods);
    }
    if (routes.size === 0) throw badRequest('The REST API doesn\'t contain any methods');
    const deployment = { id: this.newId(6), ...(input.description ? { description: String(input.description) } : {}), createdDate: this.o.clock.now(), routes };
    const stageName = input.stageName ? String(input.stageName) : undefined;
    const canary = input.canarySettings as Json | undefined;
    if (canary && (!stageName || !api.stages.has(stageName))) throw badRequest('A canary deployment needs an existing stage');
    api.deployments.set(deployment.id, deployment);
    if (stageName) {
      const now = this.o.clock.now();
      const existing = api.stages.get(stageName);
      if (canary && existing) {
        existing.canarySettings = {
          percentTraffic: Number(canary.percentTraffic ?? 0),
          deploymentId: deployment.id,
          stageVariableOverrides: { ...((canary.stageVariableOverrides as Record<string, string> | undefined) ?? {}) },
          useStageCache: Boolean(canary.useStageCache),
        };
        existing.lastUpdatedDate = now;
      } else if (existing) {
        existing.deploymentId = deployment.id;
        if (input.variables) existing.variables = { ...existing.variables, ...(input.variables as Record<string, string>) };
        existing.lastUpdatedDate = now;
      } else {
        api.stages.set(stageName, {
          stageName,
          deploymentId: deployment.id,
          ...(input.stageDescription ? { description: String(input.stageDescription) } : {}),
          variables: { ...((input.variables as Record<string, string> | undefined) ?? {}) },
          createdDate: now,
          lastUpdatedDate: now,
        });
      }
    }
    return { id: deployment.id, ...(deployment.description ? { description: deployment.description } : {}), createdDate: sec(deployment.createdDate) };
  }

  private stage(api: ApiRecord, name: string): StageRecord {
    const st = api.stages.get(name);
    if (!st) throw notFound('Invalid stage identifier specified');
    return st;
  }

  private stageJson(st: StageRecord): Json {
    return {
      deploymentId: st.deploymentId,
      stageName: st.stageName,
      ...(st.description ? { description: st.description } : {}),
      variables: { ...st.variables },
      ...(st.canarySettings
        ? {
            canarySettings: {
              percentTraffic: st.canarySettings.percentTraffic,
              ...(st.canarySettings.deploymentId ? { deploymentId: st.canarySettings.deploymentId } : {}),
              stageVariableOverrides: { ...st.canarySettings.stageVariableOverrides },
              useStageCache: st.canarySettings.useStageCache,
            },
          }
        : {}),
      tracingEnabled: false,
      createdDate: sec(st.createdDate),
      lastUpdatedDate: sec(st.lastUpdatedDate),
    };
  }

  private createStage(api: ApiRecord, input: Json): Json {
    const stageName = String(input.stageName ?? '');
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) throw badRequest('Stage name only allows a-zA-Z0-9_-');
    if (api.stages.has(stageName)) throw conflict('Stage already exists');
    const deploymentId = String(input.deploymentId ?? '');
    if (!api.deployments.has(deploymentId)) throw badRequest('Invalid deployment identifier specified');
    const now = this.o.clock.now();
    const canary = input.canarySettings as Json | undefined;
    const stage: StageRecord = {
      stageName,
      deploymentId,
      ...(input.description ? { description: String(input.description) } : {}),
      variables: { ...((input.variables as Record<string, string> | undefined) ?? {}) },
      ...(canary
        ? {
            canarySettings: {
              percentTraffic: Number(canary.percentTraffic ?? 0),
              ...(canary.deploymentId ? { deploymentId: String(canary.deploymentId) } : {}),
              stageVariableOverrides: { ...((canary.stageVariableOverrides as Record<string, string> | undefined) ?? {}) },
              useStageCache: Boolean(canary.useStageCache),
            },
          }
        : {}),
      createdDate: now,
      lastUpdatedDate: now,
    };
    api.stages.set(stageName, stage);
    return this.stageJson(stage);
  }

  /** UpdateStage: every operation applies, or none (API Gateway validates the whole patch). */
  private updateStage(api: ApiRecord, name: string, input: Json): Json {
    const current = this.stage(api, name);
    const next: StageRecord = structuredClone(current);
    const variableName = /^[A-Za-z0-9_]{1,64}$/;
    for (const raw of (input.patchOperations as Json[] | undefined) ?? []) {
      const op = String(raw.op ?? '');
      const path = String(raw.path ?? '');
      const value = raw.value === undefined ? undefined : String(raw.value);
      const invalid = () => badRequest(`Invalid patch path '${path}' specified for op '${op}'. Must be one of: [/description, /deploymentId, /variables/{name}, /canarySettings, /canarySettings/percentTraffic, /canarySettings/deploymentId, /canarySettings/useStageCache, /canarySettings/stageVariableOverrides/{name}]`);
      if (op !== 'replace' && op !== 'remove' && op !== 'add') throw badRequest(`Invalid patch operation specified. Must be 'add'|'remove'|'replace'`);
      const variable = /^\/variables\/(.+)$/.exec(path);
      const override = /^\/canarySettings\/stageVariableOverrides\/(.+)$/.exec(path);
      const need = (): string => {
        if (value === undefined) throw badRequest(`Value for '${path}' is required for op '${op}'`);
        return value;
      };
      const canary = (): Canary => (next.canarySettings ??= { percentTraffic: 0, deploymentId: next.deploymentId, stageVariableOverrides: {}, useStageCache: false });
      if (variable) {
        if (!variableName.test(variable[1] as string)) throw badRequest(`Stage variable name '${variable[1]}' only allows a-zA-Z0-9_`);
        if (op === 'remove') delete next.variables[variable[1] as string];
        else next.variables[variable[1] as string] = need();
      } else if (override) {
        if (op === 'remove') delete canary().stageVariableOverrides[override[1] as string];
        else canary().stageVariableOverrides[override[1] as string] = need();
      } else if (path === '/canarySettings') {
        if (op !== 'remove') throw invalid();
        delete next.canarySettings;
      } else if (path === '/canarySettings/percentTraffic') {
        const pct = Number(need());
        if (!(pct >= 0 && pct <= 100)) throw badRequest('Canary traffic percentage must be between 0.0 and 100.0');
        canary().percentTraffic = pct;
      } else if (path === '/canarySettings/deploymentId') {
        if (!api.deployments.has(need())) throw badRequest('Invalid deployment identifier specified');
        canary().deploymentId = need();
      } else if (path === '/canarySettings/useStageCache') {
        canary().useStageCache = need() === 'true';
      } else if (path === '/deploymentId') {
        if (!api.deployments.has(need())) throw badRequest('Invalid deployment identifier specified');
        next.deploymentId = need();
      } else if (path === '/description') {
        if (op === 'remove') delete next.description;
        else next.description = need();
      } else {
        throw invalid();
      }
    }
    next.lastUpdatedDate = this.o.clock.now();
    api.stages.set(name, next);
    return this.stageJson(next);
  }

  // ---- the stage's traffic ----------------------------------------------------------------

  private async invokeStage(req: IncomingMessage, res: ServerResponse, apiId: string, stageName: string, path: string, query: URLSearchParams): Promise<void> {
    const requestId = randomUUID();
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      sendJson(res, status, body, 'application/json', { 'x-amzn-requestid': requestId, ...headers });
    try {
      const body = await readBody(req);
      const api = this.apis.get(apiId);
      const stage = api?.stages.get(stageName);
      if (!api || !stage) return answer(403, { message: 'Forbidden' });
      const canary = stage.canarySettings;
      const toCanary = canary !== undefined && Math.random() * 100 < canary.percentTraffic;
      const deployment = api.deployments.get(toCanary && canary?.deploymentId ? canary.deploymentId : stage.deploymentId);
      const variables = toCanary ? { ...stage.variables, ...canary!.stageVariableOverrides } : stage.variables;
      const method = (req.method ?? 'GET').toUpperCase();
      const routes = deployment?.routes.get(path) ?? deployment?.routes.get(this.proxyPath(deployment, path) ?? '');
      const integration = routes?.get(method) ?? routes?.get('ANY');
      if (!integration) return answer(403, { message: 'Missing Authentication Token' });
      const uri = (integration.uri ?? '').replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, v: string) => variables[v] ?? '');
      const fnArn = /\/functions\/(.+)\/invocations$/.exec(uri)?.[1];
      if (!fnArn || !this.o.lambda.hasFunction(fnArn)) {
        this.o.log?.(`[apigateway ${apiId}/${stageName}] Execution failed due to configuration error: Invalid function ARN or invalid uri (${uri})`);
        return answer(500, { message: 'Internal server error' });
      }
      const sourceArn = `arn:aws:execute-api:${this.o.region}:${this.o.account}:${apiId}/${stageName}/${method}${path}`;
      if (!this.o.lambda.allows(fnArn, 'apigateway.amazonaws.com', sourceArn)) {
        this.o.log?.(`[apigateway ${apiId}/${stageName}] Execution failed due to configuration error: Invalid permissions on Lambda function ${fnArn}`);
        return answer(500, { message: 'Internal server error' });
      }
      const text = body.toString('utf8');
      const event =
        integration.type === 'AWS_PROXY'
          ? {
              resource: path,
              path,
              httpMethod: method,
              headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
              queryStringParameters: query.size ? Object.fromEntries(query) : null,
              pathParameters: null,
              stageVariables: Object.keys(variables).length ? { ...variables } : null,
              requestContext: { requestId, apiId, stage: stageName, resourcePath: path, httpMethod: method, path: `/${stageName}${path}` },
              body: text || null,
              isBase64Encoded: false,
            }
          : text.trim()
            ? safeJson(text)
            : {};
      const out = await this.o.lambda.invoke({ functionName: fnArn, payload: JSON.stringify(event) });
      const version = { 'x-cutover-lambda-version': out.executedVersion };
      if (out.functionError) return answer(502, { message: 'Internal server error' }, version);
      const result = safeJson(out.payload.toString('utf8'));
      if (integration.type !== 'AWS_PROXY') return answer(200, result, version);
      const proxy = result as { statusCode?: number; headers?: Record<string, string>; body?: unknown } | null;
      if (!proxy || typeof proxy.statusCode !== 'number') {
        this.o.log?.(`[apigateway ${apiId}/${stageName}] Execution failed due to configuration error: Malformed Lambda proxy response`);
        return answer(502, { message: 'Internal server error' }, version);
      }
      const bodyText = typeof proxy.body === 'string' ? proxy.body : proxy.body === undefined ? '' : JSON.stringify(proxy.body);
      res.writeHead(proxy.statusCode, { 'content-type': 'application/json', ...proxy.headers, 'x-amzn-requestid': requestId, ...version, 'content-length': Buffer.byteLength(bodyText) });
      res.end(bodyText);
    } catch (err) {
      const e = err instanceof ServiceError ? err : undefined;
      if (e?.status === 429) return answer(429, { message: 'Rate Exceeded.' });
      this.o.log?.(`[apigateway ${apiId}/${stageName}] ${(err as Error).message}`);
      return answer(500, { message: 'Internal server error' });
    }
  }

  /** The `{proxy+}` resource a path falls under, if any. */
  private proxyPath(deployment: { routes: Map<string, unknown> }, path: string): string | undefined {
    return [...deployment.routes.keys()]
      .filter((p) => /\{[A-Za-z0-9._-]+\+\}$/.test(p))
      .map((p) => ({ p, prefix: p.replace(/\/\{[A-Za-z0-9._-]+\+\}$/, '') }))
      .filter(({ prefix }) => path.startsWith(`${prefix}/`))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0]?.p;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
