/**
 * Amazon SNS over the AWS query protocol (form-encoded POST with
 * `Action=…&Version=2010-03-31`, XML responses), as @aws-sdk/client-sns
 * sends it: CreateTopic, DeleteTopic, ListTopics, GetTopicAttributes,
 * Subscribe, Unsubscribe, ListSubscriptionsByTopic, ListSubscriptions,
 * Publish. Topics, subscriptions and every published message are kept in
 * memory, readable in-process (`sandbox.sns.messages(topicArn)`), so a test
 * can read the notification a person would get. Nothing is delivered to
 * subscribers (no e-mail, no HTTP, no Lambda, no SQS).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VirtualClock } from '../clock';
import { credentialScopeService, readBody, requestId, sendQueryXml, ServiceError, writeQueryError, xmlEscape } from '../protocol';

export interface SnsMessage {
  messageId: string;
  topicArn: string;
  message: string;
  subject?: string;
  attributes: Record<string, { DataType: string; StringValue?: string }>;
  /** Virtual time, ms. */
  at: number;
}

interface Subscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  owner: string;
  pendingConfirmation: boolean;
}

interface Topic {
  arn: string;
  name: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  subscriptions: Map<string, Subscription>;
  messages: SnsMessage[];
}

export interface SnsOptions {
  region: string;
  account: string;
  clock: VirtualClock;
}

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const PROTOCOLS = new Set(['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose']);
const MAX_MESSAGE_BYTES = 262_144;

const el = (name: string, value: string | undefined) => (value === undefined ? '' : `<${name}>${xmlEscape(value)}</${name}>`);

/** Is this an SNS request? Query-protocol POSTs to `/` name the service in their credential scope or their Version. */
export function isSnsRequest(req: IncomingMessage, url: URL): boolean {
  if (req.method !== 'POST' || url.pathname !== '/') return false;
  if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return false;
  const scope = credentialScopeService(req);
  return scope === undefined || scope === 'sns';
}

export class SnsService {
  private readonly topics = new Map<string, Topic>();

  public constructor(private readonly o: SnsOptions) {}

  private topicArn(name: string): string {
    return `arn:aws:sns:${this.o.region}:${this.o.account}:${name}`;
  }

  private topic(arn: string | undefined, field = 'TopicArn'): Topic {
    if (!arn) throw new ServiceError('InvalidParameter', `Invalid parameter: ${field}`, 400);
    const topic = this.topics.get(arn);
    if (!topic) throw new ServiceError('NotFound', 'Topic does not exist', 404);
    return topic;
  }

  // ---- in-process API ----------------------------------------------------------------

  public createTopic(name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): string {
    if (!TOPIC_NAME.test(name)) throw new ServiceError('InvalidParameter', 'Invalid parameter: Topic Name', 400);
    const arn = this.topicArn(name);
    const existing = this.topics.get(arn);
    if (existing) return existing.arn;
    this.topics.set(arn, { arn, name, attributes: { ...attributes }, tags: { ...tags }, subscriptions: new Map(), messages: [] });
    return arn;
  }

  public hasTopic(arn: string): boolean {
    return this.topics.has(arn);
  }

  /** Publish as the API does; returns the message id. */
  public publish(topicArn: string, message: string, subject?: string, attributes: SnsMessage['attributes'] = {}): string {
    const topic = this.topic(topicArn);
    if (!message) throw new ServiceError('InvalidParameter', 'Invalid parameter: Empty message', 400);
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw new ServiceError('InvalidParameter', 'Invalid parameter: Message too long', 400);
    if (subject !== undefined && (subject.length === 0 || subject.length > 100 || /[\r\n]/.test(subject))) {
      throw new ServiceError('InvalidParameter', 'Invalid parameter: Subject', 400);
    }
    const messageId = randomUUID();
    topic.messages.push({ messageId, topicArn, message, ...(subject !== undefined ? { subject } : {}), attributes, at: this.o.clock.now() });
    return messageId;
  }

  /** Every message published to a topic, oldest first. */
  public messages(topicArn: string): readonly SnsMessage[] {
    return [...this.topic(topicArn).messages];
  }

  public subscriptions(topicArn: string): readonly Subscription[] {
    return [...this.topic(topicArn).subscriptions.values()].map((s) => ({ ...s }));
  }

  // ---- HTTP (query protocol) ----------------------------------------------------------

