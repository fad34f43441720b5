import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type DescribeEndpointCommandOutput,
  type DescribeEndpointConfigCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { TargetBusy, TargetNotReady, TransientAwsError } from '../../core/errors';
import { SAGEMAKER_NAME_PREFIX } from '../../core/release-input';
import type { ReleaseContext } from '../../core/release-state';
import type { Split } from '../../core/traffic-router';
import { errorName } from '../lambda-versions';
import { releaseScopedName } from '../names';

/** How the SageMaker router waits for an endpoint that is Updating. */
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

export type Endpoint = DescribeEndpointCommandOutput;
export type EndpointConfig = DescribeEndpointConfigCommandOutput;

/** Tag on a release's endpoint config: the config the endpoint ran before (blue's). */
export const BLUE_CONFIG_TAG = 'cutover:blue-config';
export const UPDATING = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
export const isMissing = (err: unknown) => isValidation(err, /could not find|does not exist|not found/i) || errorName(err) === 'ResourceNotFound';
export const isAlreadyThere = (err: unknown) => isValidation(err, /already exist/i);
/**
 * SageMaker is eventually consistent: right after CreateModel / CreateEndpointConfig, a call naming the new
 * resource can answer "Could not find model / endpoint configuration …" for a short while. That answer, about
 * the resource this step just made, is transient; any other ValidationException is not.
 */
export function notVisibleYet(err: unknown, kind: 'model' | 'endpoint configuration', name: string): boolean {
  return isValidation(err, new RegExp(`could not find ${kind}`, 'i')) && ((err as Error).message ?? '').toLowerCase().includes(`/${name.toLowerCase()}`);
}
export const stillInvisible = (err: unknown, kind: 'model' | 'endpoint configuration', name: string) =>
  new TransientAwsError(`SageMaker does not show ${kind} ${name} yet, right after its creation (eventual consistency); the step will retry`, { cause: err });
export const isInProgress = (err: unknown) => isValidation(err, /in-progress|in progress|is (updating|creating)|status (Updating|Creating)/i);

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


/** The calls on one endpoint every role needs: its description, its configs', their deletion, the wait for InService. */
export class EndpointApi {
  public constructor(
    /** The endpoint's name. */
    public readonly name: string,
    public readonly sagemaker: SageMakerClient,
    public readonly options: SageMakerRouterOptions,
  ) {}

  public async describe(): Promise<Endpoint> {
    try {
      return await this.sagemaker.send(new DescribeEndpointCommand({ EndpointName: this.name }));
    } catch (err) {
      if (isMissing(err)) throw new TargetNotReady(`endpoint ${this.name} does not exist: create it with the live model first`, { cause: err });
      throw err;
    }
  }

  public async describeConfig(name: string): Promise<EndpointConfig> {
    try {
      return await this.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    } catch (err) {
      if (isMissing(err)) throw new TargetNotReady(`endpoint config ${name} does not exist`, { cause: err });
      throw err;
    }
  }

  /** An InService endpoint by `deadline` (default: busyWaitMs from now), else TargetBusy. */
  public async waitInService(endpoint: Endpoint, what: string, deadline = Date.now() + this.options.busyWaitMs): Promise<void> {
    let status = endpoint.EndpointStatus;
    while (status !== 'InService') {
      if (!UPDATING.has(status ?? '')) throw new TargetNotReady(`cannot ${what}: endpoint ${this.name} is ${status}${endpoint.FailureReason ? `: ${endpoint.FailureReason}` : ''}`);
      if (Date.now() >= deadline) throw new TargetBusy(`cannot ${what} yet: endpoint ${this.name} is ${status}; the step will retry`);
      await sleep(this.options.busyPollMs);
      status = (await this.describe()).EndpointStatus;
    }
  }

  public requireInService(endpoint: Endpoint, what: string): void {
    const status = endpoint.EndpointStatus;
    if (status === 'InService') return;
    if (UPDATING.has(status ?? '')) throw new TargetBusy(`cannot ${what} yet: endpoint ${this.name} is ${status}; the step will retry`);
    throw new TargetNotReady(`cannot ${what}: endpoint ${this.name} is ${status}${endpoint.FailureReason ? `: ${endpoint.FailureReason}` : ''}`);
  }

  public async deleteConfig(name: string): Promise<string> {
    try {
      await this.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name }));
      return `endpoint config ${name}`;
    } catch (err) {
      if (!isMissing(err)) throw err;
      return `endpoint config ${name} (already gone)`;
    }
  }

  public async deleteModel(name: string): Promise<string> {
    try {
      await this.sagemaker.send(new DeleteModelCommand({ ModelName: name }));
      return `model ${name}`;
    } catch (err) {
      if (!isMissing(err)) throw err;
      return `model ${name} (already gone)`;
    }
  }
}
