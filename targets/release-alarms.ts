import type { ReleaseContext } from '../core/release-state';
import { releaseScopedName } from './names';
import type { AlarmThresholds } from '../core/traffic-router';

/** CloudWatch's AlarmName: 1 to 255 characters (the API model's AlarmName max). */
export const MAX_ALARM_NAME = 255;
/** The suffixes release alarms take, each target's; the longest bounds the prefix. */
export const RELEASE_ALARM_SUFFIXES = ['error-rate', 'p95-latency', 'output-schema'] as const;
/** A release id is an execution name: at most 80 characters (Step Functions' limit). */
const MAX_RELEASE_ID = 80;
/**
 * The longest alarm prefix that keeps every release alarm name within 255 characters
 * whatever the release id: prefix + id (80) + '-' + the longest suffix.
 */
export const MAX_ALARM_PREFIX = MAX_ALARM_NAME - MAX_RELEASE_ID - 1 - Math.max(...RELEASE_ALARM_SUFFIXES.map((s) => s.length));

/**
 * `<prefix><release id>-<suffix>`; when that is longer than CloudWatch takes (a prefix past
 * MAX_ALARM_PREFIX set in the environment), the id is cut and an 8-hex hash keeps releases apart.
 */
export function releaseAlarmName(prefix: string, releaseId: string, suffix: (typeof RELEASE_ALARM_SUFFIXES)[number]): string {
  const plain = `${prefix}${releaseId}-${suffix}`;
  if (plain.length <= MAX_ALARM_NAME) return plain;
  return releaseScopedName(prefix, releaseId, { max: MAX_ALARM_NAME, suffix, allowed: /[^\u0000-\u001f]/ });
}

type Dimensions = { Name: string; Value: string }[];

/**
 * What every release alarm shares, whatever the target: a name under the
 * alarm prefix and the release id, one breaching datapoint, the release tag,
 * and MetricStat queries for the error-rate metric math.
 */
export function releaseAlarmParts(release: ReleaseContext, t: AlarmThresholds, namespace: string, dims: Dimensions) {
  return {
    name: (suffix: (typeof RELEASE_ALARM_SUFFIXES)[number]) => releaseAlarmName(t.prefix, release.id, suffix),
    // With `Metrics` (metric math) PutMetricAlarm refuses a top-level Period: each MetricStat carries it.
    common: {
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanThreshold' as const,
      // No traffic on green is not a failure of green; the bake's end judges "not proven".
      TreatMissingData: 'notBreaching',
      Tags: [{ Key: 'cutover:release', Value: release.id }],
    },
    metric: (id: string, metricName: string, stat = 'Sum') => ({
      Id: id,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dims }, Period: t.periodSeconds, Stat: stat },
    }),
  };
}
