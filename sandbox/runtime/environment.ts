/**
 * A Lambda execution environment as a worker thread, with its version's own
 * environment variables, so two versions with a different MODEL_URI run side
 * by side. It starts on first use, is reused, serves one invocation at a time,
 * and is replaced after a timeout or a crash (as Lambda replaces a broken
 * environment). environment-pool.ts keeps as many per version as are busy.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ClockState, VirtualClock } from '../clock';
import type { FromWorker, InvokeContext, LambdaErrorPayload, ToWorker, WorkerData } from './messages';
import { workerEntry } from './worker-entry';

/** Cold start (module load) must finish within this wall time. */
const INIT_TIMEOUT_MS = 60_000;
const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

export interface EnvironmentSpec {
  functionName: string;
  version: string;
  /** Lambda `Handler` setting: `<module path>.<export>`, module path relative to repoRoot (or absolute). */
  handler: string;
  env: Record<string, string>;
  timeoutSeconds: number;
}

export type InvocationOutcome =
  | { ok: true; payload: string; logs: string; durationMs: number }
  | { ok: false; error: LambdaErrorPayload; logs: string; durationMs: number };

/** Splits a Handler setting into the module file (if found) and the export path. */
export function resolveHandler(handler: string, repoRoot: string): { file: string | undefined; exportPath: string } {
  // The module part may contain dots in directory names, so try every split from the right.
  const segments = handler.split('.');
  for (let i = segments.length - 1; i >= 1; i--) {
    const modulePath = segments.slice(0, i).join('.');
    const exportPath = segments.slice(i).join('.');
    const base = path.isAbsolute(modulePath) ? modulePath : path.join(repoRoot, modulePath);
    for (const candidate of [base, ...MODULE_EXTENSIONS.map((ext) => base + ext), ...MODULE_EXTENSIONS.map((ext) => path.join(base, 'index' + ext))]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) return { file: candidate, exportPath };
    }
  }
  return { file: undefined, exportPath: segments[segments.length - 1] ?? 'handler' };
}

function runtimeError(errorType: string, errorMessage: string): LambdaErrorPayload {
  return { errorType, errorMessage, trace: [] };
}

/** One worker thread; replaced by the owning environment when it dies. */
class Thread {
  public readonly worker: Worker;
  public readonly ready: Promise<{ ok: true } | { ok: false; error: LambdaErrorPayload; logs: string }>;
  private readonly pending = new Map<number, (outcome: InvocationOutcome) => void>();
  public dead = false;
  private deathError: LambdaErrorPayload = runtimeError('Runtime.ExitError', 'Runtime exited');

  public constructor(workerData: WorkerData, env: Record<string, string>) {
    this.worker = new Worker(workerEntry(), { workerData, env, execArgv: [] });
    let resolveReady!: (r: { ok: true } | { ok: false; error: LambdaErrorPayload; logs: string }) => void;
    this.ready = new Promise((r) => (resolveReady = r));
    const initTimer = setTimeout(() => {
      resolveReady({ ok: false, error: runtimeError('Runtime.InitError', `Init did not finish within ${INIT_TIMEOUT_MS} ms`), logs: '' });
      void this.kill();
    }, INIT_TIMEOUT_MS);
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        clearTimeout(initTimer);
        resolveReady({ ok: true });
      } else if (m.type === 'init-error') {
        clearTimeout(initTimer);
        resolveReady({ ok: false, error: m.error, logs: m.logs });
      } else {
        const done = this.pending.get(m.id);
        this.pending.delete(m.id);
        done?.(m.ok ? { ok: true, payload: m.payload, logs: m.logs, durationMs: m.durationMs } : { ok: false, error: m.error, logs: m.logs, durationMs: m.durationMs });
      }
    });
    this.worker.on('error', (err: Error) => {
      // An uncaught exception or unhandled rejection outside the awaited handler kills the environment.
      this.deathError = { errorType: err.name === 'Error' ? 'Runtime.UnhandledPromiseRejection' : err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
    });
    this.worker.on('exit', (code) => {
      clearTimeout(initTimer);
      this.dead = true;
      if (this.deathError.errorType === 'Runtime.ExitError') this.deathError.errorMessage = `Runtime exited with error: exit status ${code}`;
      resolveReady({ ok: false, error: this.deathError, logs: '' });
      for (const [id, done] of this.pending) {
        this.pending.delete(id);
        done({ ok: false, error: this.deathError, logs: '', durationMs: 0 });
      }
    });
  }

  public invoke(id: number, event: string, context: InvokeContext): Promise<InvocationOutcome> {
    return new Promise((resolve) => {
      if (this.dead) return resolve({ ok: false, error: this.deathError, logs: '', durationMs: 0 });
      this.pending.set(id, resolve);
      this.post({ type: 'invoke', id, event, context });
    });
  }

  public post(message: ToWorker): void {
    if (!this.dead) this.worker.postMessage(message);
  }

  public async kill(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    await this.worker.terminate();
  }
}

/** A Lambda execution environment: a restartable thread and a one-at-a-time queue. */
export class ExecutionEnvironment {
  private thread?: Thread;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;

  public constructor(
    public readonly spec: EnvironmentSpec,
    private readonly repoRoot: string,
    private readonly clock: VirtualClock,
  ) {}

  public invoke(event: string, context: Omit<InvokeContext, 'deadlineMs'>): Promise<InvocationOutcome> {
    const run = this.queue.then(() => this.runOne(event, context));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private ensureThread(): Thread {
    if (!this.thread || this.thread.dead) {
      const { file, exportPath } = resolveHandler(this.spec.handler, this.repoRoot);
      this.thread = new Thread({ handlerFile: file, handlerExport: exportPath, handlerSetting: this.spec.handler, clock: this.clock.state() }, this.spec.env);
    }
    return this.thread;
  }

  /**
   * Starts the environment ahead of the first invocation (a cold start paid in
   * advance, like provisioned concurrency); resolves with the init error, if any.
   */
  public warm(): Promise<{ ok: true } | { ok: false; error: LambdaErrorPayload }> {
    const run = this.queue.then(async () => {
      const thread = this.ensureThread();
      const init = await thread.ready;
      if (init.ok) return init;
      await thread.kill();
      return { ok: false as const, error: init.error };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runOne(event: string, context: Omit<InvokeContext, 'deadlineMs'>): Promise<InvocationOutcome> {
    const thread = this.ensureThread();
    const init = await thread.ready;
    if (!init.ok) {
      // A failed init is reported on this invocation and retried on the next one, as Lambda does.
      await thread.kill();
      return { ok: false, error: init.error, logs: init.logs, durationMs: 0 };
    }
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<InvocationOutcome>((resolve) => {
      timer = setTimeout(() => {
        void thread.kill();
        resolve({
          ok: false,
          error: runtimeError('Sandbox.Timedout', `RequestId: ${context.awsRequestId} Error: Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`),
          logs: '',
          durationMs: timeoutMs,
        });
      }, timeoutMs);
    });
    try {
      return await Promise.race([thread.invoke(++this.seq, event, { ...context, deadlineMs: Date.now() + timeoutMs }), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Keeps the worker's virtual `Date` in step after `clock.advance()`. */
  public syncClock(state: ClockState): void {
    this.thread?.post({ type: 'clock', clock: state });
  }

  /** Ends the environment once the invocations already queued have finished. */
  public async drainAndTerminate(): Promise<void> {
    await this.queue;
    await this.terminate();
  }

  public async terminate(): Promise<void> {
    await this.thread?.kill();
    this.thread = undefined;
  }
}
