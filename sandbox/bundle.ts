import { build } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const BUNDLE_DIR = 'node_modules/.cache/cutover-sandbox';

/**
 * Bundle Lambda handlers with esbuild into one CommonJS file each, as the
 * CDK's NodejsFunction does for Lambda. A bundled file loads in a fraction of
 * the time the TypeScript sources take module by module, which keeps the
 * sandbox's cold starts short. `entries` maps an output name (relative to
 * BUNDLE_DIR, without extension) to a TypeScript entry (relative to repoRoot).
 */
export async function bundle(repoRoot: string, entries: Record<string, string>): Promise<void> {
  const out = await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([out, entry]) => [out, path.join(repoRoot, entry)])),
    outdir: path.join(repoRoot, BUNDLE_DIR),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // @middy/core 6 ships ESM only: prefer the module entry, esbuild converts it.
    mainFields: ['module', 'main'],
    keepNames: true, // ErrorEquals matches error.name
    // import() becomes require(): the worker loads a bundle through a V8 code cache (runtime/code-cache.ts), and on
    // Node 20 a script compiled from a cache cannot import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
    supported: { 'dynamic-import': false },
    logLevel: 'warning',
    write: false,
  });
  // Several processes (parallel test files) bundle into the same directory while others load the
  // bundles: write each file beside its place and rename it there, so a reader sees a whole file.
  for (const file of out.outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${randomUUID()}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}

/** The orchestrator's handlers and the example service; returns where the orchestrator's functions are, relative to repoRoot. */
export async function bundleForSandbox(repoRoot: string): Promise<{ functionsDir: string; exampleHandler: string }> {
  const functionsDir = path.join(repoRoot, 'functions');
  const folders = readdirSync(functionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(functionsDir, d.name, 'handler.ts')))
    .map((d) => d.name);
  await bundle(repoRoot, {
    ...Object.fromEntries(folders.map((f) => [`functions/${f}/handler`, `functions/${f}/handler.ts`])),
    'examples/ai-service/handler': 'examples/ai-service/handler.ts',
  });
  return { functionsDir: `${BUNDLE_DIR}/functions`, exampleHandler: `${BUNDLE_DIR}/examples/ai-service/handler.handler` };
}
