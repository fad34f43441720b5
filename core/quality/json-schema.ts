import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { GoldenSetInvalid } from '../errors';
import { truncate } from './format';

/** `valid` and, when not valid, the first schema errors as one line a person can read. */
export type OutputValidator = (value: unknown) => { valid: boolean; errors: string };

export type JsonSchema = Record<string, unknown>;

/** How many schema errors a message lists; the rest are counted. */
const MAX_LISTED_ERRORS = 3;
/** Compiled validators kept per process; golden sets and services use one or two schemas. */
const MAX_CACHED = 64;

type Draft = 'draft-07' | '2019-09' | '2020-12';

const engines = new Map<Draft, Ajv>();
const cache = new Map<string, { validator: OutputValidator; schema: JsonSchema; draft: Draft }>();

/**
 * Compile a JSON Schema for model outputs, once per distinct schema (the
 * smoke test validates every case against the same schema, and a Lambda
 * container serves many invocations).
 *
 * Draft from `$schema`: 2020-12 and 2019-09 when named, draft-07 otherwise
 * (Ajv's default). Unknown keywords are tolerated (`strict: false`) because
 * these schemas are written by users, often with `examples` or vendor
 * annotations. Formats (`date-time`, `email`, `uri`, …) come from ajv-formats.
 *
 * @throws GoldenSetInvalid naming `outputSchema` when the schema does not compile.
 */
export function compileOutputSchema(schema: JsonSchema): OutputValidator {
  const key = canonicalJson(schema);
  const cached = cache.get(key);
  if (cached) return cached.validator;

  const draft = draftOf(schema);
  let validate: ValidateFunction;
  try {
    validate = engine(draft).compile(schema);
  } catch (err) {
    throw new GoldenSetInvalid(
      `outputSchema does not compile as a JSON Schema: ${(err as Error).message}. Fix the schema (draft-07, or name 2019-09/2020-12 in $schema; remote $ref is not supported)`,
      { cause: err },
    );
  }

  const validator: OutputValidator = (value) =>
    validate(value) ? { valid: true, errors: '' } : { valid: false, errors: describeErrors(validate.errors ?? []) };

  if (cache.size >= MAX_CACHED) evictOldest();
  cache.set(key, { validator, schema, draft });
  return validator;
}

/** Ajv keeps its own reference to every compiled schema: drop both, or the process only grows. */
function evictOldest(): void {
  const [oldestKey, oldest] = cache.entries().next().value as [string, { schema: JsonSchema; draft: Draft }];
  cache.delete(oldestKey);
  engine(oldest.draft).removeSchema(oldest.schema);
}

function draftOf(schema: JsonSchema): Draft {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (declared.includes('2020-12')) return '2020-12';
  if (declared.includes('2019-09')) return '2019-09';
  return 'draft-07';
}

function engine(draft: Draft): Ajv {
  let ajv = engines.get(draft);
  if (!ajv) {
    // addUsedSchema false: two golden sets may reuse one `$id` for different schemas.
    const options = { allErrors: true, strict: false, addUsedSchema: false } as const;
    ajv = draft === '2020-12' ? new Ajv2020(options) : draft === '2019-09' ? new Ajv2019(options) : new Ajv(options);
    addFormats(ajv);
    engines.set(draft, ajv);
  }
  return ajv;
}

/** `label must be equal to one of the allowed values (billing, technical); output must have required property 'score'`. */
function describeErrors(errors: readonly ErrorObject[]): string {
  const listed = errors.slice(0, MAX_LISTED_ERRORS).map(describeError);
  const more = errors.length - listed.length;
  return listed.join('; ') + (more > 0 ? ` (+${more} more)` : '');
}

function describeError(e: ErrorObject): string {
  // Same dot paths as the golden-set checks: `/scores/0` reads as `scores.0`.
  const where = e.instancePath === '' ? 'output' : e.instancePath.slice(1).split('/').map(unescapePointer).join('.');
  const params = e.params as Record<string, unknown>;
  let detail = '';
  if (Array.isArray(params.allowedValues)) detail = ` (${truncate(params.allowedValues.map(String).join(', '), 80)})`;
  else if (typeof params.additionalProperty === 'string') detail = ` (${params.additionalProperty})`;
  return `${where} ${e.message ?? 'is invalid'}${detail}`;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** JSON text with sorted keys, so that the same schema written twice shares one cache entry. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
