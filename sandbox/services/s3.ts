/**
 * S3 (path-style): the npm package `s3rver`, on a temporary directory removed
 * at stop, reached through the sandbox's port. Requests go to s3rver's Koa
 * handler directly; the sandbox applies injected faults first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FaultInjector } from '../faults';
import { faultError, writeS3Error } from '../protocol';

// s3rver ships no type declarations: describe what is used.
interface S3rverApp {
  callback(): RequestListener;
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

  public constructor(private readonly faults: FaultInjector) {
    this.directory = mkdtempSync(path.join(tmpdir(), 'cutover-sandbox-s3-'));
    this.app = new S3rver({ directory: this.directory, silent: true, vhostBuckets: false, configureBuckets: [] });
    this.handler = this.app.callback();
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
    this.handler(req, res);
  }

  public stop(): void {
    this.app.logger.exceptions?.unhandle();
    this.app.logger.close();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
