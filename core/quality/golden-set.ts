import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { GoldenSetInvalid } from '../errors';
import { expectationSchema, type Expectation } from '../release-input';
import { truncate } from './format';
import { compileOutputSchema, type JsonSchema } from './json-schema';

/**
 * A golden set is a JSON Lines file, one case per line:
 *
 *     {"id": "billing-001", "input": {"text": "I was charged twice"}, "expect": [{"path": "label", "equals": "billing"}]}
 *
 * - `id`: unique in the file, 1-128 characters; failures are reported by it.
 * - `input`: any JSON, sent to the service as is (required; `null` is a value).
 * - `expect`: up to 20 checks, the same as a smoke-test case's (`equals`,
 *   `oneOf`, `regex`, `contains`, `approx`, each with an optional dot `path`).
 *   May be empty: the case then only counts for errors, schema and latency.
 *
 * Optional header, on the first non-blank line only:
 *
 *     {"outputSchema": {"type": "object", "required": ["label"], ...}}
 *
 * the JSON Schema every output must satisfy (the schema-valid-rate gate).
 * The release input's `goldenSet.outputSchema` overrides it.
 *
 * Blank lines are ignored; line numbers in errors count every physical line,
 * so they match what an editor shows.
 */
export interface GoldenCase {
  id: string;
  input: unknown;
  expect: Expectation[];
  /** 1-based line in the file, for messages. */
  line: number;
}

export interface GoldenSet {
  cases: GoldenCase[];
  outputSchema?: JsonSchema;
}

export interface GoldenSetLimits {
  maxCases: number;
  maxBytes: number;
}

/** A golden set is evaluated twice (green and blue) inside one Lambda invocation: keep it bounded. */
export const DEFAULT_GOLDEN_SET_LIMITS: GoldenSetLimits = { maxCases: 1000, maxBytes: 5 * 1024 * 1024 };

/** How many line errors one message lists; the rest are counted. */
const MAX_LISTED_ERRORS = 5;

const goldenCaseSchema = z
  .strictObject({
    id: z.string().min(1).max(128),
    input: z.unknown(),
    expect: z.array(expectationSchema).max(20).default([]),
  })
  .superRefine((c, ctx) => {
    c.expect.forEach((e, i) => {
      if (e.regex === undefined) return;
      try {
        new RegExp(e.regex);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['expect', i, 'regex'], message: `not a valid regular expression (${(err as Error).message})` });
      }
    });
  });

const headerSchema = z.strictObject({
  outputSchema: z.record(z.string(), z.unknown(), { error: 'must be a JSON Schema object' }),
});

/**
 * Parse and validate a golden set.
 *
 * @throws GoldenSetInvalid for a set over the limits (with the count and the
 *   limit), malformed lines (with line numbers and fields), duplicate ids, a
 *   header schema that does not compile, or no cases at all.
 */
export function parseGoldenSet(text: string, limits: Partial<GoldenSetLimits> = {}): GoldenSet {
  const { maxCases, maxBytes } = { ...DEFAULT_GOLDEN_SET_LIMITS, ...limits };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new GoldenSetInvalid(`golden set is ${bytes} bytes; the limit is ${maxBytes} bytes. Split it or keep the most telling cases`);
  }

  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((content, i) => ({ line: i + 1, content }))
    .filter((l) => l.content.trim() !== '');

  const errors: string[] = [];
  const parsed = lines.map((l) => ({ ...l, json: parseJsonLine(l.line, l.content, errors) }));

  let outputSchema: JsonSchema | undefined;
  const first = parsed[0];
  if (first && isHeader(first.json)) {
    parsed.shift();
    outputSchema = parseHeader(first.line, first.json, errors);
  }

  // Counted before validating, so an oversized set fails fast with the figure people need.
  if (parsed.length > maxCases) {
    throw new GoldenSetInvalid(`golden set has ${parsed.length} cases; the limit is ${maxCases}. Split it or keep the most telling cases`);
  }

  const cases: GoldenCase[] = [];
  const firstLineOf = new Map<string, number>();
  for (const { line, json } of parsed) {
    if (json === undefined) continue; // not JSON: already reported
    const result = goldenCaseSchema.safeParse(json, { error: missingFieldMessage });
    if (!result.success) {
      for (const issue of result.error.issues) errors.push(`line ${line}: ${fieldOf(issue.path)}${issue.message}`);
      continue;
    }
    const seen = firstLineOf.get(result.data.id);
    if (seen !== undefined) {
      errors.push(`line ${line}: id: "${truncate(result.data.id, 60)}" is already used on line ${seen}`);
      continue;
    }
    firstLineOf.set(result.data.id, line);
    cases.push({ ...result.data, line });
  }

  if (errors.length > 0) {
    const more = errors.length - MAX_LISTED_ERRORS;
    throw new GoldenSetInvalid(
      `golden set is invalid: ${errors.slice(0, MAX_LISTED_ERRORS).join('; ')}${more > 0 ? ` (+${more} more)` : ''}`,
    );
  }
  if (cases.length === 0) {
    throw new GoldenSetInvalid('golden set has no cases: add one JSON object per line, {"id": …, "input": …, "expect": […]}');
  }
  return outputSchema === undefined ? { cases } : { cases, outputSchema };
}

