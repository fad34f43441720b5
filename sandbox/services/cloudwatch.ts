/**
 * CloudWatch (metrics and metric alarms) over the awsJson1_0 query-compatible
 * protocol that @aws-sdk/client-cloudwatch sends (`X-Amz-Target:
 * GraniteServiceVersion20100801.<Operation>`, timestamps as epoch seconds).
 *
 * Datapoints come from three places: PutMetricData, EMF lines that handlers
 * print (`{"_aws":{"CloudWatchMetrics":[…]}}`), and every Invoke the sandbox's
 * Lambda routes (namespace AWS/Lambda, as Lambda publishes them).
 *
 * Time: timestamps you receive are virtual (see clock.ts); timestamps you send
 * are read as they are, so a client should take "now" from the sandbox clock
 * (handlers running in the sandbox do, their `Date` is virtual) or omit them.
 */
import type { VirtualClock } from '../clock';
import { ServiceError } from '../protocol';
import { AlarmBook, type AlarmRecord, type PutMetricAlarmInput } from './cloudwatch-alarms';
import { MetricStore, type Dimension, type MetricDataQuery } from './cloudwatch-metrics';

export interface LambdaInvocationMetric {
  functionName: string;
  /** `name:alias` or `name:version` when the caller qualified the function. */
  resource?: string;
  /** The version that ran, when invoked through an alias. */
  executedVersion?: string;
  durationMs: number;
  error: boolean;
  throttled: boolean;
  /** Virtual time of the invocation (default: now). */
  at?: number;
}

type Input = Record<string, unknown>;

const EVALUATION_TICK_MS = 50;

export interface CloudWatchOptions {
  /**
   * Alarms per DescribeAlarms page when the request gives no MaxRecords. AWS does not document it
   * (the API reference gives MaxRecords 1–100 and a NextToken); a report puts it at 50.
   */
  describeAlarmsPageSize?: number;
  /** Virtual seconds CloudWatch waits after a period ends before evaluating it (metric arrival); default 0. */
  evaluationDelaySeconds?: number;
}

export const DEFAULT_DESCRIBE_ALARMS_PAGE_SIZE = 50;

function missing(name: string): ServiceError {
  return new ServiceError('MissingRequiredParameterException', `The parameter ${name} is required.`, 400, {}, 'MissingParameter');
}
function invalidValue(message: string): ServiceError {
  return new ServiceError('InvalidParameterValueException', message, 400, {}, 'InvalidParameterValue');
}

/** Epoch seconds (what the SDK sends), ISO strings or epoch ms as a Date → virtual epoch ms. */
export function toMs(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string') {
    const n = Number(value);
    const ms = Number.isFinite(n) ? n * 1000 : Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  if (value instanceof Date) return value.getTime();
  throw invalidValue(`The parameter ${name} must be a timestamp.`);
}

const sec = (ms: number): number => ms / 1000;

