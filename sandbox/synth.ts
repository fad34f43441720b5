/**
 * `cdk synth` in process, for the sandbox: the CloudFormation template of the
 * ready stack (infra/cutover-stack.ts) or of a user's own stack, with asset
 * bundling skipped (the sandbox bundles the handlers itself, sandbox/bundle.ts)
 * and the state machine's definition asset read back into the template.
 *
 * A cold synth loads aws-cdk-lib and builds the construct tree (seconds); the
 * result is cached under node_modules/.cache/cutover-sandbox/templates/ by a
 * hash of its inputs: infra/**\/*.ts, the core/, targets/ and triggers/
 * modules infra imports, statemachine/*.asl.json,
 * package-lock.json, the stack module (for a user's own stack), its props and
 * the context. aws-cdk-lib is required only on a miss.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from './atomic-file';
import { BUNDLE_DIR } from './bundle';

/** A CloudFormation template, as JSON. */
export interface CfnTemplate {
  Parameters?: Record<string, { Type: string; Default?: string }>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/**
 * Which stack to synthesize. Default: the ready stack `CutoverStack` (id
 * `Cutover`, environment-agnostic) with `context` as `cdk synth -c` gives it
 * (managedFunctions, managedEndpoints, managedStages, sagemakerExecutionRoleArns, …).
 */
export interface StackSource {
  /**
   * A user's own stack: a module (relative to repoRoot) whose export `build(app, props)`
   * adds one stack holding a ReleaseOrchestrator to the app and returns it.
   * @default - the ready stack CutoverStack
   */
  readonly module?: string;
  /** @default 'build' */
  readonly exportName?: string;
  /** JSON props for `build` (part of the cache key). */
  readonly props?: unknown;
  /** CDK context, like `cdk synth -c key=value` (part of the cache key). */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Whether it came from the cache. */
  readonly cached: boolean;
  /** Wall time of the synthesis or of the cache read. */
  readonly ms: number;
}

export const TEMPLATE_CACHE_DIR = `${BUNDLE_DIR}/templates`;
const SYNTH_FORMAT = 1;

/** The files a synthesis reads from this repository (besides node_modules, which package-lock.json stands for). */
function inputFiles(repoRoot: string, source: StackSource): string[] {
  const walk = (dir: string, keep: (f: string) => boolean): string[] =>
    existsSync(path.join(repoRoot, dir))
      ? readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((d) =>
          d.isDirectory() ? walk(path.join(dir, d.name), keep) : keep(d.name) ? [path.join(dir, d.name)] : [],
        )
      : [];
  const ts = (f: string) => f.endsWith('.ts') && !f.endsWith('.test.ts');
  return [
    ...walk('infra', ts),
    ...walk('core', ts),
    ...walk('targets', ts),
    ...walk('triggers', ts),
    ...walk('statemachine', (f) => f.endsWith('.asl.json')),
    'package-lock.json',
    ...(source.module ? [source.module] : []),
  ].sort();
}

/** The cache key: a hash of every input of the synthesis. */
export function synthKey(repoRoot: string, source: StackSource): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format: SYNTH_FORMAT, module: source.module, exportName: source.exportName, props: source.props ?? null, context: source.context ?? {} }));
  for (const file of inputFiles(repoRoot, source)) {
    hash.update(`\0${file}\0`);
    if (existsSync(path.join(repoRoot, file))) hash.update(readFileSync(path.join(repoRoot, file)));
  }
  return hash.digest('hex').slice(0, 32);
}

