/**
 * Extracts, from AWS's published service models (botocore's data as Debian's
 * `awscli` package ships it), the operations Cutover calls and every shape
 * they reach, into committed JSON under sandbox/models/ (one file per
 * service), so that the sandbox validates requests against AWS's own
 * constraints without apt on a fresh machine.
 *
 * The operations are found in the code: every `new <X>Command(` in the
 * product, the sandbox tooling, the rehearsal, the bench and the tests,
 * attributed to its service by the file's `@aws-sdk/client-*` import (the
 * `@aws-sdk/lib-dynamodb` document commands map to the item operations they
 * send), plus the calls the AWS CLI end-to-end test makes (CLI_OPERATIONS).
 *
 * Run: `npm run models` (needs the `awscli` Debian package; override the data
 * directory with BOTOCORE_DATA=…).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'sandbox', 'models');
const DEBIAN_PACKAGE = 'awscli';
const DATA = process.env.BOTOCORE_DATA ?? '/usr/lib/python3/dist-packages/awscli/botocore/data';
const SCANNED = ['functions', 'cli', 'sandbox', 'rehearsal', 'bench', 'test', 'examples', 'infra'];

/** Sandbox service name → botocore service directory and the npm clients that call it. */
const SERVICES: Record<string, { dir: string; clients: string[] }> = {
  lambda: { dir: 'lambda/2015-03-31', clients: ['@aws-sdk/client-lambda'] },
  sagemaker: { dir: 'sagemaker/2017-07-24', clients: ['@aws-sdk/client-sagemaker'] },
  'sagemaker-runtime': { dir: 'sagemaker-runtime/2017-05-13', clients: ['@aws-sdk/client-sagemaker-runtime'] },
  apigateway: { dir: 'apigateway/2015-07-09', clients: ['@aws-sdk/client-api-gateway'] },
  cloudwatch: { dir: 'cloudwatch/2010-08-01', clients: ['@aws-sdk/client-cloudwatch'] },
  stepfunctions: { dir: 'stepfunctions/2016-11-23', clients: ['@aws-sdk/client-sfn'] },
  dynamodb: { dir: 'dynamodb/2012-08-10', clients: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'] },
  eventbridge: { dir: 'events/2015-10-07', clients: ['@aws-sdk/client-eventbridge'] },
  sns: { dir: 'sns/2010-03-31', clients: ['@aws-sdk/client-sns'] },
  s3: { dir: 's3/2006-03-01', clients: ['@aws-sdk/client-s3'] },
};

/** @aws-sdk/lib-dynamodb's document commands and the DynamoDB operation each sends. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem', Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', Query: 'Query', Scan: 'Scan',
  BatchGet: 'BatchGetItem', BatchWrite: 'BatchWriteItem', TransactGet: 'TransactGetItems', TransactWrite: 'TransactWriteItems',
};

/** What a user tries first with the AWS CLI (issue #10 item 6), and the sandbox's own bookkeeping calls. */
const CLI_OPERATIONS: Record<string, string[]> = {
  stepfunctions: ['ListExecutions', 'DescribeExecution', 'GetExecutionHistory', 'ListStateMachines'],
  lambda: ['GetAlias', 'ListVersionsByFunction', 'ListAliases', 'ListFunctions', 'GetFunction'],
  cloudwatch: ['DescribeAlarms'],
  dynamodb: ['Scan', 'ListTables', 'DescribeTable'],
  s3: ['ListBuckets', 'ListObjectsV2'],
  sagemaker: ['DescribeEndpoint'],
  apigateway: ['GetStage', 'GetRestApis'],
  eventbridge: ['ListRules'],
};

type Json = Record<string, any>;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'cdk.out' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (/\.(ts|js)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** service → operation → files that call it. */
function usedOperations(): Map<string, Map<string, Set<string>>> {
  const used = new Map<string, Map<string, Set<string>>>();
  const add = (service: string, operation: string, file: string) => {
    const ops = used.get(service) ?? new Map<string, Set<string>>();
    used.set(service, ops);
    const files = ops.get(operation) ?? new Set<string>();
    ops.set(operation, files);
    files.add(file);
  };
  const clientService = new Map<string, string>();
  for (const [service, { clients }] of Object.entries(SERVICES)) for (const c of clients) clientService.set(c, service);
  for (const file of SCANNED.flatMap((d) => (fs.existsSync(path.join(ROOT, d)) ? walk(path.join(ROOT, d)) : []))) {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes('Command(')) continue;
    const imported = new Map<string, string>();
    for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/[a-z0-9-]+)'/g)) {
      const service = clientService.get(m[2] as string);
      if (!service) continue;
      for (const name of (m[1] as string).split(',')) {
        const local = name.trim().split(/\s+as\s+/).pop()?.trim();
        const original = name.trim().split(/\s+as\s+/)[0]?.trim();
        if (local && original) imported.set(local, `${m[2]}|${original}`);
      }
    }
    for (const m of text.matchAll(/new\s+([A-Z][A-Za-z0-9]*)Command\(/g)) {
      const source = imported.get(`${m[1]}Command`);
      if (!source) continue;
      const [pkg, original] = source.split('|') as [string, string];
      const base = original.replace(/Command$/, '');
      const service = clientService.get(pkg) as string;
      const operation = pkg === '@aws-sdk/lib-dynamodb' ? DOCUMENT_COMMANDS[base] : base;
      if (operation) add(service, operation, path.relative(ROOT, file));
    }
  }
  for (const [service, ops] of Object.entries(CLI_OPERATIONS)) for (const op of ops) add(service, op, '(AWS CLI end-to-end, issue #10 item 6)');
  return used;
}

