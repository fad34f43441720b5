import { InvalidReleaseInput } from '../../core/errors';
import { compileOutputSchema } from '../../core/quality';
import type { ReleaseSpec } from '../../core/release-input';

/**
 * What the schema accepts but a later state would choke on, after something
 * has changed: the checks run in ValidateInput so that such an input is
 * refused before the lock, naming the field.
 *
 * - Size: every Task receives the whole state (the release input plus the
 *   Tasks' results) and Step Functions fails an execution whose state passes
 *   256 KiB with States.DataLimitExceeded, which no Catch handles (no
 *   rollback, no unlock). 64 KiB of input leaves the rest to the results.
 * - Depth: JSON values the user writes (smoke inputs, `equals`, `oneOf`, the
 *   output schema) are carried as they are; a very deep one cannot be
 *   serialized back (the Lambda runtime's JSON.stringify overflows the stack).
 * - Regular expressions that do not compile, and output schemas that do not
 *   compile, would fail the smoke test after green was published.
 * - Lambda refuses these environment variable names on UpdateFunctionConfiguration.
 */
export const MAX_INPUT_BYTES = 64 * 1024;
export const MAX_JSON_DEPTH = 32;
export const RESERVED_ENV_VARS: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** Where user-written JSON starts: a deep value is reported at that field. */
const FREE_JSON = new Set(['input', 'equals', 'oneOf', 'outputSchema']);

function reject(field: string, message: string): never {
  throw new InvalidReleaseInput(`invalid release input: ${field}: ${message}`, [{ field, message }]);
}

/** The path of the first value nested deeper than `max` (iterative: a hostile depth must not overflow this check either). */
export function tooDeep(value: unknown, max: number): string[] | undefined {
  const stack: { v: unknown; path: string[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= max) return path;
    for (const [k, child] of Object.entries(v)) stack.push({ v: child, path: [...path, k] });
  }
  return undefined;
}

export function checkContent(raw: unknown, spec: ReleaseSpec): void {
  const deep = tooDeep(raw, MAX_JSON_DEPTH);
  if (deep) {
    const cut = deep.findIndex((k) => FREE_JSON.has(k));
    const field = deep.slice(0, cut >= 0 ? cut + 1 : 3).join('.');
    reject(field, `is nested more than ${MAX_JSON_DEPTH} levels deep: flatten it, or move such cases into the golden set`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(raw) ?? '');
  if (bytes > MAX_INPUT_BYTES) {
    const sizes = Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, Buffer.byteLength(JSON.stringify(v) ?? '')] as const);
    const [field, size] = sizes.sort((a, b) => b[1] - a[1])[0] ?? ['(input)', bytes];
    reject(
      field,
      `the release input is ${bytes} bytes (${field}: ${size}); at most ${MAX_INPUT_BYTES}, so that the state the release carries stays under Step Functions' 256 KiB: move large smoke-test cases into the golden set (S3)`,
    );
  }
  if (spec.artifact && RESERVED_ENV_VARS.has(spec.artifact.envVar)) {
    reject('artifact.envVar', `${spec.artifact.envVar} is reserved by the Lambda runtime and cannot be set: use another name, e.g. MODEL_URI`);
  }
  spec.smokeTest.cases.forEach((c, i) =>
    c.expect.forEach((e, j) => {
      if (e.regex === undefined) return;
      try {
        new RegExp(e.regex);
      } catch (err) {
        reject(`smokeTest.cases.${i}.expect.${j}.regex`, `not a valid regular expression (${(err as Error).message})`);
      }
    }),
  );
  const schema = spec.smokeTest.goldenSet?.outputSchema;
  if (schema) {
    try {
      compileOutputSchema(schema);
    } catch (err) {
      reject('smokeTest.goldenSet.outputSchema', `is not a JSON Schema that compiles (${(err as Error).message})`);
    }
  }
}
