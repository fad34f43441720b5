/**
 * The validation gate: every request's input checked against AWS's published
 * model (the botocore shapes in this folder), answered as AWS answers a
 * constraint violation, e.g. SageMaker:
 *
 *   ValidationException: 1 validation error detected: Value 'a_b' at
 *   'endpointConfigName' failed to satisfy constraint: Member must satisfy
 *   regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}
 *
 * Checked: required members ("Member must not be null"), types, string
 * lengths (UTF-16 units, as Java's String.length()), patterns (matched against
 * the whole value, as AWS's Java validators do: Lambda refuses the alias name
 * `my alias` although its pattern `(?!^[0-9]+$)([a-zA-Z0-9-_]+)` has no anchors),
 * list and map sizes, blob sizes, numeric ranges.
 *
 * Not refused, reported once each (the data is older than AWS, and AWS keeps adding):
 *  - members the model does not have (newer than the data);
 *  - enum values outside the model's list: many AWS services do not enforce
 *    modelled enums, and new values (Lambda runtimes, SageMaker instance types)
 *    appear before the data has them;
 *  - patterns JavaScript cannot compile (reported, skipped);
 *  - operations the extracted data does not cover, and S3 (restXml: S3 does not
 *    answer constraint violations in this form).
 */
import { ServiceError } from '../protocol';
import type { AwsRequest, RequestGate } from '../gate';
import { loadModel, type ModelledService, type ServiceModel, type Shape } from './model';

/** How each service refuses a constraint violation (its model's errors and AWS's answers). */
const REFUSAL: Record<ModelledService, { code: string; queryCode?: string } | undefined> = {
  lambda: { code: 'ValidationException' },
  sagemaker: { code: 'ValidationException' },
  // SageMaker Runtime's model: "ValidationError: Inspect your request and try again." (400).
  'sagemaker-runtime': { code: 'ValidationError' },
  // API Gateway's model has no validation error: a bad request is BadRequestException.
  apigateway: { code: 'BadRequestException' },
  dynamodb: { code: 'ValidationException' },
  stepfunctions: { code: 'ValidationException' },
  eventbridge: { code: 'ValidationException' },
  // CloudWatch: the query code is the common error ValidationError; CloudWatch's current model (the
  // installed @aws-sdk/client-cloudwatch) names it ValidationException with awsQueryError ValidationError, 400.
  cloudwatch: { code: 'ValidationException', queryCode: 'ValidationError' },
  // SNS's model: InvalidParameter, "a request parameter does not comply with the associated constraints".
  sns: { code: 'InvalidParameter' },
  s3: undefined,
};

const MAX_REPORTED_VIOLATIONS = 10;

interface Context {
  model: ServiceModel;
  violations: string[];
  /** Type mismatches: a JSON protocol answers SerializationException, not a constraint violation. */
  serialization: string[];
  report: (key: string, line: string) => void;
  where: string;
}

/** Java-regex-like botocore patterns as JavaScript RegExps (full match); null: cannot be compiled. */
const compiled = new Map<string, RegExp | null>();

export function compilePattern(pattern: string): RegExp | null {
  const cached = compiled.get(pattern);
  if (cached !== undefined) return cached;
  let source = pattern;
  let flags = 'u';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags += 'i';
  }
  // Java-only syntax with a JavaScript equivalent: \A \z \Z anchors, possessive quantifiers, POSIX classes.
  source = javaPosixClasses(source.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$').replace(/(?<!\\)([*+?}])\+/g, '$1'));
  let re: RegExp | null = null;
  // Without the u flag `\p{L}` would silently mean "p{L}": only patterns without \p may drop it
  // (`[a-z0-9-.]` is an error with u, a plain class without).
  for (const f of source.includes('\\p{') ? [flags] : [flags, flags.replace('u', '')]) {
    try {
      re = new RegExp(`^(?:${source})$`, f);
      break;
    } catch {
      re = null;
    }
  }
  compiled.set(pattern, re);
  return re;
}

/** Java's POSIX character classes (US-ASCII only, as java.util.regex defines them). */
const POSIX: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F', XDigit: '0-9a-fA-F', Space: ' \\t\\n\\x0B\\f\\r',
};

