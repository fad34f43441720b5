import { InvalidTrafficOptions } from '../../examples/ai-service/errors';
import {
  p95,
  startTraffic,
  TRAFFIC_LIMITS,
  UNKNOWN_VERSION,
  type InvokeResult,
  type TrafficPayload,
  type TrafficStats,
} from '../../examples/ai-service/traffic';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sumOf = (stats: TrafficStats, field: 'requests' | 'ok' | 'failures'): number =>
  stats.series.reduce((s, b) => s + b[field], 0);

describe('startTraffic', () => {
  it('stops by itself after maxRequests, with every request accounted for', async () => {
    // Prepare
    const payloads: TrafficPayload[] = [];
    const invoke = jest.fn(async (payload: TrafficPayload): Promise<InvokeResult> => {
      payloads.push(payload);
      return { ok: true, version: '7' };
    });

    // Act
    const run = startTraffic({ invoke, ratePerSecond: 500, maxRequests: 40, maxSeconds: 10, inputs: [{ text: 'a' }, { text: 'b' }] });
    const stats = await run.done;

    // Assess
    expect(stats.stopReason).toBe('max-requests');
    expect(stats.running).toBe(false);
    expect(invoke).toHaveBeenCalledTimes(40);
    expect(stats).toMatchObject({ sent: 40, ok: 40, failed: 0, inFlight: 0, abandoned: 0, byVersion: { '7': { ok: 40, failed: 0 } } });
    expect(sumOf(stats, 'requests')).toBe(40);
    expect(new Set(payloads.map((p) => p.text))).toEqual(new Set(['a', 'b']));
    expect(stats.elapsedMs).toBeLessThan(2_000);
  });

  it('stops by itself after maxSeconds, at about the asked rate', async () => {
    // Prepare
    const invoke = async (): Promise<InvokeResult> => ({ ok: true, version: '1' });
    const [rate, seconds] = [100, 0.4];

    // Act
    const stats = await startTraffic({ invoke, ratePerSecond: rate, maxRequests: 10_000, maxSeconds: seconds }).done;

    // Assess
    expect(stats.stopReason).toBe('max-seconds');
    expect(stats.elapsedMs).toBeGreaterThanOrEqual(seconds * 1000 - 20);
    expect(stats.elapsedMs).toBeLessThan(seconds * 1000 + 500);
    // Slot n is due at n / rate: never more than rate × duration + 1; timers may lag, so allow fewer.
    expect(stats.sent).toBeLessThanOrEqual(rate * seconds + 1);
    expect(stats.sent).toBeGreaterThanOrEqual(rate * seconds * 0.5);
  });

  it('clamps huge limits to the hard caps', async () => {
    // Prepare
    const invoke = async (): Promise<InvokeResult> => ({ ok: true });

    // Act
    const run = startTraffic({ invoke, ratePerSecond: 1e9, maxRequests: 1e12, maxSeconds: 1e9, maxInFlight: 1e6 });
    const stats = await run.stop();

    // Assess
    expect(stats.limits).toEqual({
      ratePerSecond: TRAFFIC_LIMITS.maxRatePerSecond,
      maxRequests: TRAFFIC_LIMITS.maxRequests,
      maxSeconds: TRAFFIC_LIMITS.maxSeconds,
      maxInFlight: TRAFFIC_LIMITS.maxInFlight,
    });
    expect(stats.stopReason).toBe('stopped');
  });

  it('counts failures and versions, per run and per 250 ms bucket', async () => {
    // Prepare: blue answers, green fails one time in three, and a throw is a failure too
    let n = 0;
    const invoke = async (): Promise<InvokeResult> => {
      n++;
      if (n % 5 === 0) throw new Error('socket hang up');
      if (n % 2 === 0) return { ok: n % 3 !== 0, version: '2', latencyMs: 20 };
      return { ok: true, version: '1', latencyMs: 10 };
    };

    // Act
    const stats = await startTraffic({ invoke, ratePerSecond: 200, maxRequests: 60, maxSeconds: 5, seed: 3 }).done;

    // Assess
    const versionTotal = Object.values(stats.byVersion).reduce((s, c) => s + c.ok + c.failed, 0);
    expect(stats.sent).toBe(60);
    expect(stats.ok + stats.failed).toBe(stats.sent);
    expect(versionTotal).toBe(stats.sent);
    expect(stats.byVersion[UNKNOWN_VERSION]?.failed).toBe(12);
    expect(Object.keys(stats.byVersion).sort()).toEqual(['1', '2', UNKNOWN_VERSION]);
    expect(sumOf(stats, 'failures')).toBe(stats.failed);
    expect(sumOf(stats, 'ok')).toBe(stats.ok);
    expect(stats.bucketMs).toBe(250);
    stats.series.forEach((bucket, i) => {
      expect(bucket.startMs).toBe(i * 250);
      expect(Object.values(bucket.byVersion).reduce((s, x) => s + x, 0)).toBe(bucket.requests);
    });
    expect(stats.series.length).toBeGreaterThanOrEqual(2);
  });

  it('skips slots instead of queueing when maxInFlight requests hang, and abandons them after the drain timeout', async () => {
    // Prepare: an invoke that never answers
    const invoke = (): Promise<InvokeResult> => new Promise<InvokeResult>(() => undefined);

    // Act
    const run = startTraffic({ invoke, ratePerSecond: 200, maxRequests: 1_000, maxSeconds: 5, maxInFlight: 3, drainTimeoutMs: 50 });
    await sleep(100);
    const during = run.stats();
    const stats = await run.stop();

    // Assess
    expect(during).toMatchObject({ running: true, sent: 3, inFlight: 3 });
    expect(during.skipped).toBeGreaterThan(0);
    expect(stats).toMatchObject({ running: false, stopReason: 'stopped', sent: 3, abandoned: 3, ok: 0, failed: 0 });
  });

  it('returns the same final stats from stop() and done, however often stop() is called', async () => {
    // Prepare
    const run = startTraffic({ invoke: async () => ({ ok: true }), ratePerSecond: 50, maxRequests: 1_000, maxSeconds: 5 });
    await sleep(60);

    // Act
    const [first, second] = await Promise.all([run.stop(), run.stop()]);
    const done = await run.done;

    // Assess
    expect(second).toEqual(first);
    expect(done).toEqual(first);
    expect(run.stats()).toEqual(first);
  });

  it('sends the live.jsonl tickets when no inputs are given', async () => {
    // Prepare
    const texts: string[] = [];
    const invoke = async (payload: TrafficPayload): Promise<InvokeResult> => {
      texts.push(payload.text);
      return { ok: true };
    };

    // Act
    await startTraffic({ invoke, ratePerSecond: 1_000, maxRequests: 30, maxSeconds: 5 }).done;

    // Assess
    expect(texts).toHaveLength(30);
    expect(new Set(texts).size).toBeGreaterThan(1);
    expect(texts.every((t) => typeof t === 'string' && t.length > 0)).toBe(true);
  });

  it.each([
    ['a zero rate', { ratePerSecond: 0, maxRequests: 1, maxSeconds: 1 }],
    ['a negative count', { ratePerSecond: 1, maxRequests: -5, maxSeconds: 1 }],
    ['no duration', { ratePerSecond: 1, maxRequests: 1, maxSeconds: Number.NaN }],
    ['no inputs', { ratePerSecond: 1, maxRequests: 1, maxSeconds: 1, inputs: [] }],
  ])('refuses %s', (_, options) => {
    // Prepare
    const invoke = jest.fn();

    // Act / Assess
    expect(() => startTraffic({ invoke, ...options })).toThrow(InvalidTrafficOptions);
    expect(invoke).not.toHaveBeenCalled();
  });
});

describe('p95', () => {
  it('is the nearest-rank 95th percentile, null when empty', () => {
    // Prepare
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);

    // Act / Assess
    expect(p95(values)).toBe(95);
    expect(p95([42])).toBe(42);
    expect(p95([])).toBeNull();
  });
});
