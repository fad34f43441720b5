import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseArtifact, type Artifact } from './artifact';
import { ArtifactLoadFailed, InvalidArtifact } from './errors';

/**
 * Reads a model artifact from where MODEL_URI points:
 *   s3://bucket/key          S3 GetObject (AWS_ENDPOINT_URL redirects it to the sandbox)
 *   file:///abs/path.json    a file
 *   path/to/model.json       a file, relative to the working directory
 */
export type ModelLocation =
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'file'; readonly path: string };

export type ArtifactLoader = (uri: string) => Promise<Artifact>;

export interface ArtifactLoaderOptions {
  /**
   * The S3 client for s3:// URIs (tests inject a mocked one).
   * @default a client created on first use, with forcePathStyle (what S3 emulators on localhost need)
   */
  readonly s3Client?: S3Client;
  /** @default 16 URIs; a function instance normally sees exactly one */
  readonly maxCachedUris?: number;
}

export function parseModelUri(uri: string): ModelLocation {
  if (uri.startsWith('s3://')) {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) {
      throw new ArtifactLoadFailed(`not an S3 URI with a bucket and a key: ${uri}`, uri);
    }
    return { kind: 's3', bucket: rest.slice(0, slash), key: decodeURIComponent(rest.slice(slash + 1)) };
  }
  if (uri.startsWith('file:')) {
    try {
      return { kind: 'file', path: fileURLToPath(uri) };
    } catch {
      // "file://relative/path" is not a valid file URL, but people write it: read it as a path.
      return { kind: 'file', path: resolve(uri.replace(/^file:(\/\/)?/, '')) };
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new ArtifactLoadFailed(`unsupported model URI scheme (use s3://, file:// or a path): ${uri}`, uri);
  }
  return { kind: 'file', path: resolve(uri) };
}

async function readS3(client: S3Client, bucket: string, key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error('GetObject returned no body');
  return response.Body.transformToString('utf-8');
}

/** Reads and validates one artifact, without caching. */
export async function loadArtifact(uri: string, options: ArtifactLoaderOptions = {}): Promise<Artifact> {
  const location = parseModelUri(uri);
  let text: string;
  try {
    text =
      location.kind === 's3'
        ? await readS3(options.s3Client ?? defaultS3Client(), location.bucket, location.key)
        : await readFile(location.path, 'utf8');
  } catch (error) {
    throw new ArtifactLoadFailed(`cannot read model artifact ${uri}: ${(error as Error).message}`, uri, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidArtifact(`${uri}: not JSON (${(error as Error).message})`, { cause: error });
  }
  return parseArtifact(json, uri);
}

/**
 * A loader that keeps each URI's artifact for the life of the process (a
 * Lambda execution environment). It caches the promise, so concurrent cold
 * requests share one read; a failed read is forgotten so the next request retries.
 */
export function createArtifactLoader(options: ArtifactLoaderOptions = {}): ArtifactLoader {
  const maxCachedUris = Math.max(1, options.maxCachedUris ?? 16);
  const cache = new Map<string, Promise<Artifact>>();
  return (uri) => {
    const hit = cache.get(uri);
    if (hit) return hit;
    const pending = loadArtifact(uri, options);
    cache.set(uri, pending);
    pending.catch(() => {
      if (cache.get(uri) === pending) cache.delete(uri);
    });
    // Bounded: drop the oldest URI (Map keeps insertion order).
    if (cache.size > maxCachedUris) cache.delete(cache.keys().next().value as string);
    return pending;
  };
}

let sharedS3Client: S3Client | undefined;
function defaultS3Client(): S3Client {
  // Region and endpoint come from the environment (AWS_REGION, AWS_ENDPOINT_URL[_S3]).
  sharedS3Client ??= new S3Client({ forcePathStyle: true });
  return sharedS3Client;
}
