/**
 * The sandbox's virtual clock. Rehearsals compress time: with `timeScale` 20,
 * one wall-clock second is twenty simulated seconds, so a 48 h retention takes
 * 2.4 h, and with 3600 it takes 48 s.
 *
 * Virtual time equals wall time when the sandbox starts and then runs
 * `timeScale` times faster. CloudWatch timestamps, alarm periods, Step Functions
 * dates and the `Date` seen by Lambda handlers (see lambda-worker.ts) all read
 * this clock, so what a handler computes ("retention ends at now + 48 h") agrees
 * with what CloudWatch and Step Functions observe.
 */
export interface ClockState {
  /** Wall-clock epoch ms at which virtual time was equal to wall time. */
  readonly originMs: number;
  readonly timeScale: number;
  /** Virtual ms added by `advance()` (a jump forward, e.g. in tests). */
  readonly offsetMs: number;
}

/** Largest delay `setTimeout` accepts (about 24.8 days); longer sleeps are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export class VirtualClock {
  public readonly originMs: number;
  public readonly timeScale: number;
  private offset = 0;
  private readonly listeners = new Set<(state: ClockState) => void>();

  public constructor(timeScale = 1, originMs = Date.now()) {
    if (!Number.isFinite(timeScale) || timeScale <= 0) {
      throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
    }
    this.timeScale = timeScale;
    this.originMs = originMs;
  }

  /** Virtual epoch milliseconds now. */
  public now(): number {
    return this.fromReal(Date.now());
  }

  public date(): Date {
    return new Date(this.now());
  }

  /** Maps a wall-clock epoch ms (e.g. an engine event timestamp) onto the virtual timeline. */
  public fromReal(realMs: number): number {
    return this.originMs + (realMs - this.originMs) * this.timeScale + this.offset;
  }

  /** Wall-clock milliseconds that a virtual duration takes. */
  public realDelay(virtualMs: number): number {
    return Math.max(0, virtualMs / this.timeScale);
  }

  /** Jumps virtual time forward (never back: CloudWatch and history stay monotonic). */
  public advance(virtualMs: number): void {
    if (!Number.isFinite(virtualMs) || virtualMs < 0) throw new RangeError('advance() takes a non-negative duration');
    this.offset += virtualMs;
    const state = this.state();
    for (const listener of this.listeners) listener(state);
  }

  public state(): ClockState {
    return { originMs: this.originMs, timeScale: this.timeScale, offsetMs: this.offset };
  }

  /** Called after every `advance()`; workers use it to keep their `Date` in step. */
  public onChange(listener: (state: ClockState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sleeps for a virtual duration (wall time = duration / timeScale); resolves early on abort. */
  public sleep(virtualMs: number, signal?: AbortSignal): Promise<void> {
    return sleepReal(this.realDelay(virtualMs), signal);
  }
}

/** Wall-clock sleep that resolves early when `signal` aborts and never overflows setTimeout. */
export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || !(ms > 0)) return resolve();
    let remaining = ms;
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const step = (): void => {
      if (remaining <= 0) return done();
      const chunk = Math.min(remaining, MAX_TIMEOUT_MS);
      remaining -= chunk;
      timer = setTimeout(step, chunk);
    };
    signal?.addEventListener('abort', done, { once: true });
    step();
  });
}
