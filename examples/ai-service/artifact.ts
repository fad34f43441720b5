import { InvalidArtifact } from './errors';
import { isTokenizerKind, type TokenizerOptions } from './tokenizer';

/**
 * The model artifact: a JSON file, small enough to read in a diff. Everything
 * predict() needs is in it, including the tokenizer options, because a change
 * of tokenizer is a change of model (see v4 in train.ts).
 */
export const ARTIFACT_FORMAT = 'naive-bayes';
export const ARTIFACT_FORMAT_VERSION = 1;

export interface Artifact {
  readonly format: typeof ARTIFACT_FORMAT;
  readonly formatVersion: typeof ARTIFACT_FORMAT_VERSION;
  /** The model version reported by the service as `modelVersion` ("v2"). */
  readonly version: string;
  /** Why this version exists and what it was trained on (for people, not for predict). */
  readonly description: string;
  readonly tokenizer: TokenizerOptions;
  /** Class labels; every per-class array below is in this order. */
  readonly classes: readonly string[];
  /** ln P(class). */
  readonly logPriors: readonly number[];
  /** token → ln P(token | class) per class, Laplace-smoothed. Tokens not listed are ignored. */
  readonly logLikelihoods: Readonly<Record<string, readonly number[]>>;
  readonly training: {
    readonly rows: number;
    readonly alpha: number;
    readonly vocabularySize: number;
    readonly maxVocabulary: number | null;
  };
}

/** Checks the shape of a parsed artifact; throws InvalidArtifact with the first problem found. */
export function parseArtifact(value: unknown, source = 'artifact'): Artifact {
  const fail = (problem: string): never => {
    throw new InvalidArtifact(`${source}: ${problem}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const a = value as Record<string, unknown>;
  if (a.format !== ARTIFACT_FORMAT) return fail(`format must be "${ARTIFACT_FORMAT}", got ${JSON.stringify(a.format)}`);
  if (a.formatVersion !== ARTIFACT_FORMAT_VERSION) return fail(`unsupported formatVersion ${JSON.stringify(a.formatVersion)}`);
  if (typeof a.version !== 'string' || a.version.length === 0) return fail('version must be a non-empty string');
  const tokenizer = a.tokenizer as Record<string, unknown> | undefined;
  if (!tokenizer || !isTokenizerKind(tokenizer.kind)) return fail('tokenizer.kind is missing or unknown');
  const classes = a.classes;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) {
    return fail('classes must be at least two strings');
  }
  const isVector = (v: unknown): boolean =>
    Array.isArray(v) && v.length === classes.length && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!isVector(a.logPriors)) return fail('logPriors must hold one finite number per class');
  const likelihoods = a.logLikelihoods;
  if (typeof likelihoods !== 'object' || likelihoods === null) return fail('logLikelihoods must be an object');
  for (const [token, vector] of Object.entries(likelihoods)) {
    if (!isVector(vector)) return fail(`logLikelihoods["${token}"] must hold one finite number per class`);
  }
  return value as unknown as Artifact;
}

/** Pretty JSON with each number vector on one line: one token per line, readable in a diff. */
export function serializeArtifact(artifact: Artifact): string {
  return (
    JSON.stringify(artifact, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, inner: string) =>
      `[${inner.split(/,\s+/).join(', ')}]`,
    ) + '\n'
  );
}