/**
 * Read and parse a golden set from `s3://bucket/key`.
 *
 * Missing objects and missing permissions become GoldenSetInvalid with the
 * URI and what to fix; anything else (throttling, network) is rethrown
 * unchanged so that the state machine's Retry can deal with it.
 */
export async function loadGoldenSet(s3: S3Client, uri: string, limits: Partial<GoldenSetLimits> = {}): Promise<GoldenSet> {
  const { Bucket, Key } = parseS3Uri(uri);
  const maxBytes = limits.maxBytes ?? DEFAULT_GOLDEN_SET_LIMITS.maxBytes;

  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
    // Refuse before downloading: the size is known from the response headers.
    if (object.ContentLength !== undefined && object.ContentLength > maxBytes) {
      (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw new GoldenSetInvalid(`golden set ${uri} is ${object.ContentLength} bytes; the limit is ${maxBytes} bytes. Split it or keep the most telling cases`);
    }
    if (!object.Body) throw new GoldenSetInvalid(`golden set ${uri} has no body`);
    text = await object.Body.transformToString('utf-8');
  } catch (err) {
    throw explainS3Error(err, uri, Bucket, Key);
  }

  try {
    return parseGoldenSet(text, limits);
  } catch (err) {
    if (err instanceof GoldenSetInvalid) throw new GoldenSetInvalid(`${uri}: ${err.message}`, { cause: err });
    throw err;
  }
}

function parseS3Uri(uri: string): { Bucket: string; Key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new GoldenSetInvalid(`golden set URI ${JSON.stringify(uri)} is not an S3 URI: use s3://bucket/key`);
  return { Bucket: m[1], Key: m[2] };
}

function explainS3Error(err: unknown, uri: string, bucket: string, key: string): unknown {
  if (err instanceof GoldenSetInvalid) return err;
  const name = (err as { name?: string } | null)?.name;
  switch (name) {
    case 'NoSuchKey':
      return new GoldenSetInvalid(`golden set ${uri} does not exist (NoSuchKey): upload the JSON Lines file there or fix goldenSet.uri`, { cause: err });
    case 'NoSuchBucket':
      return new GoldenSetInvalid(`golden set ${uri}: bucket ${bucket} does not exist (NoSuchBucket): fix goldenSet.uri`, { cause: err });
    case 'AccessDenied':
      return new GoldenSetInvalid(
        `cannot read golden set ${uri} (AccessDenied): grant the smoke-test function s3:GetObject on arn:aws:s3:::${bucket}/${key} ` +
          '(and kms:Decrypt if the bucket uses a KMS key). Without s3:ListBucket, S3 also answers AccessDenied for a key that does not exist',
        { cause: err },
      );
    default:
      return err;
  }
}

function parseJsonLine(line: number, content: string, errors: string[]): unknown {
  try {
    return JSON.parse(content) as unknown;
  } catch (err) {
    errors.push(`line ${line}: not valid JSON (${(err as Error).message}); each line must be one JSON object`);
    return undefined;
  }
}

/** A header is an object with `outputSchema` and no `id`; anything else is a case (and validated as one). */
function isHeader(json: unknown): json is Record<string, unknown> {
  return json !== null && typeof json === 'object' && !Array.isArray(json) && 'outputSchema' in json && !('id' in json);
}

function parseHeader(line: number, json: unknown, errors: string[]): JsonSchema | undefined {
  const result = headerSchema.safeParse(json);
  if (!result.success) {
    for (const issue of result.error.issues) errors.push(`line ${line}: header: ${fieldOf(issue.path)}${issue.message}`);
    return undefined;
  }
  try {
    compileOutputSchema(result.data.outputSchema);
  } catch (err) {
    errors.push(`line ${line}: ${(err as Error).message}`);
    return undefined;
  }
  return result.data.outputSchema;
}

/** zod says `expected nonoptional, received undefined` for a missing `input`: say what to do instead. */
function missingFieldMessage(issue: { code?: string; input?: unknown; path?: readonly PropertyKey[] }): string | undefined {
  if (issue.code !== 'invalid_type' || issue.input !== undefined) return undefined;
  return issue.path?.[0] === 'input' ? 'required (any JSON; use null for no input)' : 'required';
}

/** `expect.0: ` for a zod issue path; nothing for the line as a whole. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '' : `${path.map(String).join('.')}: `;
}
