import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a file beside its place and renames it there: the sandbox's caches
 * (bundles, templates, V8 code caches) are written by one process while
 * parallel test files read them, and a reader must never see half a file.
 */
export function writeFileAtomically(file: string, contents: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}
