/**
 * CloudWatch's metric store and query engine, on the virtual clock.
 *
 * Datapoints are kept raw (value + count, or a statistic set) per metric
 * identity (namespace, name, exact dimension set: CloudWatch never merges
 * dimension sets), and aggregated on read into periods aligned to epoch
 * multiples of the period, which is what CloudWatch does for 1/5/10/30/60·n s.
 */
import { ServiceError } from '../protocol';
import { evaluate, parseExpression, referencedIds, type MathValue, type Series } from './metric-math';

export interface Dimension {
  Name: string;
  Value: string;
}

export interface MetricIdentity {
  Namespace: string;
  MetricName: string;
  Dimensions?: Dimension[];
}

interface RawPoint {
  t: number;
  unit: string;
  /** Stored at 1-second resolution (PutMetricData / EMF StorageResolution 1); else 1-minute (standard). */
  highResolution?: boolean;
  /** A sample repeated `count` times. */
  value?: number;
  count: number;
  /** A pre-aggregated statistic set (no percentiles from these, as on AWS). */
  set?: { sum: number; min: number; max: number };
}

interface StoredSeries {
  identity: Required<MetricIdentity>;
  points: RawPoint[];
  sorted: boolean;
}

export interface MetricStatQuery {
  Metric: MetricIdentity;
  Period: number;
  Stat: string;
  Unit?: string;
}

export interface MetricDataQuery {
  Id: string;
  MetricStat?: MetricStatQuery;
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
}

export interface QueryResult {
  id: string;
  label: string;
  /** Period of the result in seconds. */
  period: number;
  series: Series;
  returnData: boolean;
}

/** CloudWatch keeps 15 months; a rehearsal needs far less. Points older than this are dropped. */
const RETENTION_MS = 15 * 24 * 3600 * 1000;

function invalidValue(message: string): ServiceError {
  return new ServiceError('InvalidParameterValueException', message, 400, {}, 'InvalidParameterValue');
}

const MINUTE_MS = 60_000;

/** Where a point is stored: at its second (high resolution) or at the start of its minute (standard). */
function at(t: number, highResolution: boolean): { t: number; highResolution?: true } {
  return highResolution ? { t, highResolution: true } : { t: Math.floor(t / MINUTE_MS) * MINUTE_MS };
}

/** Whether CloudWatch has aggregated the point by `asOf`: a standard-resolution point once its minute is over. */
function availableBy(p: RawPoint, asOf: number | undefined): boolean {
  if (asOf === undefined) return true;
  return p.highResolution ? p.t < asOf : p.t + MINUTE_MS <= asOf;
}

export function metricKey(identity: MetricIdentity): string {
  const dims = [...(identity.Dimensions ?? [])]
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',');
  return `${identity.Namespace}\u0000${identity.MetricName}\u0000${dims}`;
}

/** Parses `Sum`, `Average`, `p95`, `p99.9`, … into a function over raw points; undefined: unsupported. */
export function statistic(stat: string): ((points: RawPoint[]) => number | undefined) | undefined {
  const totals = (points: RawPoint[]) => {
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const p of points) {
      if (p.set) {
        count += p.count;
        sum += p.set.sum;
        min = Math.min(min, p.set.min);
        max = Math.max(max, p.set.max);
      } else if (p.value !== undefined) {
        count += p.count;
        sum += p.value * p.count;
        min = Math.min(min, p.value);
        max = Math.max(max, p.value);
      }
    }
    return { count, sum, min, max };
  };
  switch (stat) {
    case 'SampleCount':
      return (ps) => totals(ps).count;
    case 'Sum':
      return (ps) => totals(ps).sum;
    case 'Average':
      return (ps) => {
        const t = totals(ps);
        return t.count > 0 ? t.sum / t.count : undefined;
      };
    case 'Minimum':
      return (ps) => totals(ps).min;
    case 'Maximum':
      return (ps) => totals(ps).max;
  }
  const m = /^p(\d{1,2}(?:\.\d{1,10})?|100)$/.exec(stat);
  if (!m) return undefined;
  const p = Number(m[1]);
  return (ps) => {
    // Nearest rank over raw samples; statistic sets carry no distribution.
    const samples = ps.filter((x) => !x.set && x.value !== undefined).sort((a, b) => (a.value as number) - (b.value as number));
    const n = samples.reduce((acc, x) => acc + x.count, 0);
    if (n === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * n));
    let seen = 0;
    for (const s of samples) {
      seen += s.count;
      if (seen >= rank) return s.value;
    }
    return samples[samples.length - 1]?.value;
  };
}

