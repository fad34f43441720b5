import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the example's committed files live, so scripts and tests agree. */
export const SERVICE_DIR = __dirname;
export const DATA_DIR = join(SERVICE_DIR, 'data');
export const MODELS_DIR = join(SERVICE_DIR, 'models');
export const PATHS = {
  train: join(DATA_DIR, 'train.jsonl'),
  golden: join(DATA_DIR, 'golden.jsonl'),
  live: join(DATA_DIR, 'live.jsonl'),
  goldenSet: join(SERVICE_DIR, 'golden-set.jsonl'),
  outputSchema: join(SERVICE_DIR, 'output.schema.json'),
  model: (version: string): string => join(MODELS_DIR, `${version}.json`),
} as const;

export interface TrainRow {
  readonly id: string;
  readonly text: string;
  readonly label: string;
  /** 1: first ticket export; 2: later phrasings (see ticket-templates.ts). */
  readonly batch: 1 | 2;
}

export interface GoldenRow {
  readonly id: string;
  readonly text: string;
  readonly label: string;
}

export interface LiveRow {
  readonly id: string;
  readonly text: string;
  /** What a person would file it under; the service never sees it. */
  readonly label: string;
}

/** One case of golden-set.jsonl, in the format Cutover's golden-set scorer reads. */
export interface GoldenCase {
  readonly id: string;
  readonly input: { readonly text: string };
  readonly expect: readonly { readonly path: string; readonly equals: string }[];
}

export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export function parseJsonl<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

export function readJsonl<T>(path: string): T[] {
  return parseJsonl<T>(readFileSync(path, 'utf8'));
}
