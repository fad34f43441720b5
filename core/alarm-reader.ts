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

export interface AlarmReading {
  name: string;
  /** OK | ALARM | INSUFFICIENT_DATA, or MISSING when the alarm no longer exists. */
  state: string;
  reason?: string;
}

/** The state of each named alarm, in the order of the names. */
export async function readAlarms(cloudwatch: CloudWatchClient, names: string[]): Promise<AlarmReading[]> {
  const seen = new Map<string, AlarmReading>();
  for (const a of await describeAlarmsNamed(cloudwatch, names)) {
    if (a.AlarmName) seen.set(a.AlarmName, { name: a.AlarmName, state: a.StateValue ?? 'INSUFFICIENT_DATA', reason: a.StateReason });
  }
  // An alarm deleted mid-release can no longer prove anything.
  return names.map((name) => seen.get(name) ?? { name, state: 'MISSING', reason: 'the alarm no longer exists' });
}