function strip<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export class CloudWatchService {
  public readonly metrics: MetricStore;
  public readonly alarms: AlarmBook;
  private ticker?: NodeJS.Timeout;

  private readonly pageSize: number;

  public constructor(
    private readonly clock: VirtualClock,
    region: string,
    account: string,
    options: CloudWatchOptions = {},
  ) {
    this.pageSize = options.describeAlarmsPageSize ?? DEFAULT_DESCRIBE_ALARMS_PAGE_SIZE;
    this.metrics = new MetricStore(() => clock.now());
    this.alarms = new AlarmBook(this.metrics, clock, `arn:aws:cloudwatch:${region}:${account}:alarm:`, {
      ...(options.evaluationDelaySeconds !== undefined ? { evaluationDelayMs: options.evaluationDelaySeconds * 1000 } : {}),
    });
  }

  /** Starts the alarm evaluation timer (wall clock; evaluations are due on the virtual clock). */
  public start(): void {
    this.ticker = setInterval(() => this.alarms.tick(), EVALUATION_TICK_MS);
    this.ticker.unref();
  }

  public stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Records the AWS/Lambda metrics of one routed invocation. */
  public recordLambdaInvocation(m: LambdaInvocationMetric): void {
    const at = m.at ?? this.clock.now();
    const dimensionSets: Dimension[][] = [[], [{ Name: 'FunctionName', Value: m.functionName }]];
    if (m.resource) dimensionSets.push([{ Name: 'FunctionName', Value: m.functionName }, { Name: 'Resource', Value: m.resource }]);
    // As Lambda does: ExecutedVersion only for alias invocations, always with FunctionName and Resource (name:alias).
    if (m.executedVersion && m.resource && !/:\d+$/.test(m.resource)) {
      dimensionSets.push([
        { Name: 'FunctionName', Value: m.functionName },
        { Name: 'Resource', Value: m.resource },
        { Name: 'ExecutedVersion', Value: m.executedVersion },
      ]);
    }
    for (const Dimensions of dimensionSets) {
      const id = (MetricName: string) => ({ Namespace: 'AWS/Lambda', MetricName, Dimensions });
      this.metrics.putValue(id('Throttles'), at, m.throttled ? 1 : 0, 'Count');
      if (m.throttled) continue;
      this.metrics.putValue(id('Invocations'), at, 1, 'Count');
      this.metrics.putValue(id('Errors'), at, m.error ? 1 : 0, 'Count');
      this.metrics.putValue(id('Duration'), at, m.durationMs, 'Milliseconds');
    }
  }

  /**
   * Reads one log line as CloudWatch Embedded Metric Format; returns whether it
   * was EMF (such lines become metrics instead of log output).
   */
  public ingestEmf(line: string): boolean {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{') || !trimmed.includes('"_aws"')) return false;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      return false;
    }
    const aws = doc._aws as { Timestamp?: number; CloudWatchMetrics?: unknown } | undefined;
    if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return false;
    const at = typeof aws.Timestamp === 'number' ? aws.Timestamp : this.clock.now();
    for (const directive of aws.CloudWatchMetrics as { Namespace?: string; Dimensions?: string[][]; Metrics?: { Name: string; Unit?: string; StorageResolution?: number }[] }[]) {
      if (!directive?.Namespace || !Array.isArray(directive.Metrics)) continue;
      const sets = Array.isArray(directive.Dimensions) && directive.Dimensions.length ? directive.Dimensions : [[]];
      for (const names of sets) {
        if (!names.every((n) => doc[n] !== undefined)) continue;
        const Dimensions = names.map((n) => ({ Name: n, Value: String(doc[n]) }));
        for (const metric of directive.Metrics) {
          const raw = doc[metric.Name];
          const values = Array.isArray(raw) ? raw : [raw];
          for (const v of values) {
            if (typeof v === 'number' && Number.isFinite(v)) {
              this.metrics.putValue({ Namespace: directive.Namespace, MetricName: metric.Name, Dimensions }, at, v, metric.Unit ?? 'None', 1, metric.StorageResolution === 1);
            }
          }
        }
      }
    }
    return true;
  }

  /** Runs one API operation; throws ServiceError in CloudWatch's vocabulary. */
  public handle(operation: string, input: Input): unknown {
    switch (operation) {
      case 'PutMetricData':
        return this.putMetricData(input);
      case 'GetMetricData':
        return this.getMetricData(input);
      case 'GetMetricStatistics':
        return this.getMetricStatistics(input);
      case 'ListMetrics':
        return { Metrics: this.metrics.list(input as Parameters<MetricStore['list']>[0]) };
      case 'PutMetricAlarm':
        this.alarms.put(input as PutMetricAlarmInput);
        return {};
      case 'DescribeAlarms':
        return this.describeAlarms(input);
      case 'DeleteAlarms':
        this.alarms.delete((input.AlarmNames as string[] | undefined) ?? []);
        return {};
      case 'SetAlarmState':
        if (!input.AlarmName) throw missing('AlarmName');
        if (!input.StateValue) throw missing('StateValue');
        if (input.StateReason === undefined) throw missing('StateReason');
        this.alarms.setState(String(input.AlarmName), String(input.StateValue), String(input.StateReason), input.StateReasonData as string | undefined);
        return {};
      case 'DescribeAlarmHistory':
        return this.describeAlarmHistory(input);
      case 'EnableAlarmActions':
      case 'DisableAlarmActions':
        this.alarms.setActionsEnabled((input.AlarmNames as string[] | undefined) ?? [], operation === 'EnableAlarmActions');
        return {};
      default:
        throw new ServiceError('UnknownOperationException', `The sandbox does not emulate CloudWatch ${operation}`, 400, {}, 'InvalidAction');
    }
  }

  private putMetricData(input: Input): unknown {
    const namespace = input.Namespace;
    if (typeof namespace !== 'string' || !namespace) throw missing('Namespace');
    if (namespace.startsWith('AWS/')) throw invalidValue(`The value ${namespace} for parameter Namespace is invalid.`);
    const data = input.MetricData as Record<string, unknown>[] | undefined;
    if (!Array.isArray(data) || data.length === 0) throw missing('MetricData');
    const now = this.clock.now();
    for (const d of data) {
      if (typeof d.MetricName !== 'string' || !d.MetricName) throw missing('MetricData.member.MetricName');
      const identity = { Namespace: namespace, MetricName: d.MetricName, Dimensions: (d.Dimensions as Dimension[] | undefined) ?? [] };
      const at = d.Timestamp === undefined ? now : toMs(d.Timestamp, 'Timestamp');
      const unit = (d.Unit as string | undefined) ?? 'None';
      if (d.StorageResolution !== undefined && d.StorageResolution !== 1 && d.StorageResolution !== 60) {
        throw invalidValue(`The value ${String(d.StorageResolution)} for parameter MetricData.member.StorageResolution is invalid: it must be 1 or 60.`);
      }
      // "Setting this to 1 specifies this metric as a high-resolution metric"; 60 (the default) is standard resolution.
      const high = d.StorageResolution === 1;
      if (d.StatisticValues) {
        const s = d.StatisticValues as { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
        this.metrics.putStatisticSet(identity, at, s, unit, high);
      } else if (Array.isArray(d.Values)) {
        const counts = (d.Counts as number[] | undefined) ?? [];
        (d.Values as number[]).forEach((v, i) => this.metrics.putValue(identity, at, Number(v), unit, counts[i] ?? 1, high));
      } else if (typeof d.Value === 'number' && Number.isFinite(d.Value)) {
        this.metrics.putValue(identity, at, d.Value, unit, 1, high);
      } else {
        throw invalidValue(`MetricData ${d.MetricName} needs Value, Values or StatisticValues`);
      }
    }
    return {};
  }

  private getMetricData(input: Input): unknown {
    const queries = input.MetricDataQueries as MetricDataQuery[] | undefined;
    if (!Array.isArray(queries) || queries.length === 0) throw missing('MetricDataQueries');
    if (queries.length > 500) throw invalidValue('At most 500 MetricDataQueries are allowed');
    if (input.StartTime === undefined) throw missing('StartTime');
    if (input.EndTime === undefined) throw missing('EndTime');
    const start = toMs(input.StartTime, 'StartTime');
    const end = toMs(input.EndTime, 'EndTime');
    if (end <= start) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
    const ascending = input.ScanBy === 'TimestampAscending';
    const results = this.metrics
      .query(queries, start, end)
      .filter((r) => r.returnData)
      .map((r) => {
        const points = [...r.series].sort((a, b) => (ascending ? a[0] - b[0] : b[0] - a[0]));
        return { Id: r.id, Label: r.label, Timestamps: points.map(([t]) => sec(t)), Values: points.map(([, v]) => v), StatusCode: 'Complete', Messages: [] };
      });
    return { MetricDataResults: results, Messages: [] };
  }

  private getMetricStatistics(input: Input): unknown {
    for (const k of ['Namespace', 'MetricName', 'StartTime', 'EndTime', 'Period']) if (input[k] === undefined) throw missing(k);
    const stats = [...((input.Statistics as string[] | undefined) ?? []), ...((input.ExtendedStatistics as string[] | undefined) ?? [])];
    if (stats.length === 0) throw missing('Statistics');
    const start = toMs(input.StartTime, 'StartTime');
    const end = toMs(input.EndTime, 'EndTime');
    const Metric = { Namespace: String(input.Namespace), MetricName: String(input.MetricName), Dimensions: (input.Dimensions as Dimension[] | undefined) ?? [] };
    const perStat = stats.map((Stat) => ({
      Stat,
      series: this.metrics.aggregate({ Metric, Period: Number(input.Period), Stat, ...(input.Unit ? { Unit: String(input.Unit) } : {}) }, start, end),
    }));
    const times = new Set<number>();
    for (const s of perStat) for (const t of s.series.keys()) times.add(t);
    const extended = new Set((input.ExtendedStatistics as string[] | undefined) ?? []);
    const Datapoints = [...times].sort((a, b) => a - b).map((t) => {
      const dp: Record<string, unknown> = { Timestamp: sec(t), Unit: (input.Unit as string | undefined) ?? 'None' };
      const ext: Record<string, number> = {};
      for (const s of perStat) {
        const v = s.series.get(t);
        if (v === undefined) continue;
        if (extended.has(s.Stat)) ext[s.Stat] = v;
        else dp[s.Stat] = v;
      }
      if (Object.keys(ext).length) dp.ExtendedStatistics = ext;
      return dp;
    });
    return { Label: Metric.MetricName, Datapoints };
  }

  private describeAlarms(input: Input): unknown {
    // MaxRecords 1–100 is the model's range, refused by the validation gate (sandbox/models/) as AWS refuses it.
    if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
      throw new ServiceError('InvalidParameterCombinationException', 'AlarmNamePrefix and AlarmNames cannot be specified together.', 400, {}, 'InvalidParameterCombination');
    }
    const types = input.AlarmTypes as string[] | undefined;
    if (types && !types.includes('MetricAlarm')) return { MetricAlarms: [], CompositeAlarms: [] };
    const alarms = this.alarms.list({
      ...(input.AlarmNames ? { names: input.AlarmNames as string[] } : {}),
      ...(input.AlarmNamePrefix ? { prefix: String(input.AlarmNamePrefix) } : {}),
      ...(input.StateValue ? { state: String(input.StateValue) } : {}),
    });
    const max = typeof input.MaxRecords === 'number' ? input.MaxRecords : this.pageSize;
    const offset = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64').toString('utf8')) || 0 : 0;
    const page = alarms.slice(offset, offset + max);
    const nextToken = offset + max < alarms.length ? Buffer.from(String(offset + max)).toString('base64') : undefined;
    return strip({ MetricAlarms: page.map(alarmJson), CompositeAlarms: [], NextToken: nextToken });
  }

  private describeAlarmHistory(input: Input): unknown {
    const items = this.alarms.historyItems({
      ...(input.AlarmName ? { name: String(input.AlarmName) } : {}),
      ...(input.HistoryItemType ? { type: String(input.HistoryItemType) } : {}),
      ...(input.StartDate !== undefined ? { start: toMs(input.StartDate, 'StartDate') } : {}),
      ...(input.EndDate !== undefined ? { end: toMs(input.EndDate, 'EndDate') } : {}),
    });
    const ordered = input.ScanBy === 'TimestampAscending' ? [...items].reverse() : items;
    const max = typeof input.MaxRecords === 'number' ? input.MaxRecords : 100;
    return { AlarmHistoryItems: ordered.slice(0, max).map((h) => ({ ...h, Timestamp: sec(h.Timestamp) })) };
  }
}

