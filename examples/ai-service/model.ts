import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, type Artifact } from './artifact';
import { tokenize, type TokenizerOptions } from './tokenizer';

/**
 * Multinomial naive Bayes over lowercase word counts, with Laplace smoothing.
 * Pure functions: train() turns labelled rows into an Artifact, predict()
 * scores one text against it. Nothing here reads files or the network.
 */

export interface LabelledText {
  readonly text: string;
  readonly label: string;
}

export interface TrainOptions {
  /** Model version written into the artifact and reported by the service ("v2"). */
  readonly version: string;
  readonly description?: string;
  /** Class order in the artifact; @default the sorted labels found in the rows */
  readonly classes?: readonly string[];
  /** @default { kind: 'unicode-words' } */
  readonly tokenizer?: TokenizerOptions;
  /** Laplace (add-alpha) smoothing. @default 1 */
  readonly alpha?: number;
  /** Keep only the N most frequent tokens (ties: alphabetical). @default null (keep all) */
  readonly maxVocabulary?: number | null;
}

export interface Prediction {
  readonly label: string;
  /** Posterior probability of `label`, in [0, 1]. */
  readonly confidence: number;
}

/** Six decimals keep the artifacts small and byte-stable across runs and machines. */
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function train(rows: readonly LabelledText[], options: TrainOptions): Artifact {
  const tokenizer = options.tokenizer ?? { kind: 'unicode-words' };
  const alpha = options.alpha ?? 1;
  const maxVocabulary = options.maxVocabulary ?? null;
  const classes = options.classes ?? [...new Set(rows.map((r) => r.label))].sort();
  if (rows.length === 0) throw new RangeError('train: no rows');
  if (classes.length < 2) throw new RangeError('train: need at least two classes');
  if (!(alpha > 0)) throw new RangeError('train: alpha must be > 0');

  const classIndex = new Map(classes.map((c, i) => [c, i] as const));
  const docCounts = classes.map(() => 0);
  // token → count per class; a Map, so tokens such as "constructor" are plain keys.
  const counts = new Map<string, number[]>();
  for (const row of rows) {
    const c = classIndex.get(row.label);
    if (c === undefined) throw new RangeError(`train: label "${row.label}" is not one of ${classes.join(', ')}`);
    docCounts[c] = (docCounts[c] ?? 0) + 1;
    for (const token of tokenize(row.text, tokenizer)) {
      let perClass = counts.get(token);
      if (!perClass) counts.set(token, (perClass = classes.map(() => 0)));
      perClass[c] = (perClass[c] ?? 0) + 1;
    }
  }

  const total = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0);
  let vocabulary = [...counts.keys()].sort();
  if (maxVocabulary !== null && vocabulary.length > maxVocabulary) {
    vocabulary = vocabulary
      .map((t) => ({ t, n: total(counts.get(t) ?? []) }))
      .sort((x, y) => y.n - x.n || (x.t < y.t ? -1 : 1))
      .slice(0, maxVocabulary)
      .map((x) => x.t)
      .sort();
  }

  const tokensPerClass = classes.map((_, c) => vocabulary.reduce((s, t) => s + (counts.get(t)?.[c] ?? 0), 0));
  const logLikelihoods: Record<string, number[]> = {};
  for (const token of vocabulary) {
    const perClass = counts.get(token) ?? [];
    logLikelihoods[token] = classes.map((_, c) =>
      round6(Math.log(((perClass[c] ?? 0) + alpha) / ((tokensPerClass[c] ?? 0) + alpha * vocabulary.length))),
    );
  }

  return {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    version: options.version,
    description: options.description ?? '',
    tokenizer,
    classes,
    // An unseen class would get ln 0 = -Infinity; give it one pseudo-document instead.
    logPriors: docCounts.map((n) => round6(Math.log(Math.max(n, 1) / rows.length))),
    logLikelihoods,
    training: { rows: rows.length, alpha, vocabularySize: vocabulary.length, maxVocabulary },
  };
}

/** Throws UnsupportedInput when the artifact's tokenizer refuses the text (ascii-strict). */
export function predict(artifact: Artifact, text: string): Prediction {
  const scores = [...artifact.logPriors];
  for (const token of tokenize(text, artifact.tokenizer)) {
    // Words never seen in training carry no evidence: skip them, as multinomial NB does.
    if (!Object.hasOwn(artifact.logLikelihoods, token)) continue;
    const vector = artifact.logLikelihoods[token] ?? [];
    for (let c = 0; c < scores.length; c++) scores[c] = (scores[c] ?? 0) + (vector[c] ?? 0);
  }
  // Softmax with the max subtracted, so long texts do not underflow to 0/0.
  let best = 0;
  for (let c = 1; c < scores.length; c++) if ((scores[c] ?? -Infinity) > (scores[best] ?? -Infinity)) best = c;
  const top = scores[best] ?? 0;
  const sum = scores.reduce((s, x) => s + Math.exp(x - top), 0);
  return {
    label: artifact.classes[best] ?? '',
    confidence: Math.min(1, Math.max(0, Math.round((1 / sum) * 1e4) / 1e4)),
  };
}

/** Share of rows whose predicted label equals the expected one. Errors count as wrong. */
export function accuracy(artifact: Artifact, rows: readonly LabelledText[]): number {
  if (rows.length === 0) return 0;
  let correct = 0;
  for (const row of rows) {
    try {
      if (predict(artifact, row.text).label === row.label) correct++;
    } catch {
      // a model that throws on an input got it wrong
    }
  }
  return correct / rows.length;
}
