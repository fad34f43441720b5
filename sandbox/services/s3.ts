/**
 * S3 (path-style): the npm package `s3rver`, on a temporary directory removed
 * at stop, reached through the sandbox's port. Requests go to s3rver's Koa
 * handler directly; the sandbox applies injected faults first.
 *
 * EventBridge notifications: PutBucketNotificationConfiguration with an
 * `<EventBridgeConfiguration/>` turns them on for a bucket (as on AWS; the
 * sandbox keeps the rest of the configuration but delivers nothing to SNS,
 * SQS or Lambda destinations). Then every object s3rver stores (PutObject,
 * CopyObject, POST and CompleteMultipartUpload, reported as PutObject,
 * CopyObject and PostObject) puts an `Object Created` event on the default
 * bus, in the shape S3 sends: bucket name, key, size, etag (no version-id:
 * s3rver has no versioning).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FaultInjector } from '../faults';
import { faultError, readBody, requestId, ServiceError, writeS3Error } from '../protocol';

/** Where S3 puts its EventBridge events (the sandbox's EventBridge, default bus). */
export interface S3EventSink {
  account: string;
  putServiceEvent(source: string, detailType: string, detail: Record<string, unknown>, resources: string[]): unknown;
}

/** The notification record s3rver emits (its `event` event), as far as it is used. */
interface S3rverRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
  requestParameters?: { sourceIPAddress?: string };
}

const EMPTY_NOTIFICATION = '<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>';

// s3rver ships no type declarations: describe what is used.
interface S3rverApp {
  callback(): RequestListener;
  on(event: 'event', listener: (e: { Records: S3rverRecord[] }) => void): void;
  logger: { close(): void; exceptions?: { unhandle(): void } };
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverApp;
interface S3rverAccount {
  registry: Map<string, unknown>;
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secret: string): void };
}
const S3rver = require('s3rver') as S3rverCtor;
const Account = require('s3rver/lib/models/account') as S3rverAccount;

/** The S3 operation a path-style request is, for fault matching. */
export function s3Operation(method: string, url: URL): string {
  const parts = url.pathname.split('/').filter(Boolean);
  const q = url.searchParams;
  if (parts.length === 0) return 'ListBuckets';
  if (parts.length === 1) {
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
    if (q.has('location')) return 'GetBucketLocation';
    return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  }
  if (method === 'PUT') return q.has('partNumber') ? 'UploadPart' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'POST') return q.has('uploads') ? 'CreateMultipartUpload' : 'CompleteMultipartUpload';
  return method;
}

export class S3Service {
  private readonly directory: string;
  private readonly app: S3rverApp;
  private readonly handler: RequestListener;

  /** Notification configuration XML per bucket (PutBucketNotificationConfiguration). */
  private readonly notifications = new Map<string, string>();

  public constructor(
    private readonly faults: FaultInjector,
    private readonly events?: S3EventSink,
  ) {
    this.directory = mkdtempSync(path.join(tmpdir(), 'cutover-sandbox-s3-'));
    this.app = new S3rver({ directory: this.directory, silent: true, vhostBuckets: false, configureBuckets: [] });
    this.handler = this.app.callback();
    this.app.on('event', (e) => {
      for (const record of e.Records ?? []) this.objectCreated(record);
    });
  }

  /** Does this bucket send its events to EventBridge? */
  public eventBridgeEnabled(bucket: string): boolean {
    return /<EventBridgeConfiguration\s*\/?>/.test(this.notifications.get(bucket) ?? '');
  }

  private objectCreated(record: S3rverRecord): void {
    const bucket = record.s3.bucket.name;
    if (!this.events || !record.eventName.startsWith('ObjectCreated:') || !this.eventBridgeEnabled(bucket)) return;
    const reason = { Put: 'PutObject', Copy: 'CopyObject', Post: 'PostObject' }[record.eventName.slice('ObjectCreated:'.length)] ?? 'PutObject';
    const object = record.s3.object;
    this.events.putServiceEvent(
      'aws.s3',
      'Object Created',
      {
        version: '0',
        bucket: { name: bucket },
        object: {
          key: object.key,
          ...(object.size !== undefined ? { size: Number(object.size) } : {}),
          ...(object.eTag ? { etag: object.eTag.replace(/"/g, '') } : {}),
          ...(object.sequencer ? { sequencer: object.sequencer } : {}),
        },
        'request-id': requestId().replace(/-/g, '').slice(0, 16).toUpperCase(),
        requester: this.events.account,
        'source-ip-address': record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
        reason,
      },
      [`arn:aws:s3:::${bucket}`],
    );
  }

  /** GET/PUT `/<bucket>?notification`: s3rver does not implement it; the sandbox keeps the configuration. */
  private async notification(req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> {
    if (!existsSync(path.join(this.directory, bucket))) {
      req.resume();
      writeS3Error(res, new ServiceError('NoSuchBucket', 'The specified bucket does not exist', 404));
      return;
    }
    if (req.method === 'PUT') {
      const xml = (await readBody(req)).toString('utf8');
      if (!/<NotificationConfiguration[\s>/]/.test(xml)) {
        writeS3Error(res, new ServiceError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400));
        return;
      }
      this.notifications.set(bucket, xml);
      res.writeHead(200, { 'content-length': 0, 'x-amz-request-id': requestId() }).end();
      return;
    }
    req.resume();
    const body = this.notifications.get(bucket) ?? EMPTY_NOTIFICATION;
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId() });
    res.end(body);
  }

  public async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const operation = s3Operation(req.method ?? 'GET', url);
    const fault = this.faults.take('s3', operation);
    if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
    if (fault.error) {
      req.resume();
      writeS3Error(res, faultError('s3', operation, fault.error));
      return;
    }
    // s3rver only knows its own dummy access key: accept whichever key the client signs with
    // (s3rver does not verify SigV4 signatures anyway).
    const auth = String(req.headers.authorization ?? url.searchParams.get('X-Amz-Credential') ?? '');
    const key = /Credential=([^/,\s]+)\//.exec(auth)?.[1] ?? /^([^/]+)\//.exec(auth)?.[1];
    if (key && !Account.registry.has(key)) Account.DUMMY_ACCOUNT.createKeyPair(key, key);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts.length === 1 && url.searchParams.has('notification') && (req.method === 'PUT' || req.method === 'GET')) {
      return this.notification(req, res, decodeURIComponent(parts[0] as string));
    }
    this.handler(req, res);
  }

  public stop(): void {
    this.app.logger.exceptions?.unhandle();
    this.app.logger.close();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