/** An alarm as DescribeAlarms returns it (MetricAlarm shape, timestamps in epoch seconds). */
export function alarmJson(a: AlarmRecord): Record<string, unknown> {
  const c = a.config;
  return strip({
    AlarmName: c.AlarmName,
    AlarmArn: a.arn,
    AlarmDescription: c.AlarmDescription,
    AlarmConfigurationUpdatedTimestamp: sec(a.configUpdatedAt),
    ActionsEnabled: c.ActionsEnabled ?? true,
    OKActions: c.OKActions ?? [],
    AlarmActions: c.AlarmActions ?? [],
    InsufficientDataActions: c.InsufficientDataActions ?? [],
    StateValue: a.state,
    StateReason: a.reason,
    StateReasonData: a.reasonData,
    StateUpdatedTimestamp: sec(a.stateUpdatedAt),
    StateTransitionedTimestamp: sec(a.stateTransitionedAt),
    MetricName: c.MetricName,
    Namespace: c.Namespace,
    Statistic: c.Statistic,
    ExtendedStatistic: c.ExtendedStatistic,
    Dimensions: c.MetricName ? (c.Dimensions ?? []) : undefined,
    Period: c.Period,
    Unit: c.Unit,
    EvaluationPeriods: c.EvaluationPeriods,
    DatapointsToAlarm: c.DatapointsToAlarm,
    Threshold: c.Threshold,
    ComparisonOperator: c.ComparisonOperator,
    TreatMissingData: c.TreatMissingData,
    EvaluateLowSampleCountPercentile: c.EvaluateLowSampleCountPercentile,
    Metrics: c.Metrics,
  });
}
