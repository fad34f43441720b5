/**
 * The execution environments of one function version, scaled as Lambda scales
 * them: a request goes to an idle environment (a warm start); only when every
 * environment is busy does a new one start (a cold start), so sequential
 * traffic keeps using one environment and only real overlap costs a worker
 * thread. Each environment serves one request at a time.
 *
 * "As your function receives more requests, Lambda automatically scales up the
 * number of execution environments to handle these requests until your account
 * reaches its concurrency quota." — Lambda scaling behavior,
 * https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html
 *
 * Two things are the sandbox's own, because two cores are not a Region:
 *  - at most `maxEnvironments` per version; a request beyond them waits for the
 *    first environment to come free (AWS would start another one; the account
 *    and reserved limits, which AWS throttles at, are checked by LambdaService
 *    before a request gets here);
 *  - environments beyond the first are ended after `idleMs` of wall time
 *    unused (AWS reaps idle environments after an undocumented while); the first
 *    is kept, like the pre-warmed environment a rehearsal relies on.
 */
import type { ClockState, VirtualClock } from '../clock';
import { ExecutionEnvironment, type EnvironmentSpec, type InvocationOutcome } from './environment';
import type { InvokeContext, LambdaErrorPayload } from './messages';

export interface PoolLimits {
  /** Most execution environments one function version runs at once (default 4: what two cores take). */
  maxEnvironments: number;
  /** Wall ms an idle environment beyond a version's first lives before it is ended (default 30 s). */
  idleMs: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = { maxEnvironments: 4, idleMs: 30_000 };

export class EnvironmentPool {
  /** Idle environments, the most recently used last (reused first, so the others can be reaped). */
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly busy = new Set<ExecutionEnvironment>();
  private readonly waiting: ((env: ExecutionEnvironment) => void)[] = [];
  private readonly reapers = new Map<ExecutionEnvironment, NodeJS.Timeout>();
  private started = 0;
  private peak = 0;
  private onDrained: (() => void)[] = [];

  public constructor(
    public readonly spec: EnvironmentSpec,
    private readonly repoRoot: string,
    private readonly clock: VirtualClock,
    private readonly limits: PoolLimits = DEFAULT_POOL_LIMITS,
  ) {}

  /** Environments started so far (each one a cold start), and the most that ran at once. */
  public stats(): { started: number; live: number; peakBusy: number } {
    return { started: this.started, live: this.idle.length + this.busy.size, peakBusy: this.peak };
  }

  public async invoke(event: string, context: Omit<InvokeContext, 'deadlineMs'>): Promise<InvocationOutcome> {
    const env = await this.acquire();
    try {
      return await env.invoke(event, context);
    } finally {
      this.release(env);
    }
  }

  /** Starts one environment ahead of the first invocation (an idle one is already warm). */
  public async warm(): Promise<{ ok: true } | { ok: false; error: LambdaErrorPayload }> {
    const env = await this.acquire();
    try {
      return await env.warm();
    } finally {
      this.release(env);
    }
  }

  private acquire(): Promise<ExecutionEnvironment> {
    const reused = this.idle.pop();
    if (reused) {
      clearTimeout(this.reapers.get(reused));
      this.reapers.delete(reused);
      return Promise.resolve(this.markBusy(reused));
    }
    if (this.busy.size < this.limits.maxEnvironments) {
      this.started++;
      return Promise.resolve(this.markBusy(new ExecutionEnvironment(this.spec, this.repoRoot, this.clock)));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private markBusy(env: ExecutionEnvironment): ExecutionEnvironment {
    this.busy.add(env);
    this.peak = Math.max(this.peak, this.busy.size);
    return env;
  }

  private release(env: ExecutionEnvironment): void {
    const next = this.waiting.shift();
    if (next) return next(env);
    this.busy.delete(env);
    this.idle.push(env);
    if (this.busy.size === 0) for (const done of this.onDrained.splice(0)) done();
    if (this.idle.length + this.busy.size > 1) {
      const timer = setTimeout(() => {
        const i = this.idle.indexOf(env);
        this.reapers.delete(env);
        if (i < 0 || this.idle.length + this.busy.size <= 1) return;
        this.idle.splice(i, 1);
        void env.terminate();
      }, this.limits.idleMs);
      timer.unref();
      this.reapers.set(env, timer);
    }
  }

  /** Counts from now on: started 0, peak = the environments busy now. */
  public startOverStats(): void {
    this.started = 0;
    this.peak = this.busy.size;
  }

  /** Keeps every worker's virtual `Date` in step after `clock.advance()`. */
  public syncClock(state: ClockState): void {
    for (const env of [...this.idle, ...this.busy]) env.syncClock(state);
  }

  /** Ends every environment once the invocations under way have finished. */
  public async drainAndTerminate(): Promise<void> {
    if (this.busy.size > 0) await new Promise<void>((resolve) => this.onDrained.push(resolve));
    await this.terminate();
  }

  public async terminate(): Promise<void> {
    for (const timer of this.reapers.values()) clearTimeout(timer);
    this.reapers.clear();
    const all = [...this.idle, ...this.busy];
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(all.map((env) => env.terminate()));
  }
}
