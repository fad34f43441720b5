/**
 * Trains the four committed model versions from data/train.jsonl and prints
 * their accuracy on golden-set.jsonl. Deterministic: no randomness, sorted
 * keys, rounded numbers; tests retrain in memory and compare with the files.
 *
 * Run: npx tsx examples/ai-service/train.ts
 */
import { writeFileSync } from 'node:fs';
import { serializeArtifact, type Artifact } from './artifact';
import { PATHS, readJsonl, type GoldenCase, type LiveRow, type TrainRow } from './dataset';
import { accuracy, predict, train, type LabelledText, type TrainOptions } from './model';
import { CLASSES } from './ticket-templates';

export interface ModelSpec {
  readonly options: TrainOptions;
  /** Which training rows this version saw. */
  readonly rows: (all: readonly TrainRow[]) => readonly TrainRow[];
}

/** The release story the rehearsal tells: v1 → v2 is an improvement, v3 and v4 are regressions. */
export const MODEL_SPECS: readonly ModelSpec[] = [
  {
    options: {
      version: 'v1',
      classes: CLASSES,
      description: 'Baseline: trained on the first ticket export only (batch 1); misses later phrasings.',
    },
    rows: (all) => all.filter((r) => r.batch === 1),
  },
  {
    options: {
      version: 'v2',
      classes: CLASSES,
      description: 'Retrained on both ticket exports (batch 1 + 2). The good one.',
    },
    rows: (all) => all,
  },
  {
    options: {
      version: 'v3',
      classes: CLASSES,
      maxVocabulary: 100,
      description:
        'v2 shrunk to the 100 most frequent words to make the artifact smaller. No errors, valid outputs, lower accuracy.',
    },
    rows: (all) => all,
  },
  {
    options: {
      version: 'v4',
      classes: CLASSES,
      tokenizer: { kind: 'ascii-strict' },
      description:
        'v2 with a "faster" ASCII-only tokenizer. Same answers on ASCII text; throws UnsupportedInput on accents and emoji.',
    },
    rows: (all) => all,
  },
];

export function trainModels(trainRows: readonly TrainRow[]): Artifact[] {
  return MODEL_SPECS.map((spec) => train(spec.rows(trainRows), spec.options));
}

/** The golden set as labelled texts: the `equals` of its `label` check. */
export function goldenLabelled(cases: readonly GoldenCase[]): LabelledText[] {
  return cases.map((c) => {
    const check = c.expect.find((e) => e.path === 'label');
    if (!check) throw new Error(`golden case ${c.id} has no label check`);
    return { text: c.input.text, label: check.equals };
  });
}

/** Share of texts on which predict() throws: what live traffic would see as errors. */
export function errorRate(artifact: Artifact, rows: readonly LabelledText[]): number {
  let errors = 0;
  for (const row of rows) {
    try {
      predict(artifact, row.text);
    } catch {
      errors++;
    }
  }
  return rows.length === 0 ? 0 : errors / rows.length;
}

if (require.main === module) {
  const golden = goldenLabelled(readJsonl<GoldenCase>(PATHS.goldenSet));
  const live = readJsonl<LiveRow>(PATHS.live);
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  for (const artifact of trainModels(readJsonl<TrainRow>(PATHS.train))) {
    const json = serializeArtifact(artifact);
    writeFileSync(PATHS.model(artifact.version), json);
    console.log(
      `${artifact.version}: golden-set accuracy ${accuracy(artifact, golden).toFixed(2)}; ` +
        `live accuracy ${accuracy(artifact, live).toFixed(2)}, live errors ${pct(errorRate(artifact, live))} ` +
        `(${artifact.training.rows} rows, ${artifact.training.vocabularySize} words, ` +
        `tokenizer ${artifact.tokenizer.kind}, ${(Buffer.byteLength(json) / 1024).toFixed(1)} KB)`,
    );
  }
}
