import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from './atomic-file';

export const BUNDLE_DIR = 'node_modules/.cache/cutover-sandbox';

/** What the last build of one set of entries read, so that the next call can tell whether anything changed. */
interface BundleManifest {
  /** Every file esbuild read (its metafile's inputs), relative to repoRoot. */
  inputs: string[];
  /** SHA-256 of those files' paths and contents. */
  digest: string;
  outputs: string[];
  /** SHA-256 of the outputs as written: another checkout sharing node_modules (a git worktree) may overwrite them. */
  outputsDigest: string;
}

/** SHA-256 of files' paths (relative to repoRoot) and contents, in the order given. */
function digestOfContents(files: Iterable<[string, Uint8Array]>): string {
  const hash = createHash('sha256');
  for (const [file, content] of files) hash.update(file).update('\0').update(content).update('\0');
  return hash.digest('hex');
}

/** The files' digest and their newest modification time, or undefined when one of them is gone. */
function digestOf(repoRoot: string, files: string[]): { digest: string; newestMs: number } | undefined {
  let newestMs = 0;
  const contents: [string, Uint8Array][] = [];
  for (const file of files) {
    const absolute = path.resolve(repoRoot, file);
    try {
      newestMs = Math.max(newestMs, statSync(absolute).mtimeMs);
      contents.push([file, readFileSync(absolute)]);
    } catch {
      return undefined;
    }
  }
  return { digest: digestOfContents(contents), newestMs };
}

/**
 * Bundle Lambda handlers with esbuild into one CommonJS file each, as the
 * CDK's NodejsFunction does for Lambda. A bundled file loads in a fraction of
 * the time the TypeScript sources take module by module, which keeps the
 * sandbox's cold starts short. `entries` maps an output name (relative to
 * BUNDLE_DIR, without extension) to a TypeScript entry (relative to repoRoot).
 */
export async function bundle(repoRoot: string, entries: Record<string, string>): Promise<{ built: boolean }> {
  const outdir = path.join(repoRoot, BUNDLE_DIR);
  const options: BuildOptions = {
    entryPoints: Object.fromEntries(Object.entries(entries).map(([out, entry]) => [out, path.join(repoRoot, entry)])),
    outdir,
    absWorkingDir: repoRoot,
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
    metafile: true,
  };
  // Bundling takes both cores for about 4 s, and every sandbox stack (each e2e test file, npm start) asks for
  // the same bundles: rebuild only when a file the last build read, the options or esbuild changed.
  const key = createHash('sha256').update(esbuildVersion).update(JSON.stringify(options)).digest('hex').slice(0, 16);
  const manifestFile = path.join(outdir, `.manifest-${key}.json`);
  try {
    const last = JSON.parse(readFileSync(manifestFile, 'utf8')) as BundleManifest;
    if (digestOf(repoRoot, last.outputs)?.digest === last.outputsDigest && digestOf(repoRoot, last.inputs)?.digest === last.digest) return { built: false };
  } catch {
    // No manifest yet, or an unreadable one: build.
  }
  const startedMs = Date.now();
  const out = await build(options);
  // Several processes (parallel test files) bundle into the same directory while others load the
  // bundles: write each file beside its place and rename it there, so a reader sees a whole file.
  const written = (out.outputFiles ?? []).map((f) => [path.relative(repoRoot, f.path), f.contents] as [string, Uint8Array]).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [file, contents] of written) writeFileAtomically(path.resolve(repoRoot, file), contents);
  const inputs = Object.keys(out.metafile?.inputs ?? {}).sort();
  const now = digestOf(repoRoot, inputs);
  // A file changed while esbuild ran may not be in the bundle as it is now: no manifest, so the next call builds again.
  if (now && now.newestMs < startedMs - 1000) {
    const manifest: BundleManifest = { inputs, digest: now.digest, outputs: written.map(([file]) => file), outputsDigest: digestOfContents(written) };
    writeFileAtomically(manifestFile, JSON.stringify(manifest));
  }
  return { built: true };
}

/** The orchestrator's handlers, the trigger's and the example service; returns where they are, relative to repoRoot. */
export async function bundleForSandbox(repoRoot: string): Promise<{ functionsDir: string; triggersDir: string; exampleHandler: string }> {
  const functionsDir = path.join(repoRoot, 'functions');
  const folders = readdirSync(functionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(functionsDir, d.name, 'handler.ts')))
    .map((d) => d.name);
  await bundle(repoRoot, {
    ...Object.fromEntries(folders.map((f) => [`functions/${f}/handler`, `functions/${f}/handler.ts`])),
    'triggers/start-release/handler': 'triggers/start-release/handler.ts',
    'examples/ai-service/handler': 'examples/ai-service/handler.ts',
  });
  return { functionsDir: `${BUNDLE_DIR}/functions`, triggersDir: `${BUNDLE_DIR}/triggers`, exampleHandler: `${BUNDLE_DIR}/examples/ai-service/handler.handler` };
}
