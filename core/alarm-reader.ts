import { paginateDescribeAlarms, type CloudWatchClient, type CompositeAlarm, type MetricAlarm } from '@aws-sdk/client-cloudwatch';

/** DescribeAlarms takes at most 100 AlarmNames per request (the API model's AlarmNames max). */
const NAMES_PER_REQUEST = 100;

/**
 * The alarms of these names that exist, metric and composite (or metric only).
 * DescribeAlarms is paged: a request for 100 names answers one page (its size
 * is not documented; a report puts it at 50) and a NextToken for the rest, so
 * every page is read, for every chunk of names.
 */
export async function describeAlarmsNamed(
  cloudwatch: CloudWatchClient,
  names: readonly string[],
  options: { metricOnly?: boolean } = {},
): Promise<(MetricAlarm | CompositeAlarm)[]> {
  const found: (MetricAlarm | CompositeAlarm)[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_REQUEST) {
    const input = {
      AlarmNames: names.slice(i, i + NAMES_PER_REQUEST),
      ...(options.metricOnly ? {} : { AlarmTypes: ['MetricAlarm' as const, 'CompositeAlarm' as const] }),
    };
    for await (const page of paginateDescribeAlarms({ client: cloudwatch }, input)) {
      found.push(...(page.MetricAlarms ?? []), ...(options.metricOnly ? [] : (page.CompositeAlarms ?? [])));
    }
  }
  return found;
}