export class MetricStore {
  private readonly series = new Map<string, StoredSeries>();

  public constructor(private readonly now: () => number) {}

  /**
   * Records one sample (`count` times) at virtual time `t`. Standard resolution (the default, and what
   * AWS services publish) keeps the point at 1-minute granularity: its timestamp becomes its minute.
   */
  public putValue(identity: MetricIdentity, t: number, value: number, unit = 'None', count = 1, highResolution = false): void {
    this.push(identity, { ...at(t, highResolution), unit, value, count });
  }

  public putStatisticSet(identity: MetricIdentity, t: number, set: { SampleCount: number; Sum: number; Minimum: number; Maximum: number }, unit = 'None', highResolution = false): void {
    this.push(identity, { ...at(t, highResolution), unit, count: set.SampleCount, set: { sum: set.Sum, min: set.Minimum, max: set.Maximum } });
  }

  private push(identity: MetricIdentity, point: RawPoint): void {
    const key = metricKey(identity);
    let s = this.series.get(key);
    if (!s) {
      s = {
        identity: { Namespace: identity.Namespace, MetricName: identity.MetricName, Dimensions: [...(identity.Dimensions ?? [])] },
        points: [],
        sorted: true,
      };
      this.series.set(key, s);
    }
    const last = s.points[s.points.length - 1];
    if (last && last.t > point.t) s.sorted = false;
    s.points.push(point);
    const first = s.points[0];
    if (first && first.t < this.now() - RETENTION_MS && s.points.length % 1024 === 0) {
      const cutoff = this.now() - RETENTION_MS;
      s.points = s.points.filter((p) => p.t >= cutoff);
    }
  }

