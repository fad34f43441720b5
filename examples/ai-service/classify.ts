import type { Artifact } from './artifact';
import { InvalidRequest } from './errors';
import { predict } from './model';

/** The service's request and response: what golden-set.jsonl and output.schema.json describe. */
export interface ClassifyRequest {
  readonly text: string;
}

export interface ClassifyResponse {
  readonly label: string;
  readonly confidence: number;
  readonly modelVersion: string;
}

export const MAX_TEXT_LENGTH = 10_000;

/** Checks the event before any model work; the message names the field, never echoes the text. */
export function parseRequest(event: unknown): ClassifyRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidRequest('the event must be a JSON object like {"text": "..."}');
  }
  const text = (event as { text?: unknown }).text;
  if (typeof text !== 'string') throw new InvalidRequest('"text" must be a string');
  if (text.trim().length === 0) throw new InvalidRequest('"text" must not be empty');
  if (text.length > MAX_TEXT_LENGTH) {
    throw new InvalidRequest(`"text" must be at most ${MAX_TEXT_LENGTH} characters (got ${text.length})`);
  }
  return { text };
}

/** The whole service, minus I/O. Throws UnsupportedInput when the model's tokenizer refuses the text. */
export function classify(artifact: Artifact, request: ClassifyRequest): ClassifyResponse {
  const { label, confidence } = predict(artifact, request.text);
  return { label, confidence, modelVersion: artifact.version };
}
