import type { ReleaseContext } from '../release-state';
import type { AlarmThresholds } from './types';

type Dimensions = { Name: string; Value: string }[];

/**
 * What every release alarm shares, whatever the target: a name under the
 * alarm prefix and the release id, one breaching datapoint, the release tag,
 * and MetricStat queries for the error-rate metric math.
 */
export function releaseAlarmParts(release: ReleaseContext, t: AlarmThresholds, namespace: string, dims: Dimensions) {
  return {
    name: (suffix: string) => `${t.prefix}${release.id}-${suffix}`,
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
