import { readFileSync } from 'node:fs';
import {
  PATHS,
  parseJsonl,
  readJsonl,
  toJsonl,
  type GoldenCase,
  type GoldenRow,
  type LiveRow,
  type TrainRow,
} from '../../examples/ai-service/dataset';
import { makeDataset } from '../../examples/ai-service/make-data';
import { CLASSES } from '../../examples/ai-service/ticket-templates';

const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);
const key = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ').trim();

describe('ai-service dataset', () => {
  const train = readJsonl<TrainRow>(PATHS.train);
  const golden = readJsonl<GoldenRow>(PATHS.golden);
  const live = readJsonl<LiveRow>(PATHS.live);
  const goldenSet = readJsonl<GoldenCase>(PATHS.goldenSet);

  it('regenerates byte for byte from the seed (the committed files are make-data.ts output)', () => {
    // Prepare
    const committed = [PATHS.train, PATHS.golden, PATHS.live, PATHS.goldenSet].map((p) => readFileSync(p, 'utf8'));

    // Act
    const regenerated = makeDataset();

    // Assess
    expect([
      toJsonl(regenerated.train),
      toJsonl(regenerated.golden),
      toJsonl(regenerated.live),
      toJsonl(regenerated.goldenSet),
    ]).toEqual(committed);
  });

  it('has a few hundred training rows over the four classes', () => {
    // Prepare / Act
    const labels = new Set(train.map((r) => r.label));

    // Assess
    expect(train.length).toBeGreaterThanOrEqual(200);
    expect([...labels].sort()).toEqual([...CLASSES]);
    expect(train.every((r) => isAscii(r.text))).toBe(true);
  });

  it('keeps the golden set ASCII-only, sized 60-120, with unique ids, and disjoint from train', () => {
    // Prepare
    const trainTexts = new Set(train.map((r) => key(r.text)));

    // Act
    const overlapping = golden.filter((r) => trainTexts.has(key(r.text)));

    // Assess
    expect(golden.length).toBeGreaterThanOrEqual(60);
    expect(golden.length).toBeLessThanOrEqual(120);
    expect(new Set(golden.map((r) => r.id)).size).toBe(golden.length);
    expect(golden.every((r) => isAscii(r.text))).toBe(true);
    expect(overlapping).toEqual([]);
  });

  it('writes golden-set.jsonl in the scorer format, one label check per case, matching the golden source', () => {
    // Prepare
    const raw = readFileSync(PATHS.goldenSet, 'utf8');

    // Act
    const cases = parseJsonl<Record<string, unknown>>(raw);

    // Assess
    expect(cases).toHaveLength(golden.length);
    cases.forEach((c, i) => {
      expect(Object.keys(c).sort()).toEqual(['expect', 'id', 'input']);
      expect(c).toEqual({
        id: golden[i]?.id,
        input: { text: golden[i]?.text },
        expect: [{ path: 'label', equals: golden[i]?.label }],
      });
    });
    expect(goldenSet.every((c) => (CLASSES as readonly string[]).includes(c.expect[0]?.equals ?? ''))).toBe(true);
  });

  it('gives live traffic the inputs the golden set lacks: 15-20 % non-ASCII', () => {
    // Prepare / Act
    const nonAscii = live.filter((r) => !isAscii(r.text)).length / live.length;

    // Assess
    expect(nonAscii).toBeGreaterThanOrEqual(0.15);
    expect(nonAscii).toBeLessThanOrEqual(0.2);
  });
});
