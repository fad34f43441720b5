import { UpdateEndpointWeightsAndCapacitiesCommand, type DesiredWeightAndCapacity } from '@aws-sdk/client-sagemaker';
import { ConcurrentModification, TargetBusy, TrafficShiftFailed } from '../../core/errors';
import type { SageMakerEndpointTarget } from '../../core/release-input';
import type { Green } from '../../core/release-state';
import type { Split } from '../../core/traffic-router';
import { sameSplit, splitFor } from '../split';
import { isInProgress, sleep, splitOfEndpoint, type Endpoint, type EndpointApi } from './endpoint';

/**
 * The weights of blue and green on the endpoint (ShiftTraffic, RollBackToBlue, the CLI), and blue's standby
 * capacity in retention (CheckAlarms): UpdateEndpointWeightsAndCapacities, which SageMaker accepts one at a
 * time, so an Updating endpoint is waited for a little, then TargetBusy (the state machine retries).
 */
export class SageMakerTraffic {
  public constructor(
    private readonly target: SageMakerEndpointTarget,
    private readonly api: EndpointApi,
  ) {}

  public async setGreenPercent(green: Green, percent: number): Promise<Split> {
    const endpoint = await this.api.describe();
    const names = (endpoint.ProductionVariants ?? []).map((v) => v.VariantName ?? '');
    const foreign = names.filter((n) => n !== green.blue && n !== green.green);
    if (foreign.length > 0 || !names.includes(green.green) || !names.includes(green.blue)) {
      throw new ConcurrentModification(
        `endpoint ${this.api.name} now has variants ${names.join(', ')}, not blue ${green.blue} and green ${green.green}: someone else changed it`,
      );
    }
    return this.apply(green, percent, endpoint, []);
  }

  public async rollback(green: Green): Promise<Split> {
    const endpoint = await this.api.describe();
    const variants = endpoint.ProductionVariants ?? [];
    if (!variants.some((v) => v.VariantName === green.green)) {
      // Green never made it onto the endpoint (or is gone): blue is all there is.
      return splitOfEndpoint(endpoint, 'desired');
    }
    // Standby: blue goes back to its full count in the same update that moves the weights.
    const full = await this.blueFullCount(green, endpoint);
    const blue = variants.find((v) => v.VariantName === green.blue);
    const capacity = full !== undefined && (blue?.DesiredInstanceCount ?? 0) < full ? [{ VariantName: green.blue, DesiredInstanceCount: full }] : [];
    return this.apply(green, 0, endpoint, capacity);
  }

  public async currentSplit(): Promise<Split> {
    return splitOfEndpoint(await this.api.describe());
  }

  /**
   * During retention, blue at weight 0 keeps `blueStandbyInstanceCount`
   * instances instead of its full count. Skipped (for the next poll) while the
   * endpoint is Updating; never touches a blue that takes traffic.
   */
  public async retain(green: Green): Promise<string | undefined> {
    const standby = this.target.blueStandbyInstanceCount;
    if (standby === undefined) return undefined;
    const endpoint = await this.api.describe();
    const blue = (endpoint.ProductionVariants ?? []).find((v) => v.VariantName === green.blue);
    if (!blue || (blue.DesiredWeight ?? blue.CurrentWeight ?? 0) > 0) return undefined;
    if ((blue.DesiredInstanceCount ?? blue.CurrentInstanceCount ?? 0) <= standby) return undefined;
    if (endpoint.EndpointStatus !== 'InService') return `blue standby of ${standby} deferred: endpoint ${this.api.name} is ${endpoint.EndpointStatus}`;
    try {
      await this.api.sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: this.api.name,
          DesiredWeightsAndCapacities: [{ VariantName: green.blue, DesiredInstanceCount: standby }],
        }),
      );
    } catch (err) {
      if (isInProgress(err)) return `blue standby of ${standby} deferred: endpoint ${this.api.name} is updating`;
      throw err;
    }
    return `blue ${green.blue} scaled to ${standby} standby instances`;
  }

  /** Weights for `percent` on green (plus capacity changes), unless the endpoint is asked for them already; verified from DesiredWeight. */
  private async apply(green: Green, percent: number, endpoint: Endpoint, capacity: DesiredWeightAndCapacity[]): Promise<Split> {
    const want = splitFor(green, percent);
    const what = percent <= 0 ? 'roll back' : 'shift traffic';
    const deadline = Date.now() + this.api.options.busyWaitMs;
    const weights: DesiredWeightAndCapacity[] = [
      { VariantName: green.blue, DesiredWeight: want[green.blue] ?? 0 },
      { VariantName: green.green, DesiredWeight: want[green.green] ?? 0 },
    ].map((w) => ({ ...w, ...capacity.find((c) => c.VariantName === w.VariantName) }));
    let current = endpoint;
    while (!sameSplit(splitOfEndpoint(current, 'desired'), want) || capacity.length > 0) {
      await this.api.waitInService(current, what, deadline);
      try {
        await this.api.sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: this.api.name, DesiredWeightsAndCapacities: weights }));
        break;
      } catch (err) {
        if (!isInProgress(err)) throw err;
        // Another update started between our read and our call (a standby change, a person): wait for it, then ask again.
        if (Date.now() >= deadline) throw new TargetBusy(`endpoint ${this.api.name} started another update first; the step will retry`, { cause: err });
        await sleep(this.api.options.busyPollMs);
        current = await this.api.describe();
      }
    }
    const now = splitOfEndpoint(await this.api.describe(), 'desired');
    if (!sameSplit(now, want)) throw new TrafficShiftFailed(`endpoint ${this.api.name} shows weights ${JSON.stringify(now)} after asking for ${JSON.stringify(want)}`);
    return now;
  }

  /** Blue's instance count before standby: what this release's endpoint config gave it. */
  private async blueFullCount(green: Green, endpoint: Endpoint): Promise<number | undefined> {
    if (this.target.blueStandbyInstanceCount === undefined) return undefined;
    if (green.blueInstanceCount !== undefined) return Number(green.blueInstanceCount);
    const config = await this.api.describeConfig(endpoint.EndpointConfigName!);
    return config.ProductionVariants?.find((v) => v.VariantName === green.blue)?.InitialInstanceCount;
  }
}
