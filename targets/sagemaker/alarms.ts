import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { Green, ReleaseContext } from '../../core/release-state';
import type { AlarmThresholds } from '../../core/traffic-router';
import { releaseAlarmParts } from '../release-alarms';

/** The release alarms on green's variant alone: 5XX error rate and p95 model latency (ArmAlarms; Decommission deletes them). */
export function sagemakerReleaseAlarms(endpoint: string, release: ReleaseContext, green: Green, t: AlarmThresholds): PutMetricAlarmCommandInput[] {
  const dims = [
    { Name: 'EndpointName', Value: endpoint },
    { Name: 'VariantName', Value: green.green },
  ];
  const { name, common, metric } = releaseAlarmParts(release, t, 'AWS/SageMaker', dims);
  return [
    {
      ...common,
      AlarmName: name('error-rate'),
      AlarmDescription: `Cutover ${release.id}: 5XX errors / invocations of variant ${green.green} of ${endpoint} above ${t.errorRateThreshold}`,
      Threshold: t.errorRateThreshold,
      Metrics: [
        metric('errors', 'Invocation5XXErrors'),
        metric('invocations', 'Invocations'),
        { Id: 'rate', Expression: 'errors / invocations', Label: 'error rate', ReturnData: true },
      ],
    },
    {
      ...common,
      AlarmName: name('p95-latency'),
      AlarmDescription: `Cutover ${release.id}: p95 model latency of variant ${green.green} of ${endpoint} above ${t.latencyP95Ms} ms`,
      // ModelLatency is in microseconds.
      Threshold: t.latencyP95Ms * 1000,
      Period: t.periodSeconds,
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: dims,
      ExtendedStatistic: 'p95',
    },
  ];
}
