/**
 * Amazon EventBridge over awsJson1_1 (`X-Amz-Target: AWSEvents.<Operation>`):
 * event buses, rules with event patterns, targets, PutEvents, and delivery to
 * two kinds of target — a Lambda function of the sandbox (invoked in the
 * background, as EventBridge invokes Lambda asynchronously: a function error
 * runs it twice more, after one minute and after two more, Lambda's default
 * for asynchronous invocation — "If the function returns an error, Lambda
 * attempts to run it two more times, with a one-minute wait between the first
 * two attempts, and two minutes between the second and third attempts",
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)
 * and an SNS topic of the sandbox (published). `Input`, `InputPath` and
 * `InputTransformer` shape what a target receives.
 *
 * In-process, AWS services put their own events (`putServiceEvent`: the S3
 * emulation's `Object Created`), and tests read what was accepted
 * (`events()`) and delivered (`deliveries()`, `settle()`).
 *
 * Not emulated: archives, replays, schedules, API destinations, pipes,
 * cross-account or cross-region delivery, targets other than Lambda and SNS
 * (PutTargets answers them as failed entries), EventBridge's own delivery
 * retries and dead-letter queues (a delivery Lambda refuses is recorded once),
 * Lambda's retries of throttled or system errors and its event-invoke
 * configuration (MaximumRetryAttempts, destinations), IAM (RoleArn is ignored).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VirtualClock } from '../clock';
import { parseJsonBody, readBody, sendJson, ServiceError, writeAwsJsonError } from '../protocol';
import { InvalidEventPattern, matchesEventPattern, parseEventPattern } from './event-pattern';
import type { LambdaService } from './lambda';
import type { SnsService } from './sns';

type Json = Record<string, unknown>;

/** An event as rules match it and targets receive it. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 without milliseconds, as EventBridge writes it. */
  time: string;
  region: string;
  resources: string[];
  detail: Json;
}

export interface Target {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  RoleArn?: string;
  [other: string]: unknown;
}

interface Rule {
  name: string;
  arn: string;
  busName: string;
  patternText?: string;
  pattern?: ReturnType<typeof parseEventPattern>;
  scheduleExpression?: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  targets: Map<string, Target>;
}

export interface Delivery {
  eventId: string;
  rule: string;
  targetId: string;
  targetArn: string;
  /** What the target received. */
  input: string;
  status: 'delivered' | 'failed';
  /** Lambda: the function's response payload (or error); SNS: the message id. */
  result?: string;
  error?: string;
  /** Lambda: how many times the function ran (a function error is retried twice). */
  attempts?: number;
}

