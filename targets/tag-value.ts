import { createHash } from 'node:crypto';

/** SageMaker's TagValue (botocore's sagemaker/2017-07-24 model): this pattern, at most 256 characters. */
export const SAGEMAKER_TAG_VALUE = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const MAX_TAG_VALUE = 256;
const KEPT = /^[\p{L}\p{Z}\p{N}_.:/+\-@]$/u;

/**
 * A release id as a SageMaker tag value. A release id is an execution name, which may hold characters the
 * pattern refuses (`!`, `'`, `(`, `)`, symbols, emoji): those, and `=` itself, are written `=XX` (the hex
 * of their UTF-8 bytes, as quoted-printable does), so any id fits and two ids never share a value. Past
 * 256 characters the value is cut and an 8-hex hash of the id keeps it apart.
 */
export function sagemakerTagValue(id: string): string {
  let out = '';
  for (const ch of id) {
    if (KEPT.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length <= MAX_TAG_VALUE) return out;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${out.slice(0, MAX_TAG_VALUE - hash.length - 1).replace(/=[0-9A-F]?$/, '')}-${hash}`;
}