  public async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams((await readBody(req)).toString('utf8'));
    const action = params.get('Action') ?? '';
    try {
      const result = this.run(action, params);
      this.send(res, 200, `<${action}Response xmlns="${NAMESPACE}">${result === null ? '' : `<${action}Result>${result}</${action}Result>`}<ResponseMetadata>${el('RequestId', requestId())}</ResponseMetadata></${action}Response>`);
    } catch (err) {
      const e = err instanceof ServiceError ? err : new ServiceError('InternalError', (err as Error).message, 500);
      writeQueryError(res, e, NAMESPACE);
    }
  }

  private send(res: ServerResponse, status: number, body: string): void {
    sendQueryXml(res, status, body);
  }

  /** `Name.entry.N.key/value` (query-protocol maps) as an object. */
  private static map(params: URLSearchParams, name: string, key = 'key', value = 'value'): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 1; params.has(`${name}.entry.${i}.${key}`); i++) out[params.get(`${name}.entry.${i}.${key}`) as string] = params.get(`${name}.entry.${i}.${value}`) ?? '';
    return out;
  }

  /** The result XML of one action (null: no Result element). */
  private run(action: string, p: URLSearchParams): string | null {
    switch (action) {
      case 'CreateTopic': {
        const tags: Record<string, string> = {};
        for (let i = 1; p.has(`Tags.member.${i}.Key`); i++) tags[p.get(`Tags.member.${i}.Key`) as string] = p.get(`Tags.member.${i}.Value`) ?? '';
        return el('TopicArn', this.createTopic(p.get('Name') ?? '', SnsService.map(p, 'Attributes'), tags));
      }
      case 'DeleteTopic':
        this.topics.delete(p.get('TopicArn') ?? '');
        return null;
      case 'ListTopics':
        return `<Topics>${[...this.topics.values()].map((t) => `<member>${el('TopicArn', t.arn)}</member>`).join('')}</Topics>`;
      case 'GetTopicAttributes': {
        const t = this.topic(p.get('TopicArn') ?? undefined);
        const subs = [...t.subscriptions.values()];
        const attributes: Record<string, string> = {
          ...t.attributes,
          TopicArn: t.arn,
          Owner: this.o.account,
          SubscriptionsConfirmed: String(subs.filter((s) => !s.pendingConfirmation).length),
          SubscriptionsPending: String(subs.filter((s) => s.pendingConfirmation).length),
          SubscriptionsDeleted: '0',
        };
        return `<Attributes>${Object.entries(attributes).map(([k, v]) => `<entry>${el('key', k)}${el('value', v)}</entry>`).join('')}</Attributes>`;
      }
      case 'Subscribe': {
        const t = this.topic(p.get('TopicArn') ?? undefined);
        const protocol = p.get('Protocol') ?? '';
        const endpoint = p.get('Endpoint') ?? '';
        if (!PROTOCOLS.has(protocol)) throw new ServiceError('InvalidParameter', 'Invalid parameter: Amazon SNS does not support this protocol string', 400);
        if (!endpoint) throw new ServiceError('InvalidParameter', 'Invalid parameter: Endpoint', 400);
        const existing = [...t.subscriptions.values()].find((s) => s.protocol === protocol && s.endpoint === endpoint);
        const pending = ['email', 'email-json', 'http', 'https'].includes(protocol);
        const sub = existing ?? { arn: `${t.arn}:${randomUUID()}`, topicArn: t.arn, protocol, endpoint, owner: this.o.account, pendingConfirmation: pending };
        t.subscriptions.set(sub.arn, sub);
        // As AWS answers: a subscription awaiting confirmation has no ARN yet, unless ReturnSubscriptionArn.
        const arn = sub.pendingConfirmation && p.get('ReturnSubscriptionArn') !== 'true' ? 'pending confirmation' : sub.arn;
        return el('SubscriptionArn', arn);
      }
      case 'Unsubscribe': {
        const arn = p.get('SubscriptionArn') ?? '';
        for (const t of this.topics.values()) t.subscriptions.delete(arn);
        return null;
      }
      case 'ListSubscriptionsByTopic':
        return `<Subscriptions>${[...this.topic(p.get('TopicArn') ?? undefined).subscriptions.values()].map((s) => this.subscriptionXml(s)).join('')}</Subscriptions>`;
      case 'ListSubscriptions':
        return `<Subscriptions>${[...this.topics.values()].flatMap((t) => [...t.subscriptions.values()]).map((s) => this.subscriptionXml(s)).join('')}</Subscriptions>`;
      case 'Publish': {
        const topicArn = p.get('TopicArn') ?? p.get('TargetArn') ?? undefined;
        if (!topicArn) throw new ServiceError('InvalidParameter', 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter', 400);
        const attributes: SnsMessage['attributes'] = {};
        for (let i = 1; p.has(`MessageAttributes.entry.${i}.Name`); i++) {
          attributes[p.get(`MessageAttributes.entry.${i}.Name`) as string] = {
            DataType: p.get(`MessageAttributes.entry.${i}.Value.DataType`) ?? 'String',
            ...(p.has(`MessageAttributes.entry.${i}.Value.StringValue`) ? { StringValue: p.get(`MessageAttributes.entry.${i}.Value.StringValue`) as string } : {}),
          };
        }
        return el('MessageId', this.publish(topicArn, p.get('Message') ?? '', p.get('Subject') ?? undefined, attributes));
      }
      default:
        throw new ServiceError('InvalidAction', `The sandbox does not emulate SNS ${action || '(no Action)'}`, 400);
    }
  }

  private subscriptionXml(s: Subscription): string {
    return `<member>${el('SubscriptionArn', s.pendingConfirmation ? 'PendingConfirmation' : s.arn)}${el('Owner', s.owner)}${el('Protocol', s.protocol)}${el('Endpoint', s.endpoint)}${el('TopicArn', s.topicArn)}</member>`;
  }
}
