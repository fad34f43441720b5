import middy from '@middy/core';
import { outputSchemaValidation } from '../../middleware/output-schema';
import { classify, parseRequest, type ClassifyRequest, type ClassifyResponse } from './classify';
import { ModelNotConfigured } from './errors';
import { createArtifactLoader, type ArtifactLoader } from './load-artifact';

/**
 * Lambda entry point of the example AI service. Thin on purpose: read
 * MODEL_URI, load (cached) the artifact, validate the event, classify.
 * Cutover releases it by publishing versions whose MODEL_URI differs.
 */
export interface HandlerDeps {
  /** @default a per-process cached loader for s3://, file:// and plain paths */
  readonly loadArtifact?: ArtifactLoader;
  /** Read at every invocation, so a test can change it. @default () => process.env.MODEL_URI */
  readonly modelUri?: () => string | undefined;
}

export type ClassifyHandler = (event: ClassifyRequest, context?: unknown) => Promise<ClassifyResponse>;

export function createHandler(deps: HandlerDeps = {}): ClassifyHandler {
  const loadArtifact = deps.loadArtifact ?? createArtifactLoader();
  const modelUri = deps.modelUri ?? (() => process.env.MODEL_URI);
  return async (event) => {
    // Validate first: a bad request is the caller's error even when the model is broken.
    const request = parseRequest(event);
    const uri = modelUri();
    if (!uri) throw new ModelNotConfigured('MODEL_URI is not set: deploy the function with the model artifact URI');
    return classify(await loadArtifact(uri), request);
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const outputSchema = require('./output.schema.json') as Record<string, unknown>;

/**
 * Module scope: the artifact cache lives as long as the execution environment.
 * Every output is checked against output.schema.json and counted in the EMF
 * metric Cutover/OutputSchemaValidationFailures (dimension ExecutedVersion),
 * which Cutover's release alarm watches.
 */
export const handler = middy(createHandler()).use(outputSchemaValidation({ schema: outputSchema, onInvalid: 'pass-through' }));
