import { UnsupportedInput } from './errors';

/**
 * Tokenizers. Both give the same tokens on plain ASCII text, which is exactly
 * why a model using `ascii-strict` scores like one using `unicode-words` on an
 * ASCII-only golden set and still fails on real traffic.
 *
 * - `unicode-words`: NFKD, drop combining marks (é → e), lowercase, runs of
 *   letters/digits. Emoji and punctuation separate words and are dropped.
 * - `ascii-strict`: lowercase, runs of [a-z0-9]; any character outside
 *   7-bit ASCII throws `UnsupportedInput` (a "faster" tokenizer that assumed
 *   English-only tickets).
 */
export const TOKENIZER_KINDS = ['unicode-words', 'ascii-strict'] as const;
export type TokenizerKind = (typeof TOKENIZER_KINDS)[number];

export interface TokenizerOptions {
  readonly kind: TokenizerKind;
}

const NON_ASCII = /[^\x00-\x7f]/u;
const COMBINING_MARKS = /\p{M}+/gu;
const UNICODE_WORD = /[\p{L}\p{N}]+/gu;
const ASCII_WORD = /[a-z0-9]+/g;

export function tokenize(text: string, options: TokenizerOptions): string[] {
  switch (options.kind) {
    case 'unicode-words':
      return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().match(UNICODE_WORD) ?? [];
    case 'ascii-strict': {
      const offending = NON_ASCII.exec(text);
      if (offending) {
        const codePoint = offending[0].codePointAt(0) ?? 0;
        throw new UnsupportedInput(
          `ascii-strict tokenizer: non-ASCII character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at index ${offending.index}`,
        );
      }
      return text.toLowerCase().match(ASCII_WORD) ?? [];
    }
  }
}

export function isTokenizerKind(value: unknown): value is TokenizerKind {
  return typeof value === 'string' && (TOKENIZER_KINDS as readonly string[]).includes(value);
}
