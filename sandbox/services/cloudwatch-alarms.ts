/**
 * CloudWatch metric alarms whose state is evaluated from recorded datapoints,
 * on the virtual clock, the way CloudWatch documents it ("Using Amazon
 * CloudWatch alarms", "Alarm evaluation", PutMetricAlarm):
 *  - a new alarm starts INSUFFICIENT_DATA ("Unchecked: Initial alarm creation");
 *  - it is evaluated every 60 s, or every 10 s for a 10/20/30 s period, at those
 *    boundaries of virtual time (plus `evaluationDelayMs`, the time metrics take
 *    to arrive);
 *  - the evaluation range is the EvaluationPeriods most recent *complete*
 *    periods: a period still filling is never evaluated, so whether a bad
 *    green is caught does not depend on where in a period its requests land;
 *  - a standard-resolution datapoint (every AWS service metric, PutMetricData
 *    without StorageResolution 1) is aggregated per minute and available once
 *    its minute is over, so a 10/20/30 s period on it sees no data;
 *  - ALARM when at least DatapointsToAlarm of them breach; missing points are
 *    handled per TreatMissingData (missing | notBreaching | breaching | ignore);
 *  - updating an alarm keeps its state (as PutMetricAlarm does); SetAlarmState
 *    holds until the next evaluation.
 */
import type { VirtualClock } from '../clock';
import { ServiceError } from '../protocol';
import type { Series } from './metric-math';
import { statistic, type Dimension, type MetricDataQuery, type MetricStore } from './cloudwatch-metrics';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
type Comparison = 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
type TreatMissing = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

export interface PutMetricAlarmInput {
  AlarmName?: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: MetricDataQuery[];
  ThresholdMetricId?: string;
  Tags?: { Key: string; Value: string }[];
}

export interface AlarmRecord {
  config: PutMetricAlarmInput & { AlarmName: string; EvaluationPeriods: number; ComparisonOperator: Comparison; TreatMissingData: TreatMissing };
  arn: string;
  state: AlarmState;
  reason: string;
  reasonData?: string;
  stateUpdatedAt: number;
  stateTransitionedAt: number;
  configUpdatedAt: number;
  nextEvaluationAt: number;
}

export interface AlarmHistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm';
  Timestamp: number;
  HistoryItemType: 'ConfigurationUpdate' | 'StateUpdate';
  HistorySummary: string;
  HistoryData: string;
}

const COMPARISONS: Record<Comparison, { test: (v: number, t: number) => boolean; text: string }> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, text: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v, t) => v > t, text: 'greater than' },
  LessThanThreshold: { test: (v, t) => v < t, text: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, text: 'less than or equal to' },
};
const SIMPLE_STATS = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);
const TREATMENTS: readonly TreatMissing[] = ['missing', 'notBreaching', 'breaching', 'ignore'];
const MAX_HISTORY = 10_000;

function validation(message: string): ServiceError {
  return new ServiceError('ValidationException', message, 400, {}, 'ValidationError');
}
function invalidValue(message: string): ServiceError {
  return new ServiceError('InvalidParameterValueException', message, 400, {}, 'InvalidParameterValue');
}
function combination(message: string): ServiceError {
  return new ServiceError('InvalidParameterCombinationException', message, 400, {}, 'InvalidParameterCombination');
}
function notFound(message: string): ServiceError {
  return new ServiceError('ResourceNotFound', message, 404, {}, 'ResourceNotFound');
}

/** Alarm periods: 10, 20 or 30 s (high resolution) or a multiple of 60 s. */
function checkPeriod(period: unknown, where: string): number {
  if (typeof period !== 'number' || !Number.isInteger(period) || !([10, 20, 30].includes(period) || (period >= 60 && period % 60 === 0))) {
    throw invalidValue(`${where}: Period must be 10, 20, 30 or a multiple of 60 seconds, got ${String(period)}`);
  }
  return period;
}

function formatStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export class AlarmBook {
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly history: AlarmHistoryItem[] = [];

  private readonly delayMs: number;

  public constructor(
    private readonly store: MetricStore,
    private readonly clock: VirtualClock,
    private readonly arnPrefix: string,
    options: { evaluationDelayMs?: number } = {},
  ) {
    this.delayMs = options.evaluationDelayMs ?? 0;
  }

  public put(input: PutMetricAlarmInput): void {
    const name = input.AlarmName;
    if (!name || name.length > 255) throw new ServiceError('MissingRequiredParameterException', 'AlarmName is required (1-255 characters)', 400, {}, 'MissingParameter');
    const single = input.MetricName !== undefined || input.Namespace !== undefined;
    if (single && input.Metrics) throw combination('Use either MetricName/Namespace or Metrics, not both');
    if (!single && !input.Metrics) throw validation('An alarm needs either MetricName and Namespace, or Metrics');
    if (!Number.isInteger(input.EvaluationPeriods) || (input.EvaluationPeriods as number) < 1) throw validation('EvaluationPeriods must be an integer of at least 1');
    const n = input.EvaluationPeriods as number;
    if (input.DatapointsToAlarm !== undefined && !(Number.isInteger(input.DatapointsToAlarm) && input.DatapointsToAlarm >= 1 && input.DatapointsToAlarm <= n)) {
      throw validation('DatapointsToAlarm must be between 1 and EvaluationPeriods');
    }
    const comparison = input.ComparisonOperator as Comparison;
    if (!COMPARISONS[comparison]) throw validation(`Unsupported ComparisonOperator '${String(input.ComparisonOperator)}' (anomaly detection bands are not emulated)`);
    if (input.ThresholdMetricId) throw validation('ThresholdMetricId (anomaly detection) is not emulated by the sandbox');
    if (typeof input.Threshold !== 'number') throw validation('Threshold is required');
    const treat = (input.TreatMissingData ?? 'missing') as TreatMissing;
    if (!TREATMENTS.includes(treat)) throw validation(`TreatMissingData must be one of ${TREATMENTS.join(', ')}`);
    if (single) {
      if (!input.MetricName || !input.Namespace) throw validation('MetricName and Namespace are both required');
      if (!input.Statistic === !input.ExtendedStatistic) throw combination('Exactly one of Statistic and ExtendedStatistic is required');
      if (input.Statistic && !SIMPLE_STATS.has(input.Statistic)) throw invalidValue(`Invalid Statistic '${input.Statistic}'`);
      if (input.ExtendedStatistic && (SIMPLE_STATS.has(input.ExtendedStatistic) || !statistic(input.ExtendedStatistic))) {
        throw invalidValue(`Invalid ExtendedStatistic '${input.ExtendedStatistic}' (the sandbox supports pNN)`);
      }
      const period = checkPeriod(input.Period, 'PutMetricAlarm');
      if (period * n > 7 * 24 * 3600) throw validation('Period * EvaluationPeriods must not exceed 7 days');
    } else {
      const metrics = input.Metrics as MetricDataQuery[];
      if (metrics.length === 0 || metrics.length > 10) throw validation('Metrics must hold 1 to 10 queries');
      if (metrics.filter((m) => m.ReturnData !== false).length !== 1) throw validation('Exactly one element of the Metrics array must have ReturnData set to true');
      for (const m of metrics) if (m.MetricStat) checkPeriod(m.MetricStat.Period, `Metrics[${m.Id}]`);
      // Fail now, not at evaluation time, on a bad expression or id.
      const now = this.clock.now();
      this.store.query(metrics, now - 60_000, now);
    }
    const now = this.clock.now();
    const existing = this.alarms.get(name);
    const config: AlarmRecord['config'] = { ...input, AlarmName: name, EvaluationPeriods: n, ComparisonOperator: comparison, TreatMissingData: treat };
    if (existing) {
      existing.config = config;
      existing.configUpdatedAt = now;
      existing.nextEvaluationAt = this.nextBoundary(existing, now);
    } else {
      const record: AlarmRecord = {
        config,
        arn: `${this.arnPrefix}${name}`,
        state: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        stateUpdatedAt: now,
        stateTransitionedAt: now,
        configUpdatedAt: now,
        nextEvaluationAt: 0,
      };
      record.nextEvaluationAt = this.nextBoundary(record, now);
      this.alarms.set(name, record);
    }
    this.record(name, now, 'ConfigurationUpdate', `Alarm "${name}" ${existing ? 'updated' : 'created'}`, { version: '1.0', type: existing ? 'Update' : 'Create' });
  }

  /** Period of the alarm's evaluated series, in seconds. */
  private period(alarm: AlarmRecord): number {
    if (alarm.config.Period !== undefined && alarm.config.MetricName) return alarm.config.Period;
    const periods = (alarm.config.Metrics ?? []).map((m) => m.MetricStat?.Period ?? m.Period ?? 0).filter((p) => p > 0);
    return periods.length ? Math.max(...periods) : 60;
  }

  /** "If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every 10 seconds"; else every minute. */
  private interval(alarm: AlarmRecord): number {
    return (this.period(alarm) < 60 ? 10 : 60) * 1000;
  }

  /** The first evaluation time after `now`: an interval boundary, plus the arrival delay. */
  private nextBoundary(alarm: AlarmRecord, now: number): number {
    const step = this.interval(alarm);
    return (Math.floor((now - this.delayMs) / step) + 1) * step + this.delayMs;
  }

  /** Runs the evaluations that are due on the virtual clock. */
  public tick(): void {
    const now = this.clock.now();
    for (const alarm of this.alarms.values()) {
      if (alarm.nextEvaluationAt > now) continue;
      // Evaluated as of its latest boundary, even when the tick comes late (a busy event loop, a fast clock).
      const step = this.interval(alarm);
      this.evaluate(alarm, Math.floor((now - this.delayMs) / step) * step + this.delayMs);
      alarm.nextEvaluationAt = this.nextBoundary(alarm, now);
    }
  }

  /** Evaluates every alarm now, whether due or not (for tests and tools). */
  public evaluateAll(): void {
    const now = this.clock.now();
    for (const alarm of this.alarms.values()) {
      this.evaluate(alarm, now);
      alarm.nextEvaluationAt = this.nextBoundary(alarm, now);
    }
  }

  private series(alarm: AlarmRecord, start: number, end: number, asOf: number): Series {
    const c = alarm.config;
    if (c.Metrics) {
      const results = this.store.query(c.Metrics, start, end, asOf);
      return results.find((r) => r.returnData)?.series ?? new Map();
    }
    return this.store.aggregate(
      {
        Metric: { Namespace: c.Namespace as string, MetricName: c.MetricName as string, Dimensions: c.Dimensions ?? [] },
        Period: c.Period as number,
        Stat: (c.Statistic ?? c.ExtendedStatistic) as string,
        ...(c.Unit ? { Unit: c.Unit } : {}),
      },
      start,
      end,
      asOf,
    );
  }

  private evaluate(alarm: AlarmRecord, now: number): void {
    const c = alarm.config;
    const periodMs = this.period(alarm) * 1000;
    const n = c.EvaluationPeriods;
    const m = c.DatapointsToAlarm ?? n;
    // What CloudWatch has by now: the metrics that arrived (the delay), in the periods that are over.
    const asOf = now - this.delayMs;
    const end = Math.floor(asOf / periodMs) * periodMs;
    const series = this.series(alarm, end - n * periodMs, end, asOf);
    const buckets = Array.from({ length: n }, (_, i) => end - (n - i) * periodMs);
    const threshold = c.Threshold as number;
    const cmp = COMPARISONS[c.ComparisonOperator];
    let breaching = 0;
    let present = 0;
    let missing = 0;
    const points: { t: number; v: number }[] = [];
    for (const b of buckets) {
      const v = series.get(b);
      if (v === undefined) {
        missing++;
        if (c.TreatMissingData === 'breaching') breaching++;
        if (c.TreatMissingData === 'breaching' || c.TreatMissingData === 'notBreaching') present++;
        continue;
      }
      present++;
      points.push({ t: b, v });
      if (cmp.test(v, threshold)) breaching++;
    }
    let next: AlarmState;
    if (breaching >= m) next = 'ALARM';
    else if (present === 0) {
      if (c.TreatMissingData === 'ignore') return;
      next = 'INSUFFICIENT_DATA';
    } else next = 'OK';

    const recent = [...points].reverse();
    const list = recent.map((p) => `${p.v.toFixed(Math.abs(p.v) < 1 && p.v !== 0 ? 4 : 1)} (${formatStamp(p.t)})`).join(', ');
    const plural = (k: number, one: string, many: string) => (k === 1 ? one : many);
    let reason: string;
    if (next === 'INSUFFICIENT_DATA') {
      reason = `Insufficient Data: ${n} ${plural(n, 'datapoint was', 'datapoints were')} unknown.`;
    } else if (points.length === 0) {
      const as = c.TreatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
      reason = `Threshold Crossed: no datapoints were received for ${n} ${plural(n, 'period', 'periods')} and ${missing} missing ${plural(missing, 'datapoint was', 'datapoints were')} treated as [${as}].`;
    } else if (next === 'ALARM') {
      reason = `Threshold Crossed: ${breaching} out of the last ${n} datapoints [${list}] ${plural(breaching, 'was', 'were')} ${cmp.text} the threshold (${threshold}) (minimum ${m} ${plural(m, 'datapoint', 'datapoints')} for ${alarm.state} -> ALARM transition).`;
    } else {
      reason = `Threshold Crossed: ${points.length} ${plural(points.length, 'datapoint', 'datapoints')} [${list}] ${plural(points.length, 'was', 'were')} not ${cmp.text} the threshold (${threshold}).`;
    }
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: new Date(now).toISOString(),
      startDate: new Date(buckets[0] ?? now).toISOString(),
      ...(c.Statistic ? { statistic: c.Statistic } : {}),
      period: periodMs / 1000,
      recentDatapoints: recent.map((p) => p.v),
      threshold,
      evaluatedDatapoints: recent.map((p) => ({ timestamp: new Date(p.t).toISOString(), value: p.v })),
    });
    if (next !== alarm.state) this.transition(alarm, next, reason, reasonData, now);
  }

  private transition(alarm: AlarmRecord, next: AlarmState, reason: string, reasonData: string | undefined, now: number): void {
    const previous = { stateValue: alarm.state, stateReason: alarm.reason };
    alarm.state = next;
    alarm.reason = reason;
    alarm.reasonData = reasonData;
    alarm.stateUpdatedAt = now;
    alarm.stateTransitionedAt = now;
    this.record(alarm.config.AlarmName, now, 'StateUpdate', `Alarm updated from ${previous.stateValue} to ${next}`, {
      version: '1.0',
      oldState: previous,
      newState: { stateValue: next, stateReason: reason, ...(reasonData ? { stateReasonData: JSON.parse(reasonData) as unknown } : {}) },
    });
  }

  private record(name: string, t: number, type: AlarmHistoryItem['HistoryItemType'], summary: string, data: unknown): void {
    this.history.push({ AlarmName: name, AlarmType: 'MetricAlarm', Timestamp: t, HistoryItemType: type, HistorySummary: summary, HistoryData: JSON.stringify(data) });
    if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
  }

  public setState(name: string, value: string, reason: string, reasonData?: string): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw notFound(`Alarm ${name} not found`);
    if (value !== 'OK' && value !== 'ALARM' && value !== 'INSUFFICIENT_DATA') throw validation(`Invalid StateValue '${value}'`);
    if (reasonData !== undefined) {
      try {
        JSON.parse(reasonData);
      } catch {
        throw new ServiceError('InvalidFormatFault', 'StateReasonData is not valid JSON', 400, {}, 'InvalidFormat');
      }
    }
    const now = this.clock.now();
    if (alarm.state === value) {
      alarm.reason = reason;
      alarm.reasonData = reasonData;
      alarm.stateUpdatedAt = now;
    } else {
      this.transition(alarm, value, reason, reasonData, now);
    }
    // The alarm returns to its evaluated state at the next evaluation.
    alarm.nextEvaluationAt = this.nextBoundary(alarm, now);
  }

  public delete(names: readonly string[]): void {
    const missing = names.filter((n) => !this.alarms.has(n));
    if (missing.length) throw notFound(`${missing.length === 1 ? 'Alarm' : 'Alarms'} ${missing.join(', ')} not found`);
    const now = this.clock.now();
    for (const n of names) {
      this.alarms.delete(n);
      this.record(n, now, 'ConfigurationUpdate', `Alarm "${n}" deleted`, { version: '1.0', type: 'Delete' });
    }
  }

  public setActionsEnabled(names: readonly string[], enabled: boolean): void {
    for (const n of names) {
      const alarm = this.alarms.get(n);
      if (alarm) alarm.config.ActionsEnabled = enabled;
    }
  }

  public get(name: string): AlarmRecord | undefined {
    return this.alarms.get(name);
  }

  /** Alarms in name order, after running the evaluations that are due. */
  public list(filter: { names?: string[]; prefix?: string; state?: string }): AlarmRecord[] {
    this.tick();
    return [...this.alarms.values()]
      .filter((a) => !filter.names?.length || filter.names.includes(a.config.AlarmName))
      .filter((a) => !filter.prefix || a.config.AlarmName.startsWith(filter.prefix))
      .filter((a) => !filter.state || a.state === filter.state)
      .sort((a, b) => (a.config.AlarmName < b.config.AlarmName ? -1 : 1));
  }

  public historyItems(filter: { name?: string; type?: string; start?: number; end?: number }): AlarmHistoryItem[] {
    return this.history
      .filter((h) => !filter.name || h.AlarmName === filter.name)
      .filter((h) => !filter.type || h.HistoryItemType === filter.type)
      .filter((h) => filter.start === undefined || h.Timestamp >= filter.start)
      .filter((h) => filter.end === undefined || h.Timestamp <= filter.end)
      .reverse();
  }
}