/** The keys of a botocore shape or member that matter for the wire and for validation. */
const SHAPE_KEYS = ['type', 'required', 'min', 'max', 'pattern', 'enum', 'flattened', 'locationName', 'payload', 'streaming', 'timestampFormat', 'event', 'eventstream', 'union', 'exception', 'error', 'xmlNamespace', 'requiresLength'];
const MEMBER_KEYS = ['shape', 'location', 'locationName', 'jsonName', 'queryName', 'flattened', 'xmlAttribute', 'xmlNamespace', 'timestampFormat', 'idempotencyToken', 'hostLabel', 'streaming'];

function pick(source: Json, keys: string[]): Json {
  const out: Json = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

function trimShape(shape: Json): Json {
  const out = pick(shape, SHAPE_KEYS);
  if (shape.members) out.members = Object.fromEntries(Object.entries(shape.members as Json).map(([n, m]) => [n, pick(m as Json, MEMBER_KEYS)]));
  if (shape.member) out.member = pick(shape.member as Json, MEMBER_KEYS);
  if (shape.key) out.key = pick(shape.key as Json, MEMBER_KEYS);
  if (shape.value) out.value = pick(shape.value as Json, MEMBER_KEYS);
  return out;
}

function referenced(shape: Json): string[] {
  const refs: string[] = [];
  for (const m of Object.values((shape.members ?? {}) as Json)) refs.push((m as Json).shape);
  for (const k of ['member', 'key', 'value']) if (shape[k]) refs.push(shape[k].shape);
  return refs;
}

/** Required members carried in headers or the query string (`header:x-amz-copy-source`): they tell same-URI operations apart. */
function located(model: Json, shapeName: string | undefined): string[] {
  const shape = shapeName ? (model.shapes[shapeName] as Json) : undefined;
  if (!shape?.members) return [];
  return ((shape.required ?? []) as string[])
    .map((name) => shape.members[name] as Json)
    .filter((m) => m.location === 'header' || m.location === 'querystring')
    .map((m) => `${m.location}:${m.locationName}`);
}

function packageVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function botocoreVersion(): string {
  const init = path.join(DATA, '..', '__init__.py');
  return /__version__\s*=\s*'([^']+)'/.exec(fs.existsSync(init) ? fs.readFileSync(init, 'utf8') : '')?.[1] ?? 'unknown';
}

function main(): void {
  const used = usedOperations();
  const source = {
    debianPackage: DEBIAN_PACKAGE,
    debianVersion: packageVersion(DEBIAN_PACKAGE),
    botocoreVersion: botocoreVersion(),
    licence: 'Apache-2.0',
    notice: 'Botocore. Copyright 2012-2022 Amazon.com, Inc. or its affiliates. All Rights Reserved.',
  };
  fs.mkdirSync(OUT, { recursive: true });
  const summary: string[] = [];
  for (const [service, { dir }] of Object.entries(SERVICES)) {
    const file = path.join(DATA, dir, 'service-2.json');
    const model = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
    const ops = [...(used.get(service)?.keys() ?? [])].sort();
    const operations: Json = {};
    const queue: string[] = [];
    for (const op of ops) {
      const o = model.operations[op] as Json | undefined;
      if (!o) throw new Error(`${service}: the model has no operation ${op}`);
      operations[op] = {
        ...(o.http ? { http: pick(o.http as Json, ['method', 'requestUri', 'responseCode']) } : {}),
        ...(o.input ? { input: o.input.shape } : {}),
        errors: ((o.errors ?? []) as Json[]).map((e) => e.shape),
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        usedBy: [...(used.get(service)?.get(op) ?? [])].sort(),
      };
      if (o.input) queue.push(o.input.shape);
      for (const e of (o.errors ?? []) as Json[]) queue.push(e.shape);
    }
    const shapes: Json = {};
    while (queue.length) {
      const name = queue.pop() as string;
      if (shapes[name]) continue;
      const shape = model.shapes[name] as Json | undefined;
      if (!shape) throw new Error(`${service}: the model has no shape ${name}`);
      shapes[name] = trimShape(shape);
      queue.push(...referenced(shape));
    }
    const sorted = Object.fromEntries(Object.keys(shapes).sort().map((k) => [k, shapes[k]]));
    // REST services name an operation by method and URI: keep every operation's binding (no shapes)
    // so that a request for an operation Cutover does not call is still named (IAM needs the name).
    const rest = ['rest-json', 'rest-xml'].includes(model.metadata.protocol as string);
    const routes = rest
      ? Object.fromEntries(Object.keys(model.operations as Json).filter((op) => !operations[op]).sort().map((op) => {
          const o = (model.operations as Json)[op] as Json;
          const requires = located(model, o.input?.shape as string | undefined);
          return [op, { http: `${o.http.method} ${o.http.requestUri}`, ...(requires.length ? { requires } : {}) }];
        }))
      : undefined;
    const out = {
      source: { ...source, file: path.relative('/', file).replace(/^/, '/') },
      metadata: pick(model.metadata as Json, ['apiVersion', 'protocol', 'protocols', 'jsonVersion', 'targetPrefix', 'serviceId', 'signingName', 'endpointPrefix', 'xmlNamespace', 'awsQueryCompatible', 'uid']),
      operations,
      ...(routes ? { routes } : {}),
      shapes: sorted,
    };
    fs.writeFileSync(path.join(OUT, `${service}.json`), `${JSON.stringify(out, null, 1)}\n`);
    summary.push(`${service}: ${ops.length} operations, ${Object.keys(sorted).length} shapes`);
  }
  process.stdout.write(`${summary.join('\n')}\nsource: ${JSON.stringify(source)}\n`);
}

main();