/** The template of the stack, from the cache when its inputs are unchanged. */
export function synthesizeStack(repoRoot: string, source: StackSource = {}): SynthesizedStack {
  const started = performance.now();
  const file = path.join(repoRoot, TEMPLATE_CACHE_DIR, `${synthKey(repoRoot, source)}.json`);
  const cached = (): SynthesizedStack | undefined => {
    if (!existsSync(file)) return undefined;
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { stackName: string; template: CfnTemplate };
    return { ...entry, cached: true, ms: performance.now() - started };
  };
  const hit = cached();
  if (hit) return hit;
  // Parallel test files often need the same stack at once: one synthesizes, the others wait for its file.
  mkdirSync(path.dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  if (!takeLock(lock)) {
    const waited = waitFor(cached, lock);
    if (waited) return waited;
  }
  try {
    const entry = synthesizeNow(repoRoot, source);
    writeFileAtomically(file, JSON.stringify(entry));
    return { ...entry, cached: false, ms: performance.now() - started };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A synthesis that has not finished in this long is taken for dead (its process crashed): its lock is taken over. */
const STALE_LOCK_MS = 120_000;

function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    return false;
  }
}

/** Sleeps without an event loop turn (synthesizeStack is synchronous, as the CDK's synth is). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits for the lock holder's template; undefined when the lock went stale or vanished without one (then this process synthesizes, holding the lock). */
function waitFor(cached: () => SynthesizedStack | undefined, lock: string): SynthesizedStack | undefined {
  for (;;) {
    sleepSync(100);
    const hit = cached();
    if (hit) return hit;
    let age: number;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      if (takeLock(lock)) return undefined; // released without a template (its synthesis failed): try here
      continue;
    }
    if (age > STALE_LOCK_MS) {
      rmSync(lock, { recursive: true, force: true });
      if (takeLock(lock)) return undefined;
    }
  }
}

function synthesizeNow(repoRoot: string, source: StackSource): { stackName: string; template: CfnTemplate } {
  // Required here, not imported: a cache hit never loads aws-cdk-lib (about 2 s).
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const outdir = mkdtempSync(path.join(tmpdir(), 'cutover-synth-'));
  try {
    const app = new App({
      outdir,
      context: {
        ...source.context,
        // NodejsFunction bundles nothing for the stacks named here: none.
        'aws:cdk:bundling-stacks': [],
        // `Metadata: { aws:cdk:path }` on each resource: how the deployer finds a function's Task.
        'aws:cdk:enable-path-metadata': true,
      },
    });
    let stackName: string;
    if (source.module) {
      const mod = require(path.join(repoRoot, source.module)) as Record<string, unknown>;
      const build = mod[source.exportName ?? 'build'];
      if (typeof build !== 'function') throw new Error(`synthesizeStack: ${source.module} exports no function ${source.exportName ?? 'build'}(app, props)`);
      stackName = (build as (app: unknown, props: unknown) => { stackName: string })(app, source.props).stackName;
    } else {
      const { CutoverStack } = require(path.join(repoRoot, 'infra/cutover-stack')) as typeof import('../infra/cutover-stack');
      stackName = new CutoverStack(app, 'Cutover').stackName;
    }
    const assembly = app.synth();
    const template = assembly.getStackByName(stackName).template as CfnTemplate;
    inlineDefinitions(template, assembly.directory);
    return { stackName, template };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * `DefinitionBody.fromFile` makes the state machine's definition a file asset
 * (`DefinitionS3Location`, uploaded by `cdk deploy`): put the staged file's
 * text back as `DefinitionString`, what CloudFormation reads from S3.
 */
function inlineDefinitions(template: CfnTemplate, assemblyDir: string): void {
  for (const [id, resource] of Object.entries(template.Resources)) {
    const location = resource.Properties?.DefinitionS3Location as { Key?: unknown } | undefined;
    if (resource.Type !== 'AWS::StepFunctions::StateMachine' || !location) continue;
    const staged = path.join(assemblyDir, `asset.${String(location.Key)}`);
    if (typeof location.Key !== 'string' || !existsSync(staged)) throw new Error(`synthesizeStack: ${id}'s DefinitionS3Location ${JSON.stringify(location)} is no staged asset of the assembly`);
    const { DefinitionS3Location: _asset, ...rest } = resource.Properties as Record<string, unknown>;
    resource.Properties = { ...rest, DefinitionString: readFileSync(staged, 'utf8') };
  }
}
