import { performance } from 'node:perf_hooks';
import { PATHS, readJsonl, type LiveRow } from './dataset';
import { InvalidTrafficOptions } from './errors';
import { seededRandom } from './random';

/**
 * Open-loop traffic for rehearsals: sends live-like tickets at a fixed rate
 * through an injected `invoke` (the sandbox plugs in Lambda Invoke of the
 * alias), and records what answered, per version, in 250 ms buckets for a
 * chart. It only ever calls `invoke`, and it always stops by itself: the
 * count, the duration, the rate and the concurrency are clamped to hard caps
 * whatever the caller asks.
 */

export interface TrafficPayload {
  readonly text: string;
}

export interface InvokeResult {
  readonly ok: boolean;
  /** The version that answered (Lambda's ExecutedVersion, or the body's modelVersion). */
  readonly version?: string;
  /** @default the wall time of the invoke call, measured here */
  readonly latencyMs?: number;
}

export type Invoke = (payload: TrafficPayload) => Promise<InvokeResult>;

export interface TrafficOptions {
  readonly invoke: Invoke;
  /** Requests started per second (clamped to TRAFFIC_LIMITS.maxRatePerSecond). */
  readonly ratePerSecond: number;
  /** Stop after this many requests (clamped to TRAFFIC_LIMITS.maxRequests). */
  readonly maxRequests: number;
  /** Stop after this many seconds (clamped to TRAFFIC_LIMITS.maxSeconds). */
  readonly maxSeconds: number;
  /** @default the texts of data/live.jsonl */
  readonly inputs?: readonly TrafficPayload[];
  /** Order of the inputs (shuffled once, then round-robin). @default 1 */
  readonly seed?: number;
  /**
   * Requests allowed in flight; a slot that comes due while this many are
   * pending is skipped (counted in `skipped`), not queued, so a slow target
   * cannot pile up work. @default 64
   */
  readonly maxInFlight?: number;
  /** After stopping, how long to wait for in-flight requests. @default 10,000 ms */
  readonly drainTimeoutMs?: number;
  /** @default 250 */
  readonly bucketMs?: number;
}

/** Hard caps: a typo or a huge number from a caller cannot turn a rehearsal into a load test. */
export const TRAFFIC_LIMITS = {
  maxRequests: 100_000,
  maxSeconds: 600,
  maxRatePerSecond: 1_000,
  maxInFlight: 256,
  maxDrainTimeoutMs: 30_000,
  minBucketMs: 50,
} as const;

export interface VersionCounts {
  ok: number;
  failed: number;
}

/** One window of the time series, by the time requests were *sent*; outcomes fill in as they arrive. */
export interface TrafficBucket {
  /** Milliseconds since the start of the run. */
  readonly startMs: number;
  readonly requests: number;
  readonly ok: number;
  readonly failures: number;
  readonly byVersion: Readonly<Record<string, number>>;
  /** p95 latency of the completed requests in the bucket; null when none completed. */
  readonly p95LatencyMs: number | null;
}

export type StopReason = 'max-requests' | 'max-seconds' | 'stopped';

export interface TrafficStats {
  readonly running: boolean;
  readonly stopReason: StopReason | null;
  readonly elapsedMs: number;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly inFlight: number;
  /** Slots skipped because maxInFlight requests were pending. */
  readonly skipped: number;
  /** Still in flight when the drain timeout ended; their outcome is unknown. */
  readonly abandoned: number;
  readonly byVersion: Readonly<Record<string, VersionCounts>>;
  readonly p95LatencyMs: number | null;
  readonly bucketMs: number;
  readonly series: readonly TrafficBucket[];
  /** The limits actually applied, after clamping. */
  readonly limits: { readonly ratePerSecond: number; readonly maxRequests: number; readonly maxSeconds: number; readonly maxInFlight: number };
}

export interface TrafficRun {
  /** Stops sending, waits for in-flight requests (bounded), returns the final stats. Idempotent. */
  stop(): Promise<TrafficStats>;
  /** A snapshot, at any time. */
  stats(): TrafficStats;
  /** Resolves with the final stats when the run ends, by itself or by stop(). */
  readonly done: Promise<TrafficStats>;
}

/** The version label used when an answer does not say which version produced it. */
export const UNKNOWN_VERSION = 'unknown';

interface MutableBucket {
  requests: number;
  ok: number;
  failures: number;
  byVersion: Record<string, number>;
  latencies: number[];
}

export function p95(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1] ?? null;
}

const clamp = (value: number, max: number): number => Math.min(value, max);

export function defaultTrafficInputs(): TrafficPayload[] {
  return readJsonl<LiveRow>(PATHS.live).map((row) => ({ text: row.text }));
}

