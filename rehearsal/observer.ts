import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { splitOf } from '../targets/lambda-alias';

/**
 * Watches one release from the outside, as an operator would: when did one of
 * its alarms first read ALARM, and when did the alias next show 100 % on
 * blue. Polls every `intervalMs` (wall time), bounded by `maxMs`.
 */
export class ReleaseObserver {
  public alarmAt: number | null = null;
  public alarmName: string | null = null;
  public blueAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly stopAt: number;

  public constructor(
    private readonly clients: { cloudwatch: CloudWatchClient; lambda: LambdaClient },
    private readonly alarmPrefix: string,
    /** The alias to read, or any check of "100 % on blue" (an endpoint's weights, a stage variable). */
    private readonly target: { functionName: string; alias: string } | ((blue: string) => Promise<boolean>),
    private readonly intervalMs = 50,
    maxMs = 120_000,
  ) {
    this.stopAt = Date.now() + maxMs;
  }

  /** Blue is only known once the release has prepared green. */
  public blue: string | undefined;

  public start(): this {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    return this;
  }

  public stop(): void {
    clearInterval(this.timer);
  }

  /** Wall seconds from the alarm to 100 % on blue, or null. */
  public alarmToBlueSeconds(): number | null {
    return this.alarmAt !== null && this.blueAt !== null ? (this.blueAt - this.alarmAt) / 1000 : null;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    if (Date.now() > this.stopAt) return this.stop();
    this.busy = true;
    try {
      const now = Date.now();
      if (this.alarmAt === null) {
        const out = await this.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: this.alarmPrefix }));
        const firing = out.MetricAlarms?.find((a) => a.StateValue === 'ALARM');
        if (firing) {
          this.alarmAt = now;
          this.alarmName = firing.AlarmName ?? null;
        }
      } else if (this.blueAt === null && this.blue) {
        const target = this.target;
        const onBlue =
          typeof target === 'function'
            ? await target(this.blue)
            : splitOf(await this.clients.lambda.send(new GetAliasCommand({ FunctionName: target.functionName, Name: target.alias })))[this.blue] === 100;
        if (onBlue) this.blueAt = Date.now();
      }
    } catch {
      // An observer's failed read is retried at the next tick.
    } finally {
      this.busy = false;
    }
  }
}
