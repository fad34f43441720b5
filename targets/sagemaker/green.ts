import { CreateEndpointConfigCommand, CreateModelCommand, DescribeModelCommand, ListTagsCommand, UpdateEndpointCommand, type ProductionVariant } from '@aws-sdk/client-sagemaker';
import { NothingToRelease, TargetBusy, TargetNotReady } from '../../core/errors';
import type { SageMakerEndpointTarget } from '../../core/release-input';
import type { Green, ReleaseContext } from '../../core/release-state';
import type { GreenReadiness } from '../../core/traffic-router';
import { errorName } from '../lambda-versions';
import { sagemakerTagValue } from '../tag-value';
import { BLUE_CONFIG_TAG, isAlreadyThere, isInProgress, isMissing, notVisibleYet, sagemakerNamesOf, stillInvisible, UPDATING, type Endpoint, type EndpointApi, type EndpointConfig } from './endpoint';

/**
 * Green on a SageMaker endpoint (PrepareGreen, CheckGreenReady): the release's model (created from the spec,
 * or an existing one) as a second variant at weight 0, added by an endpoint config named after the release;
 * ready once the endpoint is InService on it.
 */
export class SageMakerGreen {
  public constructor(
    private readonly target: SageMakerEndpointTarget,
    private readonly api: EndpointApi,
  ) {}

  public async prepare(release: ReleaseContext): Promise<Green> {
    const names = sagemakerNamesOf(release);
    const endpoint = await this.api.describe();
    // A retry after UpdateEndpoint: rebuild green from the config this release made.
    if (endpoint.EndpointConfigName === names.config || endpoint.PendingDeploymentSummary?.EndpointConfigName === names.config) {
      return this.rebuiltGreen(release, endpoint);
    }
    this.api.requireInService(endpoint, 'prepare green');
    const variants = endpoint.ProductionVariants ?? [];
    if (variants.length !== 1) {
      throw new TargetNotReady(
        `endpoint ${this.api.name} has ${variants.length} production variants (${variants.map((v) => v.VariantName).join(', ')}); a release needs exactly one live variant: finish or roll back the other release first`,
      );
    }
    const live = variants[0];
    const blueConfig = await this.api.describeConfig(endpoint.EndpointConfigName!);
    const blueVariant = (blueConfig.ProductionVariants ?? []).find((v) => v.VariantName === live.VariantName);
    if (!blueVariant?.ModelName) {
      throw new TargetNotReady(`endpoint config ${endpoint.EndpointConfigName} has no variant ${live.VariantName}: the endpoint and its config disagree`);
    }
    const model = await this.greenModel(release, names.model);
    if (model.name === blueVariant.ModelName) {
      throw new NothingToRelease(`endpoint ${this.api.name} already serves model ${model.name} (variant ${live.VariantName}): give another model`);
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
      await this.api.sagemaker.send(
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
      await this.api.sagemaker.send(new UpdateEndpointCommand({ EndpointName: this.api.name, EndpointConfigName: names.config }));
    } catch (err) {
      if (isInProgress(err)) throw new TargetBusy(`endpoint ${this.api.name} is being updated by someone else; the step will retry`, { cause: err });
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
    const endpoint = await this.api.describe();
    const status = endpoint.EndpointStatus ?? 'Unknown';
    if (UPDATING.has(status)) return { state: 'updating', reason: `endpoint ${this.api.name} is ${status}` };
    const reason = endpoint.FailureReason ? `: ${endpoint.FailureReason}` : '';
    if (status !== 'InService') return { state: 'failed', reason: `endpoint ${this.api.name} is ${status}${reason}` };
    if (endpoint.EndpointConfigName !== green.greenConfig) {
      // SageMaker rolls a failed update back: InService again, on the old config.
      return { state: 'failed', reason: `endpoint ${this.api.name} is InService on ${endpoint.EndpointConfigName}, not ${green.greenConfig}: the update did not take${reason}` };
    }
    return { state: 'ready' };
  }

  /**
   * Green as PrepareGreen first answered, from the endpoint that already shows this release's config: blue's
   * config is the one still live while the update runs, else the one the release's config was tagged with.
   */
  public async rebuiltGreen(release: ReleaseContext, endpoint: Endpoint): Promise<Green> {
    const name = sagemakerNamesOf(release).config;
    const config = await this.api.describeConfig(name);
    if (endpoint.EndpointConfigName !== name) return this.greenFrom(release, config, endpoint.EndpointConfigName);
    return this.greenFrom(release, config, await this.taggedBlueConfig(config));
  }

  /** Green's model: created from the spec (a retry reuses it), or an existing one. */
  private async greenModel(release: ReleaseContext, derivedName: string): Promise<{ name: string; created: boolean }> {
    const spec = this.target.greenModel;
    if (spec.image === undefined) {
      const name = spec.modelName!;
      try {
        await this.api.sagemaker.send(new DescribeModelCommand({ ModelName: name }));
      } catch (err) {
        if (isMissing(err)) throw new TargetNotReady(`model ${name} does not exist: create it, or give image and executionRoleArn for Cutover to create it`, { cause: err });
        throw err;
      }
      return { name, created: false };
    }
    const name = spec.modelName ?? derivedName;
    try {
      await this.api.sagemaker.send(
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

  /** Blue's config name from the release config's tag; none when ListTags is denied (an orchestrator deployed before it was granted): then blue's old config stays, nothing else changes. */
  private async taggedBlueConfig(config: EndpointConfig): Promise<string | undefined> {
    if (!config.EndpointConfigArn) return undefined;
    try {
      const tags = (await this.api.sagemaker.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }))).Tags;
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
}