export function startTraffic(options: TrafficOptions): TrafficRun {
  const positive = (name: string, value: number): number => {
    if (!(typeof value === 'number' && value > 0 && !Number.isNaN(value))) {
      throw new InvalidTrafficOptions(`${name} must be a positive number, got ${String(value)}`);
    }
    return value;
  };
  const limits = {
    ratePerSecond: clamp(positive('ratePerSecond', options.ratePerSecond), TRAFFIC_LIMITS.maxRatePerSecond),
    maxRequests: Math.floor(clamp(positive('maxRequests', options.maxRequests), TRAFFIC_LIMITS.maxRequests)),
    maxSeconds: clamp(positive('maxSeconds', options.maxSeconds), TRAFFIC_LIMITS.maxSeconds),
    maxInFlight: Math.floor(clamp(positive('maxInFlight', options.maxInFlight ?? 64), TRAFFIC_LIMITS.maxInFlight)),
  };
  const drainTimeoutMs = clamp(Math.max(0, options.drainTimeoutMs ?? 10_000), TRAFFIC_LIMITS.maxDrainTimeoutMs);
  const bucketMs = Math.max(TRAFFIC_LIMITS.minBucketMs, options.bucketMs ?? 250);
  const inputs = seededRandom(options.seed ?? 1).shuffle(options.inputs ?? defaultTrafficInputs());
  if (inputs.length === 0) throw new InvalidTrafficOptions('inputs must not be empty');
  if (limits.maxRequests < 1) throw new InvalidTrafficOptions('maxRequests must be at least 1');

  const startedAt = performance.now();
  const elapsed = (): number => performance.now() - startedAt;
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  let skipped = 0;
  let abandoned = 0;
  let slotsDue = 0;
  let running = true;
  let finished = false;
  let stopReason: StopReason | null = null;
  let endedAtMs: number | null = null;
  const byVersion: Record<string, VersionCounts> = {};
  const buckets: MutableBucket[] = [];
  const allLatencies: number[] = [];
  const pending = new Set<Promise<void>>();

  const bucketAt = (ms: number): MutableBucket => {
    const index = Math.floor(ms / bucketMs);
    while (buckets.length <= index) buckets.push({ requests: 0, ok: 0, failures: 0, byVersion: {}, latencies: [] });
    return buckets[index] as MutableBucket;
  };

  const record = (bucket: MutableBucket, result: InvokeResult, latencyMs: number): void => {
    if (finished) return; // arrived after the drain timeout: already counted as abandoned
    const version = result.version ?? UNKNOWN_VERSION;
    const counts = (byVersion[version] ??= { ok: 0, failed: 0 });
    if (result.ok) {
      ok++;
      bucket.ok++;
      counts.ok++;
    } else {
      failed++;
      bucket.failures++;
      counts.failed++;
    }
    bucket.byVersion[version] = (bucket.byVersion[version] ?? 0) + 1;
    bucket.latencies.push(latencyMs);
    allLatencies.push(latencyMs);
  };

  const sendOne = (): void => {
    const payload = inputs[sent % inputs.length] as TrafficPayload;
    const sentAt = performance.now();
    const bucket = bucketAt(sentAt - startedAt);
    sent++;
    inFlight++;
    bucket.requests++;
    // Promise.resolve().then: an invoke that throws synchronously is a failed request, not a crash.
    const request = Promise.resolve()
      .then(() => options.invoke(payload))
      .then(
        (result) => record(bucket, result, result.latencyMs ?? performance.now() - sentAt),
        () => record(bucket, { ok: false }, performance.now() - sentAt),
      )
      .finally(() => {
        inFlight--;
        pending.delete(request);
      });
    pending.add(request);
  };

  let resolveDone!: (stats: TrafficStats) => void;
  const done = new Promise<TrafficStats>((resolve) => (resolveDone = resolve));

  const halt = (reason: StopReason): void => {
    if (!running) return;
    running = false;
    stopReason = reason;
    clearInterval(ticker);
    clearTimeout(deadline);
    void drain();
  };

  const drain = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)));
    await Promise.race([Promise.allSettled([...pending]), timeout]);
    clearTimeout(timer);
    abandoned = inFlight;
    finished = true;
    endedAtMs = elapsed();
    resolveDone(snapshot());
  };

  const tick = (): void => {
    if (!running) return;
    const now = elapsed();
    if (now >= limits.maxSeconds * 1000) return halt('max-seconds');
    // Slot n is due at n / rate seconds; the first one at 0.
    const due = Math.floor((now * limits.ratePerSecond) / 1000) + 1;
    for (; slotsDue < due; slotsDue++) {
      if (sent >= limits.maxRequests) break;
      if (inFlight >= limits.maxInFlight) skipped++;
      else sendOne();
    }
    if (sent >= limits.maxRequests) halt('max-requests');
  };

  const snapshot = (): TrafficStats => ({
    running,
    stopReason,
    elapsedMs: Math.round(endedAtMs ?? elapsed()),
    sent,
    ok,
    failed,
    inFlight: finished ? 0 : inFlight,
    skipped,
    abandoned,
    byVersion: Object.fromEntries(Object.entries(byVersion).map(([v, c]) => [v, { ...c }])),
    p95LatencyMs: p95(allLatencies),
    bucketMs,
    series: buckets.map((b, i) => ({
      startMs: i * bucketMs,
      requests: b.requests,
      ok: b.ok,
      failures: b.failures,
      byVersion: { ...b.byVersion },
      p95LatencyMs: p95(b.latencies),
    })),
    limits,
  });

  // Tick often enough to keep the rate smooth, rarely enough to stay cheap.
  const tickMs = Math.min(50, Math.max(5, Math.floor(1000 / limits.ratePerSecond)));
  const ticker = setInterval(tick, tickMs);
  const deadline = setTimeout(() => halt('max-seconds'), limits.maxSeconds * 1000);
  tick();

  return {
    stop: () => {
      halt('stopped');
      return done;
    },
    stats: snapshot,
    done,
  };
}
