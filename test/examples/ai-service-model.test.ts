import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parseArtifact, serializeArtifact, type Artifact } from '../../examples/ai-service/artifact';
import { classify } from '../../examples/ai-service/classify';
import { PATHS, readJsonl, type GoldenCase, type LiveRow, type TrainRow } from '../../examples/ai-service/dataset';
import { UnsupportedInput } from '../../examples/ai-service/errors';
import { accuracy, predict, train } from '../../examples/ai-service/model';
import { tokenize } from '../../examples/ai-service/tokenizer';
import { goldenLabelled, MODEL_SPECS, trainModels } from '../../examples/ai-service/train';

const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);
const loadCommitted = (version: string): Artifact =>
  parseArtifact(JSON.parse(readFileSync(PATHS.model(version), 'utf8')), version);

describe('tokenizers', () => {
  it('agree on ASCII text', () => {
    // Prepare
    const text = "Hi, I can't log in to my account (error 403) since Monday!";

    // Act
    const unicode = tokenize(text, { kind: 'unicode-words' });
    const ascii = tokenize(text, { kind: 'ascii-strict' });

    // Assess
    expect(unicode).toEqual(ascii);
    expect(unicode).toContain('403');
  });

  it('unicode-words folds accents and drops emoji; ascii-strict refuses them', () => {
    // Prepare
    const text = 'Mi factura está mal 😡';

    // Act
    const tokens = tokenize(text, { kind: 'unicode-words' });
    const strict = (): string[] => tokenize(text, { kind: 'ascii-strict' });

    // Assess
    expect(tokens).toEqual(['mi', 'factura', 'esta', 'mal']);
    expect(strict).toThrow(UnsupportedInput);
    expect(strict).toThrow(/U\+00E1/);
  });
});

describe('naive Bayes', () => {
  const rows = [
    { text: 'refund my invoice', label: 'billing' },
    { text: 'invoice charged twice', label: 'billing' },
    { text: 'app crashes on start', label: 'technical' },
    { text: 'error when app opens', label: 'technical' },
  ];

  it('learns from labelled rows and answers with a probability', () => {
    // Prepare
    const artifact = train(rows, { version: 'test' });

    // Act
    const billing = predict(artifact, 'Why was my invoice charged?');
    const technical = predict(artifact, 'The app shows an error');

    // Assess
    expect(billing.label).toBe('billing');
    expect(technical.label).toBe('technical');
    for (const p of [billing, technical]) {
      expect(p.confidence).toBeGreaterThan(0.5);
      expect(p.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('ignores unknown words, including ones named like Object.prototype members', () => {
    // Prepare
    const artifact = train(rows, { version: 'test' });

    // Act
    const prediction = predict(artifact, 'constructor __proto__ toString hasOwnProperty');

    // Assess: no evidence → the (equal) priors → the first class, at 1 / classes
    expect(prediction).toEqual({ label: 'billing', confidence: 0.5 });
  });

  it('keeps only the most frequent words when maxVocabulary is set', () => {
    // Prepare / Act
    const artifact = train(rows, { version: 'test', maxVocabulary: 3 });

    // Assess
    expect(Object.keys(artifact.logLikelihoods)).toHaveLength(3);
    expect(artifact.training.vocabularySize).toBe(3);
  });
});

describe('committed model artifacts', () => {
  const versions = MODEL_SPECS.map((s) => s.options.version);
  const artifacts = Object.fromEntries(versions.map((v) => [v, loadCommitted(v)])) as Record<string, Artifact>;
  const golden = goldenLabelled(readJsonl<GoldenCase>(PATHS.goldenSet));
  const live = readJsonl<LiveRow>(PATHS.live);
  const score = (v: string): number => accuracy(artifacts[v] as Artifact, golden);

  it('are what train.ts produces from data/train.jsonl (byte for byte) and stay small', () => {
    // Prepare
    const trainRows = readJsonl<TrainRow>(PATHS.train);

    // Act
    const retrained = trainModels(trainRows);

    // Assess
    for (const artifact of retrained) {
      const committed = readFileSync(PATHS.model(artifact.version), 'utf8');
      expect(serializeArtifact(artifact)).toBe(committed);
      expect(Buffer.byteLength(committed)).toBeLessThan(200 * 1024);
    }
  });

  it('rank v2 > v1 > v3 on the golden set', () => {
    // Prepare / Act
    const [v1, v2, v3] = [score('v1'), score('v2'), score('v3')];

    // Assess
    expect(v2).toBeGreaterThan(v1);
    expect(v1).toBeGreaterThan(v3);
    expect(v2).toBeGreaterThanOrEqual(0.93);
  });

  it('v3 is worse without a single error: valid outputs on every golden and live input', () => {
    // Prepare
    const validate = new Ajv().compile(JSON.parse(readFileSync(PATHS.outputSchema, 'utf8')));

    // Act
    const outputs = [...golden, ...live].map((r) => classify(artifacts.v3 as Artifact, { text: r.text }));

    // Assess
    const invalid = outputs.filter((o) => !validate(o));
    expect(invalid).toEqual([]);
  });

  it('v4 scores like v2 on the ASCII-only golden set', () => {
    // Prepare / Act
    const [v2, v4] = [score('v2'), score('v4')];

    // Assess
    expect(Math.abs(v4 - v2)).toBeLessThanOrEqual(0.01);
  });

  it('v4 throws UnsupportedInput on the non-ASCII live inputs, v2 answers them all', () => {
    // Prepare
    const nonAscii = live.filter((r) => !isAscii(r.text));
    const errorsOf = (v: string): unknown[] =>
      live.flatMap((r) => {
        try {
          predict(artifacts[v] as Artifact, r.text);
          return [];
        } catch (error) {
          return [error];
        }
      });

    // Act
    const v2Errors = errorsOf('v2');
    const v4Errors = errorsOf('v4');

    // Assess
    expect(v2Errors).toEqual([]);
    expect(v4Errors).toHaveLength(nonAscii.length);
    expect(v4Errors.every((e) => e instanceof UnsupportedInput && e.name === 'UnsupportedInput')).toBe(true);
    expect(v4Errors.length / live.length).toBeGreaterThan(0.05);
  });

  it('list the output schema classes in the same order as every artifact', () => {
    // Prepare
    const schema = JSON.parse(readFileSync(PATHS.outputSchema, 'utf8')) as {
      properties: { label: { enum: string[] } };
    };

    // Act / Assess
    for (const v of versions) expect(artifacts[v]?.classes).toEqual(schema.properties.label.enum);
  });
});
