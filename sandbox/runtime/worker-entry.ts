/**
 * The file a Lambda execution environment's worker thread starts from: the
 * TypeScript worker (lambda-worker.ts), compiled with esbuild once per process
 * into the sandbox's cache. Worker threads do not inherit the parent's
 * TypeScript loader, and registering tsx and compiling the worker in every new
 * environment was a quarter of a worker's start-up CPU; tsx is now loaded only
 * for a handler that is not one of the sandbox's own bundles.
 */
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file';
import { BUNDLE_DIR } from '../bundle';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
let entry: string | undefined;

export function workerEntry(): string {
  if (entry) return entry;
  const out = buildSync({
    entryPoints: [path.join(__dirname, 'lambda-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // tsx is loaded at run time, only when a handler needs it.
    external: ['tsx'],
    write: false,
    logLevel: 'silent',
  });
  const text = (out.outputFiles[0] as { text: string }).text;
  // Named by content: a checkout with other sources (a worktree sharing node_modules) gets its own file.
  const file = path.join(REPO_ROOT, BUNDLE_DIR, 'runtime', `lambda-worker.${createHash('sha256').update(text).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(file)) writeFileAtomically(file, text);
  entry = file;
  return file;
}
