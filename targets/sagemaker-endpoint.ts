import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointCommandOutput,
  type DescribeEndpointConfigCommandOutput,
  type DesiredWeightAndCapacity,
  type ProductionVariant,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { ConcurrentModification, NothingToRelease, TargetBusy, TargetNotReady, TrafficShiftFailed, TransientAwsError } from '../core/errors';
import { SAGEMAKER_NAME_PREFIX, type SageMakerEndpointTarget } from '../core/release-input';
import type { Green, ReleaseContext } from '../core/release-state';
import { errorName } from './lambda-versions';
import { releaseScopedName } from './names';
import { releaseAlarmParts } from './release-alarms';
import { sameSplit, splitFor } from './split';
import { sagemakerTagValue } from './tag-value';
import type { AlarmThresholds, DecommissionResult, GreenReadiness, InvokeResult, Split, TrafficRouter } from '../core/traffic-router';

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
 */
export interface SageMakerRouterOptions {
  /** How long a switch or rollback waits (wall time) for an Updating endpoint before raising TargetBusy. */
  busyWaitMs: number;
  busyPollMs: number;
}

/**
 * 15 s of waiting, one DescribeEndpoint a second, fits inside every Task's
 * timeout (RollBackToBlue's is 30 s). CUTOVER_SAGEMAKER_BUSY_WAIT_MS and
 * CUTOVER_SAGEMAKER_BUSY_POLL_MS override them: the path tests wait 0 (the
 * state machine's retries do the waiting), the sandbox rehearsals poll about
 * once a simulated second.
 */