  /** ListMetrics: metrics matching the namespace/name and containing every given dimension. */
  public list(filter: { Namespace?: string; MetricName?: string; Dimensions?: { Name: string; Value?: string }[] }): Required<MetricIdentity>[] {
    const out: Required<MetricIdentity>[] = [];
    for (const s of this.series.values()) {
      const id = s.identity;
      if (filter.Namespace && id.Namespace !== filter.Namespace) continue;
      if (filter.MetricName && id.MetricName !== filter.MetricName) continue;
      const ok = (filter.Dimensions ?? []).every((f) => id.Dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)));
      if (ok) out.push(id);
    }
    return out;
  }

  /** Raw points of one metric in [start, end), optionally of one unit, as aggregated by `asOf` (default: all). */
  private pointsIn(identity: MetricIdentity, start: number, end: number, unit?: string, asOf?: number): RawPoint[] {
    const s = this.series.get(metricKey(identity));
    if (!s) return [];
    if (!s.sorted) {
      s.points.sort((a, b) => a.t - b.t);
      s.sorted = true;
    }
    // Binary search for the first point at or after `start`.
    let lo = 0;
    let hi = s.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((s.points[mid] as RawPoint).t < start) lo = mid + 1;
      else hi = mid;
    }
    const out: RawPoint[] = [];
    for (let i = lo; i < s.points.length; i++) {
      const p = s.points[i] as RawPoint;
      if (p.t >= end) break;
      if (unit && p.unit !== unit) continue;
      if (!availableBy(p, asOf)) continue;
      out.push(p);
    }
    return out;
  }

  /** One statistic per period bucket (keyed by the bucket's start, virtual ms). */
  public aggregate(q: MetricStatQuery, start: number, end: number, asOf?: number): Series {
    const stat = statistic(q.Stat);
    if (!stat) throw invalidValue(`Unsupported statistic '${q.Stat}' (the sandbox supports SampleCount, Sum, Average, Minimum, Maximum and pNN)`);
    const periodMs = q.Period * 1000;
    const alignedStart = Math.floor(start / periodMs) * periodMs;
    const buckets = new Map<number, RawPoint[]>();
    for (const p of this.pointsIn(q.Metric, alignedStart, end, q.Unit, asOf)) {
      const b = Math.floor(p.t / periodMs) * periodMs;
      let list = buckets.get(b);
      if (!list) buckets.set(b, (list = []));
      list.push(p);
    }
    const out: Series = new Map();
    for (const [b, ps] of [...buckets].sort((x, y) => x[0] - y[0])) {
      const v = stat(ps);
      if (v !== undefined && Number.isFinite(v)) out.set(b, v);
    }
    return out;
  }

  /**
   * Evaluates GetMetricData-style queries over [start, end): metric stats first,
   * then expressions in dependency order.
   */
  public query(queries: readonly MetricDataQuery[], start: number, end: number, asOf?: number): QueryResult[] {
    const byId = new Map<string, MetricDataQuery>();
    for (const q of queries) {
      if (!q.Id || !/^[a-z][a-zA-Z0-9_]*$/.test(q.Id)) throw invalidValue(`Invalid query id '${q.Id}': it must start with a lowercase letter and contain only letters, digits and '_'`);
      if (byId.has(q.Id)) throw invalidValue(`Duplicate query id '${q.Id}'`);
      if (!q.MetricStat === !q.Expression) throw invalidValue(`Query '${q.Id}' must have exactly one of MetricStat and Expression`);
      byId.set(q.Id, q);
    }
    const results = new Map<string, QueryResult>();
    const visiting = new Set<string>();
    const timelineFor = (period: number): number[] => {
      const p = period * 1000;
      const out: number[] = [];
      for (let t = Math.floor(start / p) * p; t < end && out.length < 100_800; t += p) out.push(t);
      return out;
    };
    const resolve = (id: string): QueryResult => {
      const done = results.get(id);
      if (done) return done;
      const q = byId.get(id);
      if (!q) throw invalidValue(`Metric math expression references unknown id '${id}'`);
      if (visiting.has(id)) throw invalidValue(`Metric math expressions form a cycle through '${id}'`);
      visiting.add(id);
      let result: QueryResult;
      if (q.MetricStat) {
        const ms = q.MetricStat;
        if (!ms.Metric?.Namespace || !ms.Metric?.MetricName) throw invalidValue(`Query '${id}': MetricStat.Metric needs Namespace and MetricName`);
        if (!(Number.isInteger(ms.Period) && ms.Period >= 1)) throw invalidValue(`Query '${id}': MetricStat.Period must be a positive integer`);
        result = { id, label: q.Label ?? ms.Metric.MetricName, period: ms.Period, series: this.aggregate(ms, start, end, asOf), returnData: q.ReturnData !== false };
      } else {
        const expression = q.Expression as string;
        const ast = parseExpression(expression);
        const deps = referencedIds(ast).map(resolve);
        // An expression takes the period of the metrics it reads (or its own Period, else 60 s).
        const periodOf = q.Period ?? (deps.length ? Math.max(...deps.map((d) => d.period)) : 60);
        const timeline = timelineFor(periodOf);
        const value: MathValue = evaluate(ast, (ref) => resolve(ref).series, timeline, expression);
        const series: Series = typeof value === 'number' ? new Map(Number.isFinite(value) ? timeline.map((t) => [t, value]) : []) : value;
        result = { id, label: q.Label ?? id, period: periodOf, series, returnData: q.ReturnData !== false };
      }
      visiting.delete(id);
      results.set(id, result);
      return result;
    };
    return queries.map((q) => resolve(q.Id));
  }
}