function javaPosixClasses(source: string): string {
  if (!source.includes('\\p{')) return source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i] as string;
    if (c === '\\') {
      const m = /^\\p\{(\w+)\}/.exec(source.slice(i));
      const ascii = m ? POSIX[m[1] as string] : undefined;
      if (m && ascii) {
        out += inClass ? ascii : `[${ascii}]`;
        i += m[0].length - 1;
        continue;
      }
      out += source.slice(i, i + 2);
      i += 1;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `'[${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}]'`;
  if (Buffer.isBuffer(value)) return `'java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]'`;
  if (typeof value === 'object') return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

function violation(ctx: Context, value: unknown, path: string, constraint: string): void {
  ctx.violations.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
}

/** AWS names members in messages lowerCamel (`endpointConfigName`). */
function pathOf(parent: string, member: string): string {
  const name = member.charAt(0).toLowerCase() + member.slice(1);
  return parent ? `${parent}.${name}` : name;
}

function checkLength(ctx: Context, shape: Shape, value: unknown, length: number, path: string): void {
  if (shape.min !== undefined && length < shape.min) violation(ctx, value, path, `Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) violation(ctx, value, path, `Member must have length less than or equal to ${shape.max}`);
}

function checkRange(ctx: Context, shape: Shape, value: number, path: string): void {
  // Java prints a double bound as 1.0.
  const bound = (n: number) => (shape.type === 'double' || shape.type === 'float') && Number.isInteger(n) ? n.toFixed(1) : String(n);
  if (shape.min !== undefined && value < shape.min) violation(ctx, value, path, `Member must have value greater than or equal to ${bound(shape.min)}`);
  if (shape.max !== undefined && value > shape.max) violation(ctx, value, path, `Member must have value less than or equal to ${bound(shape.max)}`);
}

function mismatch(ctx: Context, path: string, expected: string, value: unknown): void {
  ctx.serialization.push(`Expected ${expected} at '${path}', got ${Array.isArray(value) ? 'list' : typeof value}`);
}

function checkString(ctx: Context, shapeName: string, shape: Shape, value: string, path: string): void {
  checkLength(ctx, shape, value, value.length, path);
  if (shape.pattern !== undefined) {
    const re = compilePattern(shape.pattern);
    if (re === null) ctx.report(`pattern ${shapeName}`, `[sandbox] model ${ctx.where}: pattern of ${shapeName} cannot be compiled in JavaScript, not checked: ${shape.pattern}`);
    else if (!re.test(value)) violation(ctx, value, path, `Member must satisfy regular expression pattern: ${shape.pattern}`);
  }
  if (shape.enum && !shape.enum.includes(value)) {
    ctx.report(`enum ${shapeName} ${value}`, `[sandbox] model ${ctx.where}: '${value}' at '${path}' is not in ${shapeName}'s enum of this data (allowed; AWS adds values): [${shape.enum.join(', ')}]`);
  }
}

function check(ctx: Context, shapeName: string, value: unknown, path: string, depth: number): void {
  const shape = ctx.model.shapes[shapeName];
  if (!shape || depth > 64 || value === undefined || value === null) return;
  switch (shape.type) {
    case 'string':
      if (typeof value === 'string') return checkString(ctx, shapeName, shape, value, path);
      // A REST payload member (Lambda Invoke's Payload) arrives as bytes.
      if (Buffer.isBuffer(value)) return checkLength(ctx, shape, value, value.length, path);
      return mismatch(ctx, path, 'a string', value);
    case 'blob': {
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) return checkLength(ctx, shape, value, value.length, path);
      if (typeof value === 'string') return checkLength(ctx, shape, value, Buffer.byteLength(value, 'base64'), path);
      return mismatch(ctx, path, 'a blob (base64 string)', value);
    }
    case 'integer':
    case 'long': {
      const limit = shape.type === 'integer' ? 2 ** 31 : Number.MAX_SAFE_INTEGER + 1;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -limit || value >= limit) return mismatch(ctx, path, `an ${shape.type}`, value);
      return checkRange(ctx, shape, value, path);
    }
    case 'float':
    case 'double':
      if (typeof value !== 'number' && !(typeof value === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(value))) return mismatch(ctx, path, 'a number', value);
      if (typeof value === 'number') checkRange(ctx, shape, value, path);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') mismatch(ctx, path, 'a boolean', value);
      return;
    case 'timestamp':
      if (typeof value === 'number' || value instanceof Date) return;
      if (typeof value === 'string' && (!Number.isNaN(Date.parse(value)) || /^\d+(\.\d+)?$/.test(value))) return;
      return mismatch(ctx, path, 'a timestamp', value);
    case 'list': {
      if (!Array.isArray(value)) return mismatch(ctx, path, 'a list', value);
      checkLength(ctx, shape, value, value.length, path);
      const member = shape.member?.shape;
      if (member) value.forEach((v, i) => check(ctx, member, v, `${path}.${i + 1}.member`, depth + 1));
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) return mismatch(ctx, path, 'a map', value);
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(ctx, shape, value, entries.length, path);
      // As AWS words it: "Value '{2=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy
      // constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0]".
      const keys = new Set<string>();
      const values = new Set<string>();
      for (const [k, v] of entries) {
        if (shape.key) for (const c of constraintsOf(ctx, shape.key.shape, k, `${path}.${k}`, depth)) keys.add(c);
        if (shape.value) for (const c of constraintsOf(ctx, shape.value.shape, v, `${path}.${k}`, depth)) values.add(c);
      }
      const shown = `{${entries.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}}`;
      if (keys.size) ctx.violations.push(`Value '${shown}' at '${path}' failed to satisfy constraint: Map keys must satisfy constraint: [${[...keys].join(', ')}]`);
      if (values.size) ctx.violations.push(`Value '${shown}' at '${path}' failed to satisfy constraint: Map value must satisfy constraint: [${[...values].join(', ')}]`);
      return;
    }
    case 'structure':
      if (typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) return mismatch(ctx, path, 'a structure', value);
      return checkStructure(ctx, shapeName, shape, value as Record<string, unknown>, path, depth);
  }
}