export function defaultSageMakerOptions(env: NodeJS.ProcessEnv = process.env): SageMakerRouterOptions {
  const ms = (name: string, fallback: number) => {
    const raw = env[name];
    const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return { busyWaitMs: ms('CUTOVER_SAGEMAKER_BUSY_WAIT_MS', 15_000), busyPollMs: ms('CUTOVER_SAGEMAKER_BUSY_POLL_MS', 1_000) };
}

type Endpoint = DescribeEndpointCommandOutput;
type EndpointConfig = DescribeEndpointConfigCommandOutput;

/** Tag on a release's endpoint config: the config the endpoint ran before (blue's). */
const BLUE_CONFIG_TAG = 'cutover:blue-config';
const UPDATING = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SageMaker names (models, endpoint configs, variants): letters, digits and -, at most 63. */
const sagemakerNameOf = (releaseId: string, suffix?: string) => releaseScopedName(SAGEMAKER_NAME_PREFIX, releaseId, { max: 63, ...(suffix ? { suffix } : {}) });

/** Names derived from the release, so a retried Task finds what its first attempt made. */
export function sagemakerNamesOf(release: ReleaseContext) {
  return {
    /** The endpoint config with blue at weight 1 and green at weight 0. */
    config: sagemakerNameOf(release.id),
    /** The endpoint config with the live variant only (Decommission). */
    finalConfig: sagemakerNameOf(release.id, 'live'),
    /** The model Cutover creates when the release gives a model spec without a name. */
    model: sagemakerNameOf(release.id),
  };
}

/** SageMaker answers ValidationException for most of what it refuses; the message says which. */
const isValidation = (err: unknown, pattern: RegExp) => errorName(err) === 'ValidationException' && pattern.test((err as Error).message ?? '');
const isMissing = (err: unknown) => isValidation(err, /could not find|does not exist|not found/i) || errorName(err) === 'ResourceNotFound';
const isAlreadyThere = (err: unknown) => isValidation(err, /already exist/i);
/**
 * SageMaker is eventually consistent: right after CreateModel / CreateEndpointConfig, a call naming the new
 * resource can answer "Could not find model / endpoint configuration …" for a short while. That answer, about
 * the resource this step just made, is transient; any other ValidationException is not.
 */
function notVisibleYet(err: unknown, kind: 'model' | 'endpoint configuration', name: string): boolean {
  return isValidation(err, new RegExp(`could not find ${kind}`, 'i')) && ((err as Error).message ?? '').toLowerCase().includes(`/${name.toLowerCase()}`);
}
const stillInvisible = (err: unknown, kind: 'model' | 'endpoint configuration', name: string) =>
  new TransientAwsError(`SageMaker does not show ${kind} ${name} yet, right after its creation (eventual consistency); the step will retry`, { cause: err });
const isInProgress = (err: unknown) => isValidation(err, /in-progress|in progress|is (updating|creating)|status (Updating|Creating)/i);

/** Variant → percent of the weights (the current ones, or those asked for). */
export function splitOfEndpoint(endpoint: Endpoint, which: 'current' | 'desired' = 'current'): Split {
  const variants = endpoint.ProductionVariants ?? [];
  const weightOf = (v: (typeof variants)[number]) => (which === 'desired' ? (v.DesiredWeight ?? v.CurrentWeight) : (v.CurrentWeight ?? v.DesiredWeight)) ?? 0;
  const total = variants.reduce((sum, v) => sum + weightOf(v), 0);
  const split: Split = {};
  for (const v of variants) {
    const pct = total > 0 ? Math.round((weightOf(v) / total) * 10_000) / 100 : 0;
    if (v.VariantName && pct > 0) split[v.VariantName] = pct;
  }
  return split;
}

export class SageMakerEndpointRouter implements TrafficRouter {
  private readonly endpoint: string;

  public constructor(
    private readonly target: SageMakerEndpointTarget,
    private readonly sagemaker: SageMakerClient,
    private readonly runtime: SageMakerRuntimeClient,
    private readonly options: SageMakerRouterOptions = defaultSageMakerOptions(),
  ) {
    this.endpoint = target.endpointName;
  }

  public async prepare(release: ReleaseContext): Promise<Green> {
    const names = sagemakerNamesOf(release);
    const endpoint = await this.describe();
    // A retry after UpdateEndpoint: rebuild green from the config this release made.
    if (endpoint.EndpointConfigName === names.config || endpoint.PendingDeploymentSummary?.EndpointConfigName === names.config) {
      return this.rebuiltGreen(release, endpoint);
    }
    this.requireInService(endpoint, 'prepare green');
    const variants = endpoint.ProductionVariants ?? [];
    if (variants.length !== 1) {
      throw new TargetNotReady(
        `endpoint ${this.endpoint} has ${variants.length} production variants (${variants.map((v) => v.VariantName).join(', ')}); a release needs exactly one live variant: finish or roll back the other release first`,
      );
    }
    const live = variants[0];
    const blueConfig = await this.describeConfig(endpoint.EndpointConfigName!);
    const blueVariant = (blueConfig.ProductionVariants ?? []).find((v) => v.VariantName === live.VariantName);
    if (!blueVariant?.ModelName) {
      throw new TargetNotReady(`endpoint config ${endpoint.EndpointConfigName} has no variant ${live.VariantName}: the endpoint and its config disagree`);
    }
    const model = await this.greenModel(release, names.model);
    if (model.name === blueVariant.ModelName) {
      throw new NothingToRelease(`endpoint ${this.endpoint} already serves model ${model.name} (variant ${live.VariantName}): give another model`);
    }
    const blueCount = live.DesiredInstanceCount ?? live.CurrentInstanceCount ?? blueVariant.InitialInstanceCount ?? 1;
    const greenVariant = model.name === live.VariantName ? names.config : model.name;
    const blueDef: ProductionVariant = { ...blueVariant, InitialInstanceCount: blueCount, InitialVariantWeight: 1 };
    const greenDef: ProductionVariant = {
      VariantName: greenVariant,
      ModelName: model.name,
      InstanceType: (this.target.instanceType as ProductionVariant['InstanceType']) ?? blueVariant.InstanceType,
      InitialInstanceCount: this.target.initialInstanceCount ?? blueCount,
      InitialVariantWeight: 0,
    };
    try {
      await this.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: names.config,
          ProductionVariants: [blueDef, greenDef],
          // What the live config records about the data it sees and how it is encrypted carries over.
          ...(blueConfig.DataCaptureConfig ? { DataCaptureConfig: blueConfig.DataCaptureConfig } : {}),
          ...(blueConfig.KmsKeyId ? { KmsKeyId: blueConfig.KmsKeyId } : {}),
          // Blue's config name, for a retry that finds the endpoint already on this config (Decommission deletes it).
          Tags: [
            { Key: 'cutover:release', Value: sagemakerTagValue(release.id) },
            { Key: BLUE_CONFIG_TAG, Value: endpoint.EndpointConfigName! },
          ],
        }),
      );
    } catch (err) {
      if (notVisibleYet(err, 'model', model.name)) throw stillInvisible(err, 'model', model.name);
      if (!isAlreadyThere(err)) throw err;
    }
    try {
      await this.sagemaker.send(new UpdateEndpointCommand({ EndpointName: this.endpoint, EndpointConfigName: names.config }));
    } catch (err) {
      if (isInProgress(err)) throw new TargetBusy(`endpoint ${this.endpoint} is being updated by someone else; the step will retry`, { cause: err });
      if (notVisibleYet(err, 'endpoint configuration', names.config)) throw stillInvisible(err, 'endpoint configuration', names.config);
      throw err;
    }
    return this.greenDoc(release, {
      blue: live.VariantName!,
      green: greenVariant,
      createdGreen: model.created,
      blueModel: blueVariant.ModelName,
      greenModel: model.name,
      blueConfig: endpoint.EndpointConfigName,
      blueInstanceCount: blueCount,
    });
  }

  public async waitState(green: Green): Promise<GreenReadiness> {
    const endpoint = await this.describe();
    const status = endpoint.EndpointStatus ?? 'Unknown';
    if (UPDATING.has(status)) return { state: 'updating', reason: `endpoint ${this.endpoint} is ${status}` };
    const reason = endpoint.FailureReason ? `: ${endpoint.FailureReason}` : '';
    if (status !== 'InService') return { state: 'failed', reason: `endpoint ${this.endpoint} is ${status}${reason}` };
    if (endpoint.EndpointConfigName !== green.greenConfig) {
      // SageMaker rolls a failed update back: InService again, on the old config.
      return { state: 'failed', reason: `endpoint ${this.endpoint} is InService on ${endpoint.EndpointConfigName}, not ${green.greenConfig}: the update did not take${reason}` };
    }
    return { state: 'ready' };
  }

  public async invoke(green: Green, side: 'green' | 'blue', payload: unknown): Promise<InvokeResult> {
    const started = performance.now();
    try {
      const out = await this.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: this.endpoint,
          TargetVariant: side === 'green' ? green.green : green.blue,
          ContentType: 'application/json',
          Accept: 'application/json',
          Body: new TextEncoder().encode(JSON.stringify(payload ?? null)),
        }),
        // The model may legitimately run longer than a control-plane call (SageMaker allows 60 s).
        { requestTimeout: 0 },
      );
      const latencyMs = Math.round(performance.now() - started);
      const text = out.Body ? new TextDecoder().decode(out.Body) : '';
      try {
        return { output: text ? JSON.parse(text) : null, latencyMs };
      } catch {
        return { output: text, latencyMs };
      }
    } catch (err) {
      // The model answered with an error status: that is green's (or blue's) answer, not a failure of the call.
      if (errorName(err) !== 'ModelError') throw err;
      const e = err as Error & { OriginalMessage?: string; OriginalStatusCode?: number };
      return { error: `ModelError: ${e.OriginalStatusCode ? `${e.OriginalStatusCode} ` : ''}${e.OriginalMessage ?? e.message}`, latencyMs: Math.round(performance.now() - started) };
    }
  }

  public async setGreenPercent(green: Green, percent: number): Promise<Split> {
    const endpoint = await this.describe();
    const names = (endpoint.ProductionVariants ?? []).map((v) => v.VariantName ?? '');
    const foreign = names.filter((n) => n !== green.blue && n !== green.green);
    if (foreign.length > 0 || !names.includes(green.green) || !names.includes(green.blue)) {
      throw new ConcurrentModification(
        `endpoint ${this.endpoint} now has variants ${names.join(', ')}, not blue ${green.blue} and green ${green.green}: someone else changed it`,
      );
    }
    return this.apply(green, percent, endpoint, []);
  }

  public async rollback(green: Green): Promise<Split> {
    const endpoint = await this.describe();
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
    return splitOfEndpoint(await this.describe());
  }

  /**
   * During retention, blue at weight 0 keeps `blueStandbyInstanceCount`
   * instances instead of its full count. Skipped (for the next poll) while the
   * endpoint is Updating; never touches a blue that takes traffic.
   */
  public async retain(green: Green): Promise<string | undefined> {
    const standby = this.target.blueStandbyInstanceCount;
    if (standby === undefined) return undefined;
    const endpoint = await this.describe();
    const blue = (endpoint.ProductionVariants ?? []).find((v) => v.VariantName === green.blue);
    if (!blue || (blue.DesiredWeight ?? blue.CurrentWeight ?? 0) > 0) return undefined;
    if ((blue.DesiredInstanceCount ?? blue.CurrentInstanceCount ?? 0) <= standby) return undefined;
    if (endpoint.EndpointStatus !== 'InService') return `blue standby of ${standby} deferred: endpoint ${this.endpoint} is ${endpoint.EndpointStatus}`;
    try {
      await this.sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: this.endpoint,
          DesiredWeightsAndCapacities: [{ VariantName: green.blue, DesiredInstanceCount: standby }],
        }),
      );
    } catch (err) {
      if (isInProgress(err)) return `blue standby of ${standby} deferred: endpoint ${this.endpoint} is updating`;
      throw err;
    }
    return `blue ${green.blue} scaled to ${standby} standby instances`;
  }

  /**
   * Retire one side: first an endpoint config with the live variant only
   * (then TargetBusy while the endpoint updates, so the state machine retries
   * until it is InService), then delete the configs and the model Cutover
   * created that nothing uses any more. A variant with weight is never removed.
   */
  public async decommission(green: Green, side: 'blue' | 'green', options: { deleteVersion: boolean }): Promise<DecommissionResult> {
    const result: DecommissionResult = { removed: [], kept: [] };
    const retiring = side === 'blue' ? green.blue : green.green;
    const live = side === 'blue' ? green.green : green.blue;
    let endpoint: Endpoint;
    try {
      endpoint = await this.describe();
    } catch (err) {
      if (err instanceof TargetNotReady) {
        result.kept.push({ what: `endpoint ${this.endpoint}`, why: 'it no longer exists' });
        return result;
      }
      throw err;
    }
    // An update in flight decides what the endpoint will show (a rollback's weights, or the config with the
    // live variant alone that an earlier attempt asked for): wait for it, then decide on what it shows. Deciding
    // on what it showed before would ask for that config again, one more endpoint update each retry that
    // happens to wait through the end of one.
    if (UPDATING.has(endpoint.EndpointStatus ?? '')) {
      await this.waitInService(endpoint, 'decommission');
      endpoint = await this.describe();
    }
    const variants = endpoint.ProductionVariants ?? [];
    const retiringVariant = variants.find((v) => v.VariantName === retiring);
    if (retiringVariant) {
      const weight = splitOfEndpoint(endpoint, 'desired')[retiring] ?? 0;
      if (weight > 0) {
        result.kept.push({ what: `variant ${retiring} of ${this.endpoint}`, why: `it still takes ${weight} % of the traffic` });
        return result;
      }
      // Asked to take nothing, and no update in flight (waited for above) unless one started since: then wait again.
      await this.waitInService(endpoint, 'decommission');
      const liveVariant = variants.find((v) => v.VariantName === live);
      const config = green.greenConfig ? await this.describeConfig(green.greenConfig) : undefined;
      const liveDef = config?.ProductionVariants?.find((v) => v.VariantName === live);
      if (!liveVariant || !liveDef || !green.finalConfig) {
        result.kept.push({ what: `variant ${retiring} of ${this.endpoint}`, why: `the endpoint does not show the live variant ${live} as Cutover set it up: left for a person to check` });
        return result;
      }
      const count = liveVariant.DesiredInstanceCount ?? liveVariant.CurrentInstanceCount ?? liveDef.InitialInstanceCount;
      try {
        await this.sagemaker.send(
          new CreateEndpointConfigCommand({
            EndpointConfigName: green.finalConfig,
            ProductionVariants: [{ ...liveDef, InitialInstanceCount: count, InitialVariantWeight: 1 }],
            ...(config?.DataCaptureConfig ? { DataCaptureConfig: config.DataCaptureConfig } : {}),
            ...(config?.KmsKeyId ? { KmsKeyId: config.KmsKeyId } : {}),
          }),
        );
      } catch (err) {
        if (!isAlreadyThere(err)) throw err;
      }
      try {
        await this.sagemaker.send(new UpdateEndpointCommand({ EndpointName: this.endpoint, EndpointConfigName: green.finalConfig }));
      } catch (err) {
        if (notVisibleYet(err, 'endpoint configuration', green.finalConfig)) throw stillInvisible(err, 'endpoint configuration', green.finalConfig);
        if (!isInProgress(err)) throw err;
      }
      throw new TargetBusy(`endpoint ${this.endpoint} is updating to ${green.finalConfig} (variant ${live} only); decommission goes on once it is InService`);
    }
    if (endpoint.EndpointStatus !== 'InService') await this.waitInService(endpoint, 'decommission');
    const inUse = new Set([endpoint.EndpointConfigName, endpoint.PendingDeploymentSummary?.EndpointConfigName].filter(Boolean));
    // Blue's config goes too when Cutover made it (an earlier release's): unused once the live variant runs alone
    // on this release's final config, after a success as after a rollback.
    const configs = [green.greenConfig, green.blueConfig?.startsWith(SAGEMAKER_NAME_PREFIX) ? green.blueConfig : undefined];
    for (const name of configs) {
      if (!name || inUse.has(name)) continue;
      result.removed.push(await this.deleteConfig(name));
    }
    const model = side === 'green' ? green.greenModel : green.blueModel;
    const mayDelete = side === 'green' ? green.createdGreen : options.deleteVersion && Boolean(model?.startsWith(SAGEMAKER_NAME_PREFIX));
    const usedModels = new Set((await this.describeConfig(endpoint.EndpointConfigName!)).ProductionVariants?.map((v) => v.ModelName));
    if (model && mayDelete && !usedModels.has(model)) result.removed.push(await this.deleteModel(model));
    else if (model) {
      const why = usedModels.has(model)
        ? `endpoint ${this.endpoint} serves it`
        : side === 'green'
          ? 'this release did not create it'
          : options.deleteVersion
            ? `Cutover did not create it (not named ${SAGEMAKER_NAME_PREFIX}…)`
            : 'decommission.deleteBlueVersion is false';
      result.kept.push({ what: `model ${model}`, why });
    }
    result.removed.unshift(`variant ${retiring} of ${this.endpoint}`);
    return result;
  }

  public async discardOrphans(release: ReleaseContext): Promise<DecommissionResult> {
    const names = sagemakerNamesOf(release);
    const result: DecommissionResult = { removed: [], kept: [] };
    let endpoint: Endpoint | undefined;
    try {
      endpoint = await this.describe();
    } catch (err) {
      if (!(err instanceof TargetNotReady)) throw err;
    }
    if (endpoint && (endpoint.EndpointConfigName === names.config || endpoint.PendingDeploymentSummary?.EndpointConfigName === names.config)) {
      // PrepareGreen's UpdateEndpoint went through before its answer was lost: green is on the endpoint at
      // weight 0 (or being added). Left there, it runs instances for nothing and the next release refuses an
      // endpoint with two variants. Retire it as a failed release's green: once InService, a config with
      // blue alone (TargetBusy while the endpoint updates, so the state machine retries); on the attempt
      // that finds blue's config live this branch no longer matches, and the config and the model go below.
      this.requireInService(endpoint, 'remove the green variant this release added');
      return this.decommission(await this.rebuiltGreen(release, endpoint), 'green', { deleteVersion: false });
    }
    try {
      await this.describeConfig(names.config);
      result.removed.push(await this.deleteConfig(names.config));
    } catch (err) {
      if (!(err instanceof TargetNotReady)) throw err;
    }
    // Only a model named after this release is surely this release's.
    if (this.target.greenModel.image !== undefined && this.target.greenModel.modelName === undefined) {
      const removed = await this.deleteModel(names.model);
      if (!removed.endsWith('(already gone)')) result.removed.push(removed);
    }
    return result;
  }

  public releaseAlarms(release: ReleaseContext, green: Green, t: AlarmThresholds): PutMetricAlarmCommandInput[] {
    const dims = [
      { Name: 'EndpointName', Value: this.endpoint },
      { Name: 'VariantName', Value: green.green },
    ];
    const { name, common, metric } = releaseAlarmParts(release, t, 'AWS/SageMaker', dims);
    return [
      {
        ...common,
        AlarmName: name('error-rate'),
        AlarmDescription: `Cutover ${release.id}: 5XX errors / invocations of variant ${green.green} of ${this.endpoint} above ${t.errorRateThreshold}`,
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
        AlarmDescription: `Cutover ${release.id}: p95 model latency of variant ${green.green} of ${this.endpoint} above ${t.latencyP95Ms} ms`,
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

  /** Weights for `percent` on green (plus capacity changes), unless the endpoint is asked for them already; verified from DesiredWeight. */
  private async apply(green: Green, percent: number, endpoint: Endpoint, capacity: DesiredWeightAndCapacity[]): Promise<Split> {
    const want = splitFor(green, percent);
    const what = percent <= 0 ? 'roll back' : 'shift traffic';
    const deadline = Date.now() + this.options.busyWaitMs;
    const weights: DesiredWeightAndCapacity[] = [
      { VariantName: green.blue, DesiredWeight: want[green.blue] ?? 0 },
      { VariantName: green.green, DesiredWeight: want[green.green] ?? 0 },
    ].map((w) => ({ ...w, ...capacity.find((c) => c.VariantName === w.VariantName) }));
    let current = endpoint;
    while (!sameSplit(splitOfEndpoint(current, 'desired'), want) || capacity.length > 0) {
      await this.waitInService(current, what, deadline);
      try {
        await this.sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: this.endpoint, DesiredWeightsAndCapacities: weights }));
        break;
      } catch (err) {
        if (!isInProgress(err)) throw err;
        // Another update started between our read and our call (a standby change, a person): wait for it, then ask again.
        if (Date.now() >= deadline) throw new TargetBusy(`endpoint ${this.endpoint} started another update first; the step will retry`, { cause: err });
        await sleep(this.options.busyPollMs);
        current = await this.describe();
      }
    }
    const now = splitOfEndpoint(await this.describe(), 'desired');
    if (!sameSplit(now, want)) throw new TrafficShiftFailed(`endpoint ${this.endpoint} shows weights ${JSON.stringify(now)} after asking for ${JSON.stringify(want)}`);
    return now;
  }

  /** Blue's instance count before standby: what this release's endpoint config gave it. */
  private async blueFullCount(green: Green, endpoint: Endpoint): Promise<number | undefined> {
    if (this.target.blueStandbyInstanceCount === undefined) return undefined;
    if (green.blueInstanceCount !== undefined) return Number(green.blueInstanceCount);
    const config = await this.describeConfig(endpoint.EndpointConfigName!);
    return config.ProductionVariants?.find((v) => v.VariantName === green.blue)?.InitialInstanceCount;
  }

  /** An InService endpoint by `deadline` (default: busyWaitMs from now), else TargetBusy. */
  private async waitInService(endpoint: Endpoint, what: string, deadline = Date.now() + this.options.busyWaitMs): Promise<void> {
    let status = endpoint.EndpointStatus;
    while (status !== 'InService') {
      if (!UPDATING.has(status ?? '')) throw new TargetNotReady(`cannot ${what}: endpoint ${this.endpoint} is ${status}${endpoint.FailureReason ? `: ${endpoint.FailureReason}` : ''}`);
      if (Date.now() >= deadline) throw new TargetBusy(`cannot ${what} yet: endpoint ${this.endpoint} is ${status}; the step will retry`);
      await sleep(this.options.busyPollMs);
      status = (await this.describe()).EndpointStatus;
    }
  }

  private requireInService(endpoint: Endpoint, what: string): void {
    const status = endpoint.EndpointStatus;
    if (status === 'InService') return;
    if (UPDATING.has(status ?? '')) throw new TargetBusy(`cannot ${what} yet: endpoint ${this.endpoint} is ${status}; the step will retry`);
    throw new TargetNotReady(`cannot ${what}: endpoint ${this.endpoint} is ${status}${endpoint.FailureReason ? `: ${endpoint.FailureReason}` : ''}`);
  }

  /** Green's model: created from the spec (a retry reuses it), or an existing one. */
  private async greenModel(release: ReleaseContext, derivedName: string): Promise<{ name: string; created: boolean }> {
    const spec = this.target.greenModel;
    if (spec.image === undefined) {
      const name = spec.modelName!;
      try {
        await this.sagemaker.send(new DescribeModelCommand({ ModelName: name }));
      } catch (err) {
        if (isMissing(err)) throw new TargetNotReady(`model ${name} does not exist: create it, or give image and executionRoleArn for Cutover to create it`, { cause: err });
        throw err;
      }
      return { name, created: false };
    }
    const name = spec.modelName ?? derivedName;
    try {
      await this.sagemaker.send(
        new CreateModelCommand({
          ModelName: name,
          PrimaryContainer: {
            Image: spec.image,
            ...(spec.modelDataUrl ? { ModelDataUrl: spec.modelDataUrl } : {}),
            ...(spec.environment ? { Environment: spec.environment } : {}),
          },
          ExecutionRoleArn: spec.executionRoleArn,
          Tags: [{ Key: 'cutover:release', Value: sagemakerTagValue(release.id) }],
        }),
      );
      return { name, created: true };
    } catch (err) {
      if (!isAlreadyThere(err)) throw err;
      // A name derived from this release can only be this release's (a retry); a given name may be someone else's.
      return { name, created: name === derivedName };
    }
  }

  /**
   * Green as PrepareGreen first answered, from the endpoint that already shows this release's config: blue's
   * config is the one still live while the update runs, else the one the release's config was tagged with.
   */
  private async rebuiltGreen(release: ReleaseContext, endpoint: Endpoint): Promise<Green> {
    const name = sagemakerNamesOf(release).config;
    const config = await this.describeConfig(name);
    if (endpoint.EndpointConfigName !== name) return this.greenFrom(release, config, endpoint.EndpointConfigName);
    return this.greenFrom(release, config, await this.taggedBlueConfig(config));
  }

  /** Blue's config name from the release config's tag; none when ListTags is denied (an orchestrator deployed before it was granted): then blue's old config stays, nothing else changes. */
  private async taggedBlueConfig(config: EndpointConfig): Promise<string | undefined> {
    if (!config.EndpointConfigArn) return undefined;
    try {
      const tags = (await this.sagemaker.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }))).Tags;
      return tags?.find((t) => t.Key === BLUE_CONFIG_TAG)?.Value;
    } catch (err) {
      if (errorName(err) === 'AccessDeniedException') return undefined;
      throw err;
    }
  }

  private greenFrom(release: ReleaseContext, config: EndpointConfig, blueConfig: string | undefined): Green {
    const variants = config.ProductionVariants ?? [];
    const green = variants.find((v) => v.InitialVariantWeight === 0) ?? variants[1];
    const blue = variants.find((v) => v !== green);
    if (!green?.VariantName || !blue?.VariantName) throw new TargetNotReady(`endpoint config ${config.EndpointConfigName} is not the two-variant config Cutover makes`);
    const derived = this.target.greenModel.image !== undefined && this.target.greenModel.modelName === undefined;
    return this.greenDoc(release, {
      blue: blue.VariantName,
      green: green.VariantName,
      createdGreen: derived,
      blueModel: blue.ModelName,
      greenModel: green.ModelName,
      ...(blueConfig ? { blueConfig } : {}),
      blueInstanceCount: blue.InitialInstanceCount,
    });
  }

  private greenDoc(
    release: ReleaseContext,
    g: { blue: string; green: string; createdGreen: boolean; blueModel?: string; greenModel?: string; blueConfig?: string; blueInstanceCount?: number },
  ): Green {
    const names = sagemakerNamesOf(release);
    return {
      ...g,
      greenConfig: names.config,
      finalConfig: names.finalConfig,
      // Not ready until the endpoint is InService on the new config: the readiness loop checks.
      ready: false,
      waitSeconds: this.target.readyPollSeconds,
      readyChecks: 0,
      readyMaxChecks: Math.max(1, Math.ceil(this.target.readyTimeoutSeconds / this.target.readyPollSeconds)),
    };
  }

  private async deleteConfig(name: string): Promise<string> {
    try {
      await this.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
      return `endpoint config ${name}`;
    } catch (err) {
      if (!isMissing(err)) throw err;
      return `endpoint config ${name} (already gone)`;
    }
  }

  private async deleteModel(name: string): Promise<string> {
    try {
      await this.sagemaker.send(new DeleteModelCommand({ ModelName: name }));
      return `model ${name}`;
    } catch (err) {
      if (!isMissing(err)) throw err;
      return `model ${name} (already gone)`;
    }
  }

  private async describe(): Promise<Endpoint> {
    try {
      return await this.sagemaker.send(new DescribeEndpointCommand({ EndpointName: this.endpoint }));
    } catch (err) {
      if (isMissing(err)) throw new TargetNotReady(`endpoint ${this.endpoint} does not exist: create it with the live model first`, { cause: err });
      throw err;
    }
  }

  private async describeConfig(name: string): Promise<EndpointConfig> {
    try {
      return await this.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    } catch (err) {
      if (isMissing(err)) throw new TargetNotReady(`endpoint config ${name} does not exist`, { cause: err });
      throw err;
    }
  }
}
