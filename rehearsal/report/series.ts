import { versionFill } from './palette';
import type { ReportData, SeriesBucket } from './types';

export interface VersionInfo {
  key: string;
  label: string;
  fill: string;
  /** Requests this version served over the whole series. */
  requests: number;
}

const DEFAULT_BUCKET_SECONDS = 0.25;

/** Bucket width: explicit, else the smallest positive gap between buckets, else 250 ms. */
export function bucketSeconds(data: ReportData): number {
  if (data.bucketSeconds && data.bucketSeconds > 0) return data.bucketSeconds;
  let best = Infinity;
  for (let i = 1; i < data.series.length; i++) {
    const gap = data.series[i]!.t - data.series[i - 1]!.t;
    if (gap > 1e-9 && gap < best) best = gap;
  }
  return Number.isFinite(best) ? best : DEFAULT_BUCKET_SECONDS;
}

function versionOrder(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  const fa = Number.isFinite(na);
  const fb = Number.isFinite(nb);
  if (fa && fb) return na - nb;
  if (fa !== fb) return fa ? -1 : 1;
  return a.localeCompare(b);
}

/** Every version named in `versions` or seen in the series, oldest first, with its colour. */
export function versionInfos(data: ReportData): VersionInfo[] {
  const served = new Map<string, number>();
  for (const key of Object.keys(data.versions)) served.set(key, 0);
  for (const bucket of data.series) {
    for (const [key, n] of Object.entries(bucket.perVersion ?? {})) {
      served.set(key, (served.get(key) ?? 0) + (Number.isFinite(n) ? n : 0));
    }
  }
  return [...served.keys()].sort(versionOrder).map((key, index) => ({
    key,
    label: data.versions[key] ?? `version ${key}`,
    fill: versionFill(index),
    requests: served.get(key) ?? 0,
  }));
}

/**
 * Percent of a bucket's requests served by each version (same order as `keys`),
 * or null when the bucket has no requests.
 */
export function bucketShares(bucket: SeriesBucket, keys: readonly string[]): number[] | null {
  const counts = keys.map((k) => Math.max(0, bucket.perVersion?.[k] ?? 0));
  const attributed = counts.reduce((a, b) => a + b, 0);
  const total = Math.max(bucket.requests, attributed);
  if (!(total > 0)) return null;
  return counts.map((c) => (c / total) * 100);
}

/** Error rate in percent over a trailing window of `window` buckets; null without requests. */
export function rollingErrorRate(series: readonly SeriesBucket[], window: number): (number | null)[] {
  return series.map((_, i) => {
    let requests = 0;
    let failures = 0;
    for (let j = Math.max(0, i - window + 1); j <= i; j++) {
      requests += series[j]!.requests;
      failures += series[j]!.failures;
    }
    return requests > 0 ? (Math.min(failures, requests) / requests) * 100 : null;
  });
}