/** Lambda's waits before the second and the third attempt of an asynchronous invocation whose function failed. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;

export interface EventBridgeOptions {
  region: string;
  account: string;
  clock: VirtualClock;
  lambda: LambdaService;
  sns: SnsService;
  log?: (line: string) => void;
}

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const MAX_ENTRY_BYTES = 262_144;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `$.detail.a[0].b` on a JSON value (the subset EventBridge documents: dots, names, indices). */
export function readJsonPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!path.startsWith('$.')) return undefined;
  let current: unknown = value;
  for (const part of path.slice(2).split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    current = isObject(current) ? current[m[1]] : undefined;
    for (const index of m[2].match(/\d+/g) ?? []) current = Array.isArray(current) ? current[Number(index)] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * An input template with `<name>` placeholders filled. In a JSON template a
 * placeholder inside a string gets the value's text, one outside a string
 * gets the value as JSON; in a text template every value is inserted as text
 * (strings unquoted). A missing value is empty text (null outside a string).
 */
export function renderInputTemplate(template: string, values: Record<string, unknown>): string {
  const trimmed = template.trim();
  const json = trimmed.startsWith('{') || trimmed.startsWith('[');
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (json && c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (json && c === '"') inString = !inString;
    if (c === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (/^[A-Za-z0-9_.-]+$/.test(name) && Object.prototype.hasOwnProperty.call(values, name)) {
        const v = values[name];
        if (!json || inString) {
          const text = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
          out += json ? JSON.stringify(text).slice(1, -1) : text;
        } else {
          out += v === undefined ? 'null' : JSON.stringify(v);
        }
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

export class EventBridgeService {
  private readonly buses = new Map<string, { name: string; arn: string; description?: string }>();
  private readonly rules = new Map<string, Rule>();
  private readonly accepted: EventEnvelope[] = [];
  private readonly delivered: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  public constructor(private readonly o: EventBridgeOptions) {
    this.buses.set('default', { name: 'default', arn: this.busArn('default') });
  }

  private busArn(name: string): string {
    return `arn:aws:events:${this.o.region}:${this.o.account}:event-bus/${name}`;
  }

  /** A bus by name or ARN. */
  private bus(ref: unknown): { name: string; arn: string } {
    const text = typeof ref === 'string' && ref ? ref : 'default';
    const name = text.startsWith('arn:') ? text.slice(text.indexOf('event-bus/') + 'event-bus/'.length) : text;
    const bus = this.buses.get(name);
    if (!bus) throw new ServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`, 400);
    return bus;
  }

  private rule(name: unknown, busRef: unknown): Rule {
    const bus = this.bus(busRef);
    const rule = this.rules.get(`${bus.name}/${String(name)}`);
    if (!rule) throw new ServiceError('ResourceNotFoundException', `Rule ${String(name)} does not exist on EventBus ${bus.name}.`, 400);
    return rule;
  }

  // ---- HTTP (awsJson1_1) -------------------------------------------------------------

  public async handle(req: IncomingMessage, res: ServerResponse, operation: string): Promise<void> {
    try {
      const input = parseJsonBody(await readBody(req));
      sendJson(res, 200, this.run(operation, input) ?? {}, 'application/x-amz-json-1.1');
    } catch (err) {
      if (!(err instanceof ServiceError) && !(err instanceof InvalidEventPattern)) this.o.log?.(`[sandbox] events.${operation} failed: ${(err as Error).stack ?? String(err)}`);
      const e = err instanceof ServiceError ? err : err instanceof InvalidEventPattern ? new ServiceError('InvalidEventPatternException', err.message, 400) : new ServiceError('InternalException', (err as Error).message, 500);
      writeAwsJsonError(res, e);
    }
  }

  /** One API operation; throws ServiceError in EventBridge's vocabulary. */
  public run(operation: string, input: Json): unknown {
    switch (operation) {
      case 'PutEvents':
        return this.putEvents(input);
      case 'PutRule':
        return this.putRule(input);
      case 'DescribeRule':
        return this.describeRule(this.rule(input.Name, input.EventBusName));
      case 'ListRules': {
        const bus = this.bus(input.EventBusName);
        const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
        return { Rules: [...this.rules.values()].filter((r) => r.busName === bus.name && r.name.startsWith(prefix)).map((r) => this.describeRule(r)) };
      }
      case 'DeleteRule': {
        const rule = this.rule(input.Name, input.EventBusName);
        if (rule.targets.size > 0) throw new ServiceError('ValidationException', 'Rule can\'t be deleted since it has targets.', 400);
        this.rules.delete(`${rule.busName}/${rule.name}`);
        return {};
      }
      case 'EnableRule':
      case 'DisableRule':
        this.rule(input.Name, input.EventBusName).state = operation === 'EnableRule' ? 'ENABLED' : 'DISABLED';
        return {};
      case 'PutTargets':
        return this.putTargets(input);
      case 'RemoveTargets': {
        const rule = this.rule(input.Rule, input.EventBusName);
        for (const id of (input.Ids as string[] | undefined) ?? []) rule.targets.delete(id);
        return { FailedEntryCount: 0, FailedEntries: [] };
      }
      case 'ListTargetsByRule':
        return { Targets: [...this.rule(input.Rule, input.EventBusName).targets.values()] };
      case 'CreateEventBus': {
        const name = String(input.Name ?? '');
        if (!NAME.test(name) || name === 'default') throw new ServiceError('ValidationException', `Invalid event bus name ${name}`, 400);
        if (this.buses.has(name)) throw new ServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`, 400);
        this.buses.set(name, { name, arn: this.busArn(name), ...(typeof input.Description === 'string' ? { description: input.Description } : {}) });
        return { EventBusArn: this.busArn(name) };
      }
      case 'DescribeEventBus': {
        const bus = this.bus(input.Name);
        return { Name: bus.name, Arn: bus.arn };
      }
      case 'ListEventBuses':
        return { EventBuses: [...this.buses.values()].map((b) => ({ Name: b.name, Arn: b.arn })) };
      case 'DeleteEventBus': {
        const bus = this.bus(input.Name);
        if (bus.name === 'default') throw new ServiceError('ValidationException', 'Cannot delete event bus default.', 400);
        this.buses.delete(bus.name);
        for (const [key, rule] of this.rules) if (rule.busName === bus.name) this.rules.delete(key);
        return {};
      }
      case 'TestEventPattern': {
        const pattern = parseEventPattern(String(input.EventPattern ?? ''));
        let event: unknown;
        try {
          event = JSON.parse(String(input.Event ?? ''));
        } catch {
          throw new ServiceError('InvalidEventPatternException', 'Event is not valid JSON', 400);
        }
        return { Result: matchesEventPattern(pattern, event) };
      }
      default:
        throw new ServiceError('UnknownOperationException', `The sandbox does not emulate EventBridge ${operation}`, 400);
    }
  }

  private putRule(input: Json): unknown {
    const bus = this.bus(input.EventBusName);
    const name = String(input.Name ?? '');
    if (!NAME.test(name)) throw new ServiceError('ValidationException', `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint`, 400);
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
      throw new ServiceError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.', 400);
    }
    const pattern = typeof input.EventPattern === 'string' ? parseEventPattern(input.EventPattern) : undefined;
    const key = `${bus.name}/${name}`;
    const arn = `arn:aws:events:${this.o.region}:${this.o.account}:rule/${bus.name === 'default' ? '' : `${bus.name}/`}${name}`;
    const existing = this.rules.get(key);
    const rule: Rule = {
      name,
      arn,
      busName: bus.name,
      ...(pattern ? { pattern, patternText: input.EventPattern as string } : {}),
      ...(typeof input.ScheduleExpression === 'string' ? { scheduleExpression: input.ScheduleExpression } : {}),
      state: input.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
      targets: existing?.targets ?? new Map(),
    };
    this.rules.set(key, rule);
    return { RuleArn: arn };
  }

  private describeRule(r: Rule): unknown {
    return {
      Name: r.name,
      Arn: r.arn,
      EventBusName: r.busName,
      State: r.state,
      ...(r.patternText ? { EventPattern: r.patternText } : {}),
      ...(r.scheduleExpression ? { ScheduleExpression: r.scheduleExpression } : {}),
      ...(r.description ? { Description: r.description } : {}),
    };
  }

  /** Why a target cannot be delivered to by the sandbox, or undefined. */
  private unsupported(arn: string): string | undefined {
    if (/^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/.test(arn)) return this.o.lambda.hasFunction(arn) ? undefined : `Function ${arn} does not exist in the sandbox`;
    if (/^arn:aws[a-z-]*:sns:[^:]+:\d{12}:[^:]+$/.test(arn)) return this.o.sns.hasTopic(arn) ? undefined : `Topic ${arn} does not exist in the sandbox`;
    return `The sandbox delivers to Lambda functions and SNS topics only, not ${arn}`;
  }

  private putTargets(input: Json): unknown {
    const rule = this.rule(input.Rule, input.EventBusName);
    const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const t of (input.Targets as Target[] | undefined) ?? []) {
      const why = typeof t.Arn === 'string' ? this.unsupported(t.Arn) : 'Arn is required';
      if (why) failed.push({ TargetId: String(t.Id), ErrorCode: 'ValidationException', ErrorMessage: why });
      else rule.targets.set(t.Id, { ...t });
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  private putEvents(input: Json): unknown {
    const entries = (input.Entries as Json[] | undefined) ?? [];
    if (entries.length < 1 || entries.length > 10) throw new ServiceError('ValidationException', 'Entries must contain between 1 and 10 entries', 400);
    const results = entries.map((entry) => {
      const error = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
      if (typeof entry.Source !== 'string' || !entry.Source) return error('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
      if (entry.Source.startsWith('aws.')) return error('NotAuthorizedForSourceException', `Not authorized for the source ${entry.Source}.`);
      if (typeof entry.DetailType !== 'string' || !entry.DetailType) return error('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
      if (typeof entry.Detail !== 'string') return error('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        detail = undefined;
      }
      if (!isObject(detail)) return error('MalformedDetail', 'Detail is malformed.');
      if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) return error('InvalidArgument', 'Total size of the entries in the request is over the limit.');
      let bus: { name: string };
      try {
        bus = this.bus(entry.EventBusName);
      } catch {
        return error('ResourceNotFoundException', `Event bus ${String(entry.EventBusName)} does not exist.`);
      }
      const time = typeof entry.Time === 'number' ? entry.Time * 1000 : typeof entry.Time === 'string' ? Date.parse(entry.Time) : this.o.clock.now();
      const event = this.envelope(entry.Source, entry.DetailType, detail, (entry.Resources as string[] | undefined) ?? [], Number.isFinite(time) ? time : this.o.clock.now());
      this.route(bus.name, event);
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  private envelope(source: string, detailType: string, detail: Json, resources: string[], timeMs: number): EventEnvelope {
    return { version: '0', id: randomUUID(), 'detail-type': detailType, source, account: this.o.account, time: iso(timeMs), region: this.o.region, resources, detail };
  }

  // ---- in-process API ----------------------------------------------------------------

  /** An AWS service's own event (e.g. S3 Object Created) on the default bus, as the service would send it. */
  public putServiceEvent(source: string, detailType: string, detail: Json, resources: string[] = []): EventEnvelope {
    const event = this.envelope(source, detailType, detail, resources, this.o.clock.now());
    this.route('default', event);
    return event;
  }

  /** Events accepted so far (any bus), oldest first. */
  public events(): readonly EventEnvelope[] {
    return [...this.accepted];
  }

  /** Deliveries to targets so far, oldest first. */
  public deliveries(): readonly Delivery[] {
    return [...this.delivered];
  }

  /** Resolves when every delivery started so far (and any they started) has finished. */
  public async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.settle(), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
  }

  // ---- routing and delivery -----------------------------------------------------------

  private route(busName: string, event: EventEnvelope): void {
    this.accepted.push(event);
    if (this.stopped) return;
    for (const rule of this.rules.values()) {
      if (rule.busName !== busName || rule.state !== 'ENABLED' || !rule.pattern || !matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets.values()) {
        // After PutEvents has answered, as EventBridge delivers asynchronously.
        const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deliver(rule, target, event));
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      }
    }
  }

  private inputFor(rule: Rule, target: Target, event: EventEnvelope): string {
    if (target.Input !== undefined) return target.Input;
    if (target.InputPath !== undefined) return JSON.stringify(readJsonPath(event, target.InputPath) ?? null);
    if (target.InputTransformer) {
      const values: Record<string, unknown> = {
        'aws.events.rule-arn': rule.arn,
        'aws.events.rule-name': rule.name,
        'aws.events.event.ingestion-time': iso(this.o.clock.now()),
        'aws.events.event': Object.fromEntries(Object.entries(event).filter(([k]) => k !== 'detail')),
        'aws.events.event.json': event,
      };
      for (const [name, path] of Object.entries(target.InputTransformer.InputPathsMap ?? {})) values[name] = readJsonPath(event, path);
      return renderInputTemplate(target.InputTransformer.InputTemplate, values);
    }
    return JSON.stringify(event);
  }

  private async deliver(rule: Rule, target: Target, event: EventEnvelope): Promise<void> {
    const record: Delivery = { eventId: event.id, rule: rule.name, targetId: target.Id, targetArn: target.Arn, input: '', status: 'failed' };
    this.delivered.push(record);
    try {
      record.input = this.inputFor(rule, target, event);
      if (target.Arn.includes(':lambda:')) {
        const m = /:function:([^:]+)(?::([^:]+))?$/.exec(target.Arn) as RegExpExecArray;
        for (let attempt = 0; ; attempt++) {
          const out = await this.o.lambda.invoke({ functionName: m[1], ...(m[2] ? { qualifier: m[2] } : {}), payload: record.input, invocationType: 'RequestResponse' });
          record.attempts = attempt + 1;
          record.result = out.payload.toString('utf8');
          if (!out.functionError) {
            record.status = 'delivered';
            delete record.error;
            break;
          }
          record.error = record.result;
          const wait = ASYNC_RETRY_DELAYS_MS[attempt];
          if (wait === undefined || this.stopped) break;
          await this.o.clock.sleep(wait);
        }
      } else {
        record.result = this.o.sns.publish(target.Arn, record.input);
        record.status = 'delivered';
      }
    } catch (err) {
      record.error = `${(err as Error).name}: ${(err as Error).message}`;
    }
    if (record.status === 'failed') this.o.log?.(`[sandbox] events: delivery of ${event['detail-type']} to ${target.Arn} (rule ${rule.name}) failed: ${record.error}`);
  }
}
