import { createHash } from 'node:crypto';

/**
 * A name for something a release creates, derived from the release id (the
 * execution name), so that a retried Task finds what its first attempt made.
 * Characters outside `allowed` become `-`; when the result had to change or
 * be cut to `max`, an 8-hex hash of the id keeps two releases apart.
 */
export function releaseScopedName(prefix: string, releaseId: string, options: { max: number; suffix?: string; allowed?: RegExp }): string {
  const allowed = options.allowed ?? /[A-Za-z0-9-]/;
  const suffix = options.suffix ? `-${options.suffix}` : '';
  const cleaned = [...releaseId].map((c) => (allowed.test(c) ? c : '-')).join('').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const plain = `${prefix}${cleaned}${suffix}`;
  if (cleaned === releaseId && plain.length <= options.max) return plain;
  const hash = createHash('sha256').update(releaseId).digest('hex').slice(0, 8);
  const room = options.max - prefix.length - suffix.length - hash.length - 1;
  const head = cleaned.slice(0, Math.max(0, room)).replace(/-$/, '');
  return `${prefix}${head ? `${head}-` : ''}${hash}${suffix}`;
}
