import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Alarms by name with a state the test sets; release alarms created by Cutover start OK.
 * DescribeAlarms pages as CloudWatch does: `pageSize` alarms (50: the undocumented default a
 * report gives, see sandbox/services/cloudwatch.ts) or MaxRecords, then a NextToken.
 */
export class FakeCloudWatch {
  public pageSize = 50;
  public readonly mock = mockClient(CloudWatchClient);
  public alarms = new Map<string, { state: string; reason?: string; definition?: unknown }>();
  public describeCalls = 0;
  /** Called before each DescribeAlarms: lets a test flip a state at the Nth poll. */
  public onDescribe: (call: number) => void = () => undefined;

  public constructor() {
    this.wire();
  }

  public set(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason?: string): void {
    this.alarms.set(name, { ...this.alarms.get(name), state, reason });
  }

  public reset(): void {
    this.mock.reset();
    this.wire();
  }

  /** No alarm, no DescribeAlarms seen, no hook, for the next test (then `set` the alarms it needs). */
  public startOver(): void {
    this.alarms.clear();
    this.describeCalls = 0;
    this.onDescribe = () => undefined;
    this.reset();
  }

  private wire(): void {
    this.mock.on(DescribeAlarmsCommand).callsFake((input) => {
      this.describeCalls++;
      this.onDescribe(this.describeCalls);
      const names: string[] = input.AlarmNames ?? [];
      const found = [...new Set(names)].filter((n) => this.alarms.has(n)).sort();
      const offset = Number(input.NextToken ?? 0);
      const end = offset + (input.MaxRecords ?? this.pageSize);
      return {
        MetricAlarms: found.slice(offset, end).map((n) => ({ AlarmName: n, StateValue: this.alarms.get(n)!.state, StateReason: this.alarms.get(n)!.reason })),
        ...(end < found.length ? { NextToken: String(end) } : {}),
      };
    });
    this.mock.on(PutMetricAlarmCommand).callsFake((input) => {
      const existing = this.alarms.get(input.AlarmName!);
      this.alarms.set(input.AlarmName!, { state: existing?.state ?? 'OK', definition: input });
      return {};
    });
    this.mock.on(DeleteAlarmsCommand).callsFake((input) => {
      for (const n of input.AlarmNames ?? []) this.alarms.delete(n);
      return {};
    });
  }
}