const SCALARS = new Set(['string', 'blob', 'integer', 'long', 'float', 'double', 'boolean', 'timestamp']);

/** A map key's or scalar value's constraints as bare phrases; structure and list values are checked in place under `path`. */
function constraintsOf(ctx: Context, shapeName: string, value: unknown, path: string, depth: number): string[] {
  if (!SCALARS.has(ctx.model.shapes[shapeName]?.type ?? '')) {
    check(ctx, shapeName, value, path, depth + 1);
    return [];
  }
  const inner: Context = { ...ctx, violations: [] };
  check(inner, shapeName, value, path, depth + 1);
  return inner.violations.map((v) => v.slice(v.indexOf('failed to satisfy constraint: ') + 'failed to satisfy constraint: '.length));
}

function checkStructure(ctx: Context, shapeName: string, shape: Shape, value: Record<string, unknown>, path: string, depth: number): void {
  const members = shape.members ?? {};
  for (const name of shape.required ?? []) {
    if (value[name] === undefined || value[name] === null) violation(ctx, null, pathOf(path, name), 'Member must not be null');
  }
  for (const [name, v] of Object.entries(value)) {
    const ref = members[name];
    if (!ref) {
      ctx.report(`member ${shapeName}.${name}`, `[sandbox] model ${ctx.where}: member '${pathOf(path, name)}' is not in ${shapeName} of this data (allowed: newer than the model)`);
      continue;
    }
    check(ctx, ref.shape, v, pathOf(path, name), depth + 1);
  }
}

export interface Validation {
  /** The constraint violations, each as AWS words it. */
  violations: string[];
  /** Type mismatches (a JSON protocol answers SerializationException). */
  serialization: string[];
}

/** Checks one input against the model's input shape; `report` hears each reportable finding once per key. */
export function validateInput(service: ModelledService, operation: string, input: Record<string, unknown>, report: (key: string, line: string) => void = () => {}): Validation | undefined {
  const model = loadModel(service);
  const op = model.operations[operation];
  if (!op) return undefined;
  const ctx: Context = { model, violations: [], serialization: [], report, where: `${service}.${operation}` };
  if (op.input) check(ctx, op.input, input, '', 0);
  return { violations: ctx.violations, serialization: ctx.serialization };
}

/** The error AWS answers for these findings, or undefined when the input is valid. */
export function refusal(request: Pick<AwsRequest, 'service' | 'protocol'>, found: Validation): ServiceError | undefined {
  const refuse = REFUSAL[request.service];
  if (!refuse) return undefined;
  if (found.serialization.length && request.protocol !== 'query') {
    return new ServiceError('SerializationException', found.serialization[0] as string, 400);
  }
  const all = [...found.violations, ...(request.protocol === 'query' ? found.serialization : [])];
  if (!all.length) return undefined;
  // Query-protocol services answer a missing required parameter with the common error MissingParameter
  // ("The request must contain the parameter …", AWS Common Errors), not a constraint violation.
  const missing = request.protocol === 'query' ? all.map((v) => /^Value null at '([^']+)' failed to satisfy constraint: Member must not be null$/.exec(v)?.[1]) : [];
  if (missing.length && missing[0] !== undefined) {
    return new ServiceError('MissingRequiredParameterException', `The request must contain the parameter ${missing[0]}.`, 400, {}, 'MissingParameter');
  }
  const shown = all.slice(0, MAX_REPORTED_VIOLATIONS);
  const message = `${all.length} validation error${all.length === 1 ? '' : 's'} detected: ${shown.join('; ')}`;
  return new ServiceError(refuse.code, message, 400, {}, refuse.queryCode);
}

export interface ValidationGate extends RequestGate {
  /** Every line reported so far (unknown members, enum values, uncompilable patterns, unmodelled operations), once each. */
  readonly reports: string[];
}

/** The gate: refuses what AWS's model refuses; `log` hears each report once. */
export function validationGate(log?: (line: string) => void): ValidationGate {
  const seen = new Set<string>();
  const reports: string[] = [];
  const report = (key: string, line: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    reports.push(line);
    log?.(line);
  };
  const gate = (request: AwsRequest): void => {
    if (!REFUSAL[request.service]) return;
    const found = validateInput(request.service, request.operation, request.input, (key, line) => report(`${request.service} ${key}`, line));
    if (!found) {
      report(`${request.service} operation ${request.operation}`, `[sandbox] model: ${request.service} ${request.operation || '(no operation matched)'} is not in the extracted model data: not validated`);
      return;
    }
    const err = refusal(request, found);
    if (err) throw err;
  };
  return Object.assign(gate, { reports });
}
