import { CreateEndpointConfigCommand, UpdateEndpointCommand } from '@aws-sdk/client-sagemaker';
import { TargetBusy, TargetNotReady } from '../../core/errors';
import { SAGEMAKER_NAME_PREFIX, type SageMakerEndpointTarget } from '../../core/release-input';
import type { Green, ReleaseContext } from '../../core/release-state';
import type { DecommissionResult } from '../../core/traffic-router';
import { isAlreadyThere, isInProgress, notVisibleYet, sagemakerNamesOf, splitOfEndpoint, stillInvisible, UPDATING, type Endpoint, type EndpointApi } from './endpoint';
import type { SageMakerGreen } from './green';

/** What a release leaves on the endpoint, retired (Decommission): the variant that is not live, then its configs and model. */
export class SageMakerRetirer {
  public constructor(
    private readonly target: SageMakerEndpointTarget,
    private readonly api: EndpointApi,
    private readonly green: SageMakerGreen,
  ) {}

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
      endpoint = await this.api.describe();
    } catch (err) {
      if (err instanceof TargetNotReady) {
        result.kept.push({ what: `endpoint ${this.api.name}`, why: 'it no longer exists' });
        return result;
      }
      throw err;
    }
    // An update in flight decides what the endpoint will show (a rollback's weights, or the config with the
    // live variant alone that an earlier attempt asked for): wait for it, then decide on what it shows. Deciding
    // on what it showed before would ask for that config again, one more endpoint update each retry that
    // happens to wait through the end of one.
    if (UPDATING.has(endpoint.EndpointStatus ?? '')) {
      await this.api.waitInService(endpoint, 'decommission');
      endpoint = await this.api.describe();
    }
    const variants = endpoint.ProductionVariants ?? [];
    const retiringVariant = variants.find((v) => v.VariantName === retiring);
    if (retiringVariant) {
      const weight = splitOfEndpoint(endpoint, 'desired')[retiring] ?? 0;
      if (weight > 0) {
        result.kept.push({ what: `variant ${retiring} of ${this.api.name}`, why: `it still takes ${weight} % of the traffic` });
        return result;
      }
      // Asked to take nothing, and no update in flight (waited for above) unless one started since: then wait again.
      await this.api.waitInService(endpoint, 'decommission');
      const liveVariant = variants.find((v) => v.VariantName === live);
      const config = green.greenConfig ? await this.api.describeConfig(green.greenConfig) : undefined;
      const liveDef = config?.ProductionVariants?.find((v) => v.VariantName === live);
      if (!liveVariant || !liveDef || !green.finalConfig) {
        result.kept.push({ what: `variant ${retiring} of ${this.api.name}`, why: `the endpoint does not show the live variant ${live} as Cutover set it up: left for a person to check` });
        return result;
      }
      const count = liveVariant.DesiredInstanceCount ?? liveVariant.CurrentInstanceCount ?? liveDef.InitialInstanceCount;
      try {
        await this.api.sagemaker.send(
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
        await this.api.sagemaker.send(new UpdateEndpointCommand({ EndpointName: this.api.name, EndpointConfigName: green.finalConfig }));
      } catch (err) {
        if (notVisibleYet(err, 'endpoint configuration', green.finalConfig)) throw stillInvisible(err, 'endpoint configuration', green.finalConfig);
        if (!isInProgress(err)) throw err;
      }
      throw new TargetBusy(`endpoint ${this.api.name} is updating to ${green.finalConfig} (variant ${live} only); decommission goes on once it is InService`);
    }
    if (endpoint.EndpointStatus !== 'InService') await this.api.waitInService(endpoint, 'decommission');
    const inUse = new Set([endpoint.EndpointConfigName, endpoint.PendingDeploymentSummary?.EndpointConfigName].filter(Boolean));
    // Blue's config goes too when Cutover made it (an earlier release's): unused once the live variant runs alone
    // on this release's final config, after a success as after a rollback.
    const configs = [green.greenConfig, green.blueConfig?.startsWith(SAGEMAKER_NAME_PREFIX) ? green.blueConfig : undefined];
    for (const name of configs) {
      if (!name || inUse.has(name)) continue;
      result.removed.push(await this.api.deleteConfig(name));
    }
    const model = side === 'green' ? green.greenModel : green.blueModel;
    const mayDelete = side === 'green' ? green.createdGreen : options.deleteVersion && Boolean(model?.startsWith(SAGEMAKER_NAME_PREFIX));
    const usedModels = new Set((await this.api.describeConfig(endpoint.EndpointConfigName!)).ProductionVariants?.map((v) => v.ModelName));
    if (model && mayDelete && !usedModels.has(model)) result.removed.push(await this.api.deleteModel(model));
    else if (model) {
      const why = usedModels.has(model)
        ? `endpoint ${this.api.name} serves it`
        : side === 'green'
          ? 'this release did not create it'
          : options.deleteVersion
            ? `Cutover did not create it (not named ${SAGEMAKER_NAME_PREFIX}…)`
            : 'decommission.deleteBlueVersion is false';
      result.kept.push({ what: `model ${model}`, why });
    }
    result.removed.unshift(`variant ${retiring} of ${this.api.name}`);
    return result;
  }

  public async discardOrphans(release: ReleaseContext): Promise<DecommissionResult> {
    const names = sagemakerNamesOf(release);
    const result: DecommissionResult = { removed: [], kept: [] };
    let endpoint: Endpoint | undefined;
    try {
      endpoint = await this.api.describe();
    } catch (err) {
      if (!(err instanceof TargetNotReady)) throw err;
    }
    if (endpoint && (endpoint.EndpointConfigName === names.config || endpoint.PendingDeploymentSummary?.EndpointConfigName === names.config)) {
      // PrepareGreen's UpdateEndpoint went through before its answer was lost: green is on the endpoint at
      // weight 0 (or being added). Left there, it runs instances for nothing and the next release refuses an
      // endpoint with two variants. Retire it as a failed release's green: once InService, a config with
      // blue alone (TargetBusy while the endpoint updates, so the state machine retries); on the attempt
      // that finds blue's config live this branch no longer matches, and the config and the model go below.
      this.api.requireInService(endpoint, 'remove the green variant this release added');
      return this.decommission(await this.green.rebuiltGreen(release, endpoint), 'green', { deleteVersion: false });
    }
    try {
      await this.api.describeConfig(names.config);
      result.removed.push(await this.api.deleteConfig(names.config));
    } catch (err) {
      if (!(err instanceof TargetNotReady)) throw err;
    }
    // Only a model named after this release is surely this release's.
    if (this.target.greenModel.image !== undefined && this.target.greenModel.modelName === undefined) {
      const removed = await this.api.deleteModel(names.model);
      if (!removed.endsWith('(already gone)')) result.removed.push(removed);
    }
    return result;
  }
}
