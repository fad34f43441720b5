import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj, Request } from '@middy/core';
import { CutoverError } from '../core/errors';
import { compileOutputSchema, type JsonSchema } from '../core/quality/json-schema';

/**
 * Middy middleware for the AI service itself: check every response against
 * the output JSON Schema and count the ones that do not match, per version.
 *
 * Cutover's release alarm is `OutputSchemaValidationFailures > 0` (Sum) on
 * the green version, so the metric is the contract:
 *
 * - namespace: `namespace` (default `Cutover`), or the given `metrics`' own
 * - name: `OutputSchemaValidationFailures`, unit Count
 * - dimensions: exactly `FunctionName` and `ExecutedVersion` (the Lambda
 *   context's `functionVersion`, i.e. the version an alias routed to). The
 *   default dimensions of a given `metrics` (and Powertools' `service`) are
 *   left out on purpose: the alarm must name every dimension, and it cannot
 *   know the service's.
 * - value: 1 for an invalid response, and 0 for a valid one (`emitOnSuccess`).
 *   Emitting 0 gives the alarm data points when all is well: without them it
 *   sits in INSUFFICIENT_DATA, which Cutover reads as "not proven healthy".
 *
 * The data point is published at once (a Powertools single metric, flushed
 * with publishStoredMetrics in the same invocation) and never mixes with the
 * service's own buffered metrics.
 *
 * A handler that throws has no output to check: nothing is published (the
 * Lambda `Errors` metric already counts it).
 *
 * Middy runs `after` from the last `use` to the first: register this one
 * after serializers (e.g. http-response-serializer) so it sees the object,
 * or pass `select` to pick the part to check.
 */
export interface OutputSchemaValidationOptions {
  /** JSON Schema of the output (draft-07, or 2019-09 / 2020-12 named in `$schema`). */
  schema: JsonSchema;
  /** A Powertools Metrics to take the namespace and logger from. */
  metrics?: Metrics;
  /** What to do with an invalid output. @default 'pass-through' */
  onInvalid?: 'pass-through' | 'error';
  /** Namespace when `metrics` is not given. @default 'Cutover' */
  namespace?: string;
  /** The part of the response to check, e.g. `(r) => JSON.parse(r.body)`. @default the response */
  select?: (response: unknown) => unknown;
  /** Publish 0 for a valid output, so the alarm has data. @default true */
  emitOnSuccess?: boolean;
}

export const OUTPUT_SCHEMA_METRIC = 'OutputSchemaValidationFailures';
export const DEFAULT_OUTPUT_SCHEMA_NAMESPACE = 'Cutover';

/** The service's output does not match its JSON Schema (only with `onInvalid: 'error'`). */
export class OutputSchemaInvalid extends CutoverError {
  public readonly name = 'OutputSchemaInvalid';
  public constructor(
    message: string,
    public readonly errors: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const defaults = {
  metrics: undefined as Metrics | undefined,
  onInvalid: 'pass-through' as 'pass-through' | 'error',
  namespace: DEFAULT_OUTPUT_SCHEMA_NAMESPACE,
  select: (response: unknown): unknown => response,
  emitOnSuccess: true,
};

// Generic like middy's own middlewares, so `.use()` does not narrow the handler's event to `unknown`.
export function outputSchemaValidation<TEvent = any, TResult = any>(opts: OutputSchemaValidationOptions): MiddlewareObj<TEvent, TResult> {
  const options: typeof defaults & { schema: JsonSchema } = { ...defaults, ...stripUndefined(opts), schema: opts.schema };
  // Compiled at init: a schema that does not compile fails the cold start, not every request.
  const validate = compileOutputSchema(options.schema);
  // One single-metric instance: every addMetric publishes at once and clears the per-request dimensions.
  const single = options.metrics ? options.metrics.singleMetric() : new Metrics({ namespace: options.namespace, singleMetric: true });
  single.clearDefaultDimensions();

  const emit = (request: Request<TEvent, TResult>, value: 0 | 1): void => {
    try {
      single.addDimensions({ FunctionName: request.context.functionName, ExecutedVersion: request.context.functionVersion });
      single.addMetric(OUTPUT_SCHEMA_METRIC, MetricUnit.Count, value);
    } catch (err) {
      // Observability must not fail the response it observes.
      console.warn(`${OUTPUT_SCHEMA_METRIC} could not be published: ${(err as Error).message}`);
    }
  };

  const after = (request: Request<TEvent, TResult>): void => {
    const result = checkResponse(request.response);
    if (result.valid) {
      if (options.emitOnSuccess) emit(request, 0);
      return;
    }
    emit(request, 1);
    if (options.onInvalid === 'error') {
      throw new OutputSchemaInvalid(`output does not match its JSON Schema: ${result.errors}`, result.errors);
    }
  };

  const checkResponse = (response: unknown): { valid: boolean; errors: string } => {
    let selected: unknown;
    try {
      selected = options.select(response);
    } catch (err) {
      // e.g. a body that is not JSON: as invalid as an output can be.
      return { valid: false, errors: `the output could not be read: ${(err as Error).message}` };
    }
    return validate(selected);
  };

  return { name: 'outputSchemaValidation', after };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
