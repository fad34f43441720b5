/**
 * Runs inside a worker thread: one Lambda execution environment for one
 * (function, version). It has that version's environment variables (the
 * Worker's `env`), loads the handler module once, then serves invocations one
 * at a time, as a Lambda execution environment does.
 *
 * Two things differ from plain Node on purpose:
 *  - `Date` reads the sandbox's virtual clock, so a handler's notion of "now"
 *    matches CloudWatch's and Step Functions' in a time-compressed rehearsal;
 *  - stdout/stderr are captured per invocation and handed back to the sandbox,
 *    which turns EMF lines into metrics and prints (or drops) the rest.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { ClockState } from '../clock';
import { requireWithCodeCache } from './code-cache';
import type { FromWorker, InvokeContext, LambdaErrorPayload, ToWorker, WorkerData } from './messages';

const data = workerData as WorkerData;
const port = parentPort;
if (!port) throw new Error('lambda-worker.ts must run in a worker thread');

// --- virtual clock -----------------------------------------------------------
const RealDate = Date;
const realNow = (): number => RealDate.now();
let clock: ClockState = data.clock;
const virtualNow = (): number => clock.originMs + (realNow() - clock.originMs) * clock.timeScale + clock.offsetMs;
const VirtualDate: DateConstructor = new Proxy(RealDate, {
  construct(target, args: unknown[], newTarget) {
    const ctorArgs = args.length ? args : [virtualNow()];
    return Reflect.construct(target, ctorArgs, newTarget === VirtualDate ? target : newTarget) as object;
  },
  apply() {
    return new RealDate(virtualNow()).toString();
  },
  get(target, prop, receiver) {
    if (prop === 'now') return virtualNow;
    return Reflect.get(target, prop, receiver) as unknown;
  },
});
globalThis.Date = VirtualDate;

// --- output capture ------------------------------------------------------------
let captured = '';
const capture = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  const cb = typeof encoding === 'function' ? encoding : callback;
  if (typeof cb === 'function') (cb as () => void)();
  return true;
};
process.stdout.write = capture as typeof process.stdout.write;
process.stderr.write = capture as typeof process.stderr.write;
const takeLogs = (): string => {
  const out = captured;
  captured = '';
  return out;
};

// --- errors as the Node.js runtime reports them -------------------------------------
function toPayload(err: unknown, fallbackType = 'Error'): LambdaErrorPayload {
  if (err instanceof Error) {
    // Like the Node.js runtime's trace, minus the sandbox's own frames.
    const trace = (err.stack ?? '').split('\n').filter((line) => !line.includes('/sandbox/runtime/') && !line.includes('node:internal/'));
    return { errorType: err.name || fallbackType, errorMessage: err.message, trace };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

const BUNDLED = /[\\/]node_modules[\\/]\.cache[\\/]cutover-sandbox[\\/].*\.c?js$/;

type Handler = (event: unknown, context: unknown, callback?: (err: unknown, result?: unknown) => void) => unknown;

async function loadHandler(): Promise<Handler> {
  if (!data.handlerFile) {
    const error = new Error(`Cannot find module '${data.handlerSetting.replace(/\.[^./]+$/, '')}' (resolved against the sandbox repoRoot)`);
    error.name = 'Runtime.ImportModuleError';
    throw error;
  }
  let mod: Record<string, unknown>;
  try {
    const req = createRequire(__filename);
    try {
      // The sandbox's own esbuild bundles are CommonJS: load them through the code cache. Anything else may be
      // TypeScript (the tests' fixtures, a user's source): load it through tsx.
      if (BUNDLED.test(data.handlerFile)) mod = requireWithCodeCache(data.handlerFile);
      else {
        (req('tsx/cjs/api') as { register: () => void }).register();
        mod = req(data.handlerFile) as Record<string, unknown>;
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      // An ES module with top-level await (or similar) cannot be required: import it.
      if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw err;
      const { tsImport } = req('tsx/esm/api') as { tsImport: (file: string, from: string) => Promise<Record<string, unknown>> };
      mod = await tsImport(data.handlerFile, __filename);
    }
  } catch (err) {
    const error = new Error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    error.name = 'Runtime.ImportModuleError';
    error.stack = err instanceof Error ? err.stack : undefined;
    throw error;
  }
  const parts = data.handlerExport.split('.');
  const walk = (root: unknown): unknown => parts.reduce<unknown>((t, p) => (t as Record<string, unknown> | undefined)?.[p], root);
  // `exports.handler`, or `default.handler` for a module compiled from ESM interop.
  let target = walk(mod);
  if (typeof target !== 'function') target = walk(mod.default);
  if (typeof target !== 'function') {
    const error = new Error(`${data.handlerSetting} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return target as Handler;
}

function contextFor(c: InvokeContext): Record<string, unknown> {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: c.memoryLimitInMB,
    awsRequestId: c.awsRequestId,
    logGroupName: c.logGroupName,
    logStreamName: c.logStreamName,
    clientContext: c.clientContext,
    getRemainingTimeInMillis: () => Math.max(0, c.deadlineMs - realNow()),
  };
}

function runHandler(handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown, result?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    try {
      // Callback-style handlers (three parameters) are still accepted by nodejs22.x.
      const returned = handler.length >= 3 ? handler(event, context, settle) : handler(event, context);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then((r) => settle(null, r), (e: unknown) => settle(e ?? new Error('Promise rejected')));
      } else if (handler.length < 3) {
        settle(null, returned);
      }
    } catch (err) {
      settle(err);
    }
  });
}

function send(message: FromWorker): void {
  port?.postMessage(message);
}

async function main(): Promise<void> {
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    send({ type: 'init-error', error: toPayload(err, 'Runtime.ImportModuleError'), logs: takeLogs() });
    return;
  }
  send({ type: 'ready' });
  port?.on('message', (message: ToWorker) => {
    if (message.type === 'clock') {
      clock = message.clock;
      return;
    }
    void (async () => {
      const started = performance.now();
      let event: unknown;
      try {
        event = JSON.parse(message.event);
      } catch {
        event = {};
      }
      try {
        const result = await runHandler(handler, event, contextFor(message.context));
        let payload: string;
        try {
          payload = JSON.stringify(result === undefined ? null : result);
        } catch (err) {
          const error = new Error(`Unable to stringify the handler's response: ${(err as Error).message}`);
          error.name = 'Runtime.MarshalError';
          throw error;
        }
        send({ type: 'result', id: message.id, ok: true, payload, logs: takeLogs(), durationMs: performance.now() - started });
      } catch (err) {
        send({ type: 'result', id: message.id, ok: false, error: toPayload(err), logs: takeLogs(), durationMs: performance.now() - started });
      }
    })();
  });
}

void main();
