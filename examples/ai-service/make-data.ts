/**
 * Generates the example's dataset from ticket-templates.ts with a seeded PRNG:
 *   data/train.jsonl    training rows (batch 1 and 2)
 *   data/golden.jsonl   the golden source: held-out rows, ASCII only
 *   data/live.jsonl     what production traffic looks like, ~17 % non-ASCII
 *   golden-set.jsonl    data/golden.jsonl in the golden-set scorer's format
 *
 * Run: npx tsx examples/ai-service/make-data.ts
 * Same seed, same bytes: tests regenerate in memory and compare with the files.
 */
import { writeFileSync } from 'node:fs';
import {
  PATHS,
  toJsonl,
  type GoldenCase,
  type GoldenRow,
  type LiveRow,
  type TrainRow,
} from './dataset';
import { seededRandom, type Random } from './random';
import {
  CLASSES,
  CLOSERS,
  CONTEXT,
  FOREIGN_TEMPLATES,
  HELD_OUT_TEMPLATES,
  OPENERS,
  SLOTS,
  TEMPLATES,
  UNICODE_TOUCHES,
  type Template,
} from './ticket-templates';

export const DATA_SEED = 20240604;
export const SIZES = { trainPerClass: 120, goldenPerClass: 25, goldenHeldOutPerClass: 6, live: 400, liveNonAscii: 68 } as const;

const ASCII_ONLY = /^[\x00-\x7f]*$/;
/** Live customers use the trained phrasings and the held-out ones alike. */
const LIVE_ENGLISH_TEMPLATES = [...TEMPLATES, ...HELD_OUT_TEMPLATES];

function fillSlots(text: string, rng: Random): string {
  return text.replace(/\{(\w+)\}/g, (_, slot: string) => {
    const values = SLOTS[slot];
    if (!values) throw new Error(`template slot {${slot}} has no vocabulary`);
    return rng.pick(values);
  });
}

/** One ticket: optional greeting, the template, optional context sentence, optional sign-off. */
function ticketText(template: Template, rng: Random): string {
  const parts = [rng.pick(OPENERS), template.text, rng.pick(CONTEXT), rng.pick(CLOSERS)].filter((p) => p !== '');
  return fillSlots(parts.join(' '), rng);
}

/** Near-duplicates differ only in case or spacing; treat them as the same ticket. */
const dedupKey = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ').trim();

export interface Dataset {
  readonly train: TrainRow[];
  readonly golden: GoldenRow[];
  readonly live: LiveRow[];
  readonly goldenSet: GoldenCase[];
}

export function makeDataset(seed = DATA_SEED): Dataset {
  const rng = seededRandom(seed);
  const seen = new Set<string>();
  /** Draws until it finds a ticket no other golden/train row has (bounded, so a tiny template can't loop forever). */
  const uniqueTicket = (template: Template): string => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const text = ticketText(template, rng);
      if (!seen.has(dedupKey(text))) {
        seen.add(dedupKey(text));
        return text;
      }
    }
    throw new Error(`template "${template.text}" cannot produce another unique ticket`);
  };

  // Golden first: cycle through every training template of a class (both batches),
  // then the hand-written paraphrases that training never sees.
  const golden: GoldenRow[] = [];
  for (const label of CLASSES) {
    const seenTemplates = rng.shuffle(TEMPLATES.filter((tpl) => tpl.label === label));
    const heldOut = rng.shuffle(HELD_OUT_TEMPLATES.filter((tpl) => tpl.label === label));
    const fromSeen = SIZES.goldenPerClass - SIZES.goldenHeldOutPerClass;
    for (let i = 0; i < SIZES.goldenPerClass; i++) {
      const template = (i < fromSeen ? seenTemplates[i % seenTemplates.length] : heldOut[(i - fromSeen) % heldOut.length]) as Template;
      golden.push({ id: `${label}-${String(i + 1).padStart(3, '0')}`, text: uniqueTicket(template), label });
    }
  }

  // Train: disjoint from golden by construction (shared `seen` set).
  const trainUnordered: Omit<TrainRow, 'id'>[] = [];
  for (const label of CLASSES) {
    const templates = TEMPLATES.filter((tpl) => tpl.label === label);
    for (let i = 0; i < SIZES.trainPerClass; i++) {
      const template = rng.pick(templates);
      trainUnordered.push({ text: uniqueTicket(template), label, batch: template.batch });
    }
  }
  const train: TrainRow[] = rng
    .shuffle(trainUnordered)
    .map((row, i) => ({ id: `train-${String(i + 1).padStart(4, '0')}`, ...row }));

  // Live: English tickets like the others, plus a fixed share with non-ASCII characters.
  // Live traffic may repeat itself, so it is not deduplicated.
  const nonAsciiSlots = new Set(rng.shuffle([...Array(SIZES.live).keys()]).slice(0, SIZES.liveNonAscii));
  const live: LiveRow[] = [];
  for (let i = 0; i < SIZES.live; i++) {
    let template: Template;
    let text: string;
    if (nonAsciiSlots.has(i) && rng.chance(0.35)) {
      template = rng.pick(FOREIGN_TEMPLATES);
      text = fillSlots(template.text, rng);
    } else {
      template = rng.pick(LIVE_ENGLISH_TEMPLATES);
      text = ticketText(template, rng);
      if (nonAsciiSlots.has(i)) text = rng.pick(UNICODE_TOUCHES)(text);
    }
    // Every chosen slot must really carry a non-ASCII character, whatever the touch did.
    if (nonAsciiSlots.has(i) && ASCII_ONLY.test(text)) text = `${text} 🙂`;
    live.push({ id: `live-${String(i + 1).padStart(4, '0')}`, text, label: template.label });
  }

  const goldenSet: GoldenCase[] = golden.map((row) => ({
    id: row.id,
    input: { text: row.text },
    expect: [{ path: 'label', equals: row.label }],
  }));
  return { train, golden, live, goldenSet };
}

export function writeDataset(dataset: Dataset): void {
  writeFileSync(PATHS.train, toJsonl(dataset.train));
  writeFileSync(PATHS.golden, toJsonl(dataset.golden));
  writeFileSync(PATHS.live, toJsonl(dataset.live));
  writeFileSync(PATHS.goldenSet, toJsonl(dataset.goldenSet));
}

if (require.main === module) {
  const dataset = makeDataset();
  writeDataset(dataset);
  const nonAscii = dataset.live.filter((r) => !ASCII_ONLY.test(r.text)).length;
  console.log(
    `train ${dataset.train.length} rows, golden ${dataset.golden.length} cases, ` +
      `live ${dataset.live.length} rows (${nonAscii} non-ASCII, ${((100 * nonAscii) / dataset.live.length).toFixed(1)} %)`,
  );
}
