import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { SageMakerEndpointTarget } from '../../core/release-input';
import type { Green, ReleaseContext } from '../../core/release-state';
import type { AlarmThresholds, DecommissionResult, GreenReadiness, InvokeResult, Split, TrafficRouter } from '../../core/traffic-router';
import { sagemakerReleaseAlarms } from './alarms';
import { defaultSageMakerOptions, EndpointApi, type SageMakerRouterOptions } from './endpoint';
import { SageMakerGreen } from './green';
import { SageMakerInvoker } from './invoke';
import { SageMakerRetirer } from './retire';
import { SageMakerTraffic } from './traffic';

/**
 * A SageMaker real-time endpoint with two production variants: blue (the
 * variant that serves now) and green (the release's model, added at weight 0
 * by an endpoint config named after the release). The switch and the rollback
 * are UpdateEndpointWeightsAndCapacities; SageMaker accepts one update at a
 * time, so a call that finds the endpoint Updating waits a little and then
 * raises TargetBusy, which the state machine retries.
 *
 * Split keys are variant names. Green's document also carries the models and
 * endpoint configs, so Decommission knows what Cutover created.
 *
 * One TrafficRouter, made of one part per role: green (green.ts), the
 * weights and blue's standby (traffic.ts), the direct calls (invoke.ts), the release alarms (alarms.ts) and
 * the retirement (retire.ts), over the endpoint's shared calls (endpoint.ts).
 */
export class SageMakerEndpointRouter implements TrafficRouter {
  private readonly greenPart: SageMakerGreen;
  private readonly traffic: SageMakerTraffic;
  private readonly invoker: SageMakerInvoker;
  private readonly retirer: SageMakerRetirer;
  private readonly endpoint: string;

  public constructor(
    target: SageMakerEndpointTarget,
    sagemaker: SageMakerClient,
    runtime: SageMakerRuntimeClient,
    options: SageMakerRouterOptions = defaultSageMakerOptions(),
  ) {
    const api = new EndpointApi(target.endpointName, sagemaker, options);
    this.greenPart = new SageMakerGreen(target, api);
    this.traffic = new SageMakerTraffic(target, api);
    this.invoker = new SageMakerInvoker(target.endpointName, runtime);
    this.retirer = new SageMakerRetirer(target, api, this.greenPart);
    this.endpoint = target.endpointName;
  }

  public prepare(release: ReleaseContext): Promise<Green> {
    return this.greenPart.prepare(release);
  }

  public waitState(green: Green): Promise<GreenReadiness> {
    return this.greenPart.waitState(green);
  }

  public invoke(green: Green, side: 'green' | 'blue', payload: unknown): Promise<InvokeResult> {
    return this.invoker.invoke(green, side, payload);
  }

  public setGreenPercent(green: Green, percent: number): Promise<Split> {
    return this.traffic.setGreenPercent(green, percent);
  }

  public rollback(green: Green): Promise<Split> {
    return this.traffic.rollback(green);
  }

  public currentSplit(): Promise<Split> {
    return this.traffic.currentSplit();
  }

  public retain(green: Green): Promise<string | undefined> {
    return this.traffic.retain(green);
  }

  public decommission(green: Green, side: 'blue' | 'green', options: { deleteVersion: boolean }): Promise<DecommissionResult> {
    return this.retirer.decommission(green, side, options);
  }

  public discardOrphans(release: ReleaseContext): Promise<DecommissionResult> {
    return this.retirer.discardOrphans(release);
  }

  public releaseAlarms(release: ReleaseContext, green: Green, t: AlarmThresholds): PutMetricAlarmCommandInput[] {
    return sagemakerReleaseAlarms(this.endpoint, release, green, t);
  }
}
