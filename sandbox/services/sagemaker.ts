/**
 * Amazon SageMaker (real-time endpoints) over awsJson1_1 (`X-Amz-Target:
 * SageMaker.<Operation>`), and the model side of SageMaker Runtime's
 * InvokeEndpoint (see sagemaker-runtime.ts for its HTTP shape), with the
 * semantics Cutover relies on:
 *  - CreateEndpoint: Creating → InService (or Failed) after `createSeconds`
 *    of virtual time; UpdateEndpoint: Updating → InService on the new config
 *    after `updateSeconds`, or back InService on the old config with a
 *    FailureReason when a model of the new config cannot start (SageMaker
 *    rolls a failed update back); UpdateEndpointWeightsAndCapacities: Updating
 *    for `weightsSeconds` (`scaleUpSeconds` when an instance count grows),
 *    DesiredWeight/DesiredInstanceCount at once, CurrentWeight/Count after;
 *  - any update while the endpoint is not InService → ValidationException
 *    "Cannot update in-progress endpoint", as SageMaker answers;
 *  - InvokeEndpoint routes by CurrentWeight (TargetVariant overrides), and
 *    records AWS/SageMaker Invocations, Invocation4XXErrors,
 *    Invocation5XXErrors, ModelLatency and OverheadLatency (microseconds)
 *    with the dimensions EndpointName + VariantName.
 *
 * Model convention: a model runs as a sandbox function. Its container Image
 * names the handler module the way a Lambda Handler does: the image's
 * repository path, without registry host and tag, is `<module path>.<export>`
 * resolved against the sandbox's repoRoot (`sandbox.local/examples/ai-service/handler.handler:v2`
 * or just `examples/ai-service/handler.handler`). The container Environment
 * is its environment, plus MODEL_URI = ModelDataUrl (unless the Environment
 * sets it), so the example AI service serves the model its ModelDataUrl
 * names. The request body (JSON) is the event; the handler's result is the
 * response body; a thrown error is a 500 from the container, i.e. ModelError.
 * Instance counts and types are recorded, not simulated: each variant runs in
 * one worker.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VirtualClock } from '../clock';
import type { FaultInjector } from '../faults';
import { faultError, parseJsonBody, readBody, sendJson, ServiceError, writeAwsJsonError } from '../protocol';
import { ExecutionEnvironment, resolveHandler } from '../runtime/environment';
import type { SessionCredentials } from '../iam/identity';
import type { CloudWatchService } from './cloudwatch';

export interface SageMakerTimings {
  /** Virtual seconds from CreateEndpoint to InService. */
  createSeconds: number;
  /** Virtual seconds an UpdateEndpoint takes. */
  updateSeconds: number;
  /** Virtual seconds an UpdateEndpointWeightsAndCapacities takes (weights, or fewer instances). */
  weightsSeconds: number;
  /** …when it adds instances. */
  scaleUpSeconds: number;
  /**
   * Virtual seconds after CreateModel / CreateEndpointConfig during which another call that refers to the
   * new resource (CreateEndpointConfig naming the model, CreateEndpoint / UpdateEndpoint naming the config)
   * answers ValidationException "Could not find …": SageMaker's control plane is eventually consistent.
   * AWS documents no figure; 0 (the default) turns the lag off.
   */
  visibilitySeconds: number;
}

export const DEFAULT_SAGEMAKER_TIMINGS: SageMakerTimings = { createSeconds: 60, updateSeconds: 60, weightsSeconds: 10, scaleUpSeconds: 60, visibilitySeconds: 0 };

export interface SageMakerServiceOptions {
  clock: VirtualClock;
  cloudwatch: CloudWatchService;
  faults: FaultInjector;
  region: string;
  account: string;
  repoRoot: string;
  endpointUrl: () => string;
  log?: (line: string) => void;
  timings?: Partial<SageMakerTimings>;
  /** The model container's credentials: its ExecutionRoleArn's session (IAM on); undefined: the operator key. */
  credentials?: (roleArn: string, sessionName: string) => SessionCredentials;
}

type Json = Record<string, unknown>;

/** Tag keys and values: `TagKey` 1–128, `TagValue` 0–256, both of this pattern (botocore's sagemaker/2017-07-24 model). */
const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const TAG_PATTERN_TEXT = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$';

/** At most 50 tags, each a Key with a Value (as SageMaker takes them on create), checked as the API model says. */
function tagsOf(raw: unknown): { Key: string; Value: string }[] {
  const list = Array.isArray(raw) ? (raw as Json[]) : [];
  if (list.length > 50) throw validation('Tags: at most 50 tags per resource.');
  return list.map((t, i) => {
    if (typeof t.Key !== 'string' || t.Key.length === 0 || t.Key.length > 128) throw validation(`Tags: a Key of 1 to 128 characters is required, got ${JSON.stringify(t.Key)}.`);
    const value = String(t.Value ?? '');
    const at = (member: string) => `1 validation error detected: Value '${member === 'key' ? t.Key : value}' at 'tags.${i + 1}.member.${member}' failed to satisfy constraint: `;
    if (!TAG_PATTERN.test(t.Key)) throw validation(`${at('key')}Member must satisfy regular expression pattern: ${TAG_PATTERN_TEXT}`);
    if (value.length > 256) throw validation(`${at('value')}Member must have length less than or equal to 256`);
    if (!TAG_PATTERN.test(value)) throw validation(`${at('value')}Member must satisfy regular expression pattern: ${TAG_PATTERN_TEXT}`);
    return { Key: t.Key, Value: value };
  });
}

interface ModelRecord {
  name: string;
  arn: string;
  image: string;
  modelDataUrl?: string;
  environment: Record<string, string>;
  executionRoleArn?: string;
  tags: { Key: string; Value: string }[];
  created: number;
  /** When other calls can see it (eventual consistency). */
  visibleAt: number;
}

interface VariantDef {
  VariantName: string;
  ModelName: string;
  InstanceType?: string;
  InitialInstanceCount: number;
  InitialVariantWeight: number;
  [other: string]: unknown;
}

interface ConfigRecord {
  name: string;
  arn: string;
  variants: VariantDef[];
  extra: Json;
  tags: { Key: string; Value: string }[];
  created: number;
  /** When other calls can see it (eventual consistency). */
  visibleAt: number;
}

interface LiveVariant {
  name: string;
  model: string;
  instanceType?: string;
  currentWeight: number;
  desiredWeight: number;
  currentCount: number;
  desiredCount: number;
}

interface EndpointRecord {
  name: string;
  arn: string;
  status: 'Creating' | 'InService' | 'Updating' | 'Failed' | 'Deleting';
  config: string;
  variants: LiveVariant[];
  failureReason?: string;
  created: number;
  modified: number;
  pending?: { config: string; started: number };
  /** Bumped by every change, so a timer of a superseded change does nothing. */
  generation: number;
}

export interface InvokeEndpointResult {
  variant: string;
  body: Buffer;
  contentType: string;
}

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const validation = (message: string) => new ServiceError('ValidationException', message, 400);
const sec = (ms: number) => ms / 1000;

export class SageMakerService {
  private readonly models = new Map<string, ModelRecord>();
  private readonly configs = new Map<string, ConfigRecord>();
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly environments = new Map<string, ExecutionEnvironment>();
  private readonly timers = new AbortController();
  private readonly timings: SageMakerTimings;
  private stopped = false;

  public constructor(private readonly o: SageMakerServiceOptions) {
    this.timings = { ...DEFAULT_SAGEMAKER_TIMINGS, ...o.timings };
  }

  /**
   * How long the updates started from now on take (virtual seconds); returns the timings before, to put
   * back. The fault matrix lengthens endpoint updates while it delays requests, so that a late request
   * lands while the update it repeats still runs, as on AWS (minutes of update, seconds of delay).
   */
  public setTimings(timings: Partial<SageMakerTimings>): SageMakerTimings {
    const before = { ...this.timings };
    Object.assign(this.timings, timings);
    return before;
  }

  private arn(kind: string, name: string): string {
    return `arn:aws:sagemaker:${this.o.region}:${this.o.account}:${kind}/${name.toLowerCase()}`;
  }

  /** `X-Amz-Target: SageMaker.<operation>` (awsJson1_1): JSON in, JSON out, errors as `__type`. */
  public async handleHttp(req: IncomingMessage, res: ServerResponse, operation: string): Promise<void> {
    try {
      const input = parseJsonBody(await readBody(req));
      const fault = this.o.faults.take('sagemaker', operation);
      if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
      if (fault.error) throw faultError('sagemaker', operation, fault.error);
      sendJson(res, 200, this.handle(operation, input) ?? {}, 'application/x-amz-json-1.1');
    } catch (err) {
      if (!(err instanceof ServiceError)) this.o.log?.(`[sandbox] sagemaker.${operation} failed: ${(err as Error).stack ?? String(err)}`);
      writeAwsJsonError(res, err instanceof ServiceError ? err : new ServiceError('InternalFailure', (err as Error).message, 500));
    }
  }

  /** One control-plane operation; throws ServiceError in SageMaker's vocabulary. */
  public handle(operation: string, input: Json): unknown {
    switch (operation) {
      case 'CreateModel':
        return this.createModel(input);
      case 'DescribeModel':
        return this.describeModel(this.model(input.ModelName));
      case 'DeleteModel':
        this.models.delete(this.model(input.ModelName).name);
        return {};
      case 'CreateEndpointConfig':
        return this.createEndpointConfig(input);
      case 'DescribeEndpointConfig':
        return this.describeConfig(this.config(input.EndpointConfigName));
      case 'DeleteEndpointConfig':
        // SageMaker lets an in-use config go (the endpoint keeps running); Cutover never does that.
        this.configs.delete(this.config(input.EndpointConfigName).name);
        return {};
      case 'CreateEndpoint':
        return this.createEndpoint(input);
      case 'DescribeEndpoint':
        return this.describeEndpoint(this.endpoint(input.EndpointName));
      case 'UpdateEndpoint':
        return this.updateEndpoint(input);
      case 'UpdateEndpointWeightsAndCapacities':
        return this.updateWeights(input);
      case 'DeleteEndpoint':
        return this.deleteEndpoint(input);
      case 'ListTags':
        return this.listTags(input.ResourceArn);
      case 'ListEndpoints':
        return { Endpoints: [...this.endpoints.values()].map((e) => ({ EndpointName: e.name, EndpointArn: e.arn, EndpointStatus: e.status, CreationTime: sec(e.created), LastModifiedTime: sec(e.modified) })) };
      default:
        throw new ServiceError('UnknownOperationException', `The sandbox does not emulate SageMaker ${operation}`, 400);
    }
  }

  // ---- models ------------------------------------------------------------------

  private model(name: unknown): ModelRecord {
    const m = this.models.get(String(name ?? ''));
    if (!m) throw validation(`Could not find model "${this.arn('model', String(name ?? ''))}".`);
    return m;
  }

  private createModel(input: Json): Json {
    const name = String(input.ModelName ?? '');
    if (!NAME.test(name)) throw validation(`1 validation error detected: Value '${name}' at 'modelName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`);
    if (this.models.has(name)) throw validation(`Cannot create already existing model "${this.arn('model', name)}".`);
    const container = (input.PrimaryContainer ?? (input.Containers as Json[] | undefined)?.[0]) as Json | undefined;
    if (!container?.Image) throw validation('PrimaryContainer with an Image is required (the sandbox reads the image as a handler module).');
    const model: ModelRecord = {
      name,
      arn: this.arn('model', name),
      image: String(container.Image),
      ...(container.ModelDataUrl ? { modelDataUrl: String(container.ModelDataUrl) } : {}),
      environment: Object.fromEntries(Object.entries((container.Environment as Json | undefined) ?? {}).map(([k, v]) => [k, String(v)])),
      ...(input.ExecutionRoleArn ? { executionRoleArn: String(input.ExecutionRoleArn) } : {}),
      tags: tagsOf(input.Tags),
      created: this.o.clock.now(),
      visibleAt: this.o.clock.now() + this.timings.visibilitySeconds * 1000,
    };
    this.models.set(name, model);
    return { ModelArn: model.arn };
  }

  private describeModel(m: ModelRecord): Json {
    return {
      ModelName: m.name,
      ModelArn: m.arn,
      PrimaryContainer: { Image: m.image, ...(m.modelDataUrl ? { ModelDataUrl: m.modelDataUrl } : {}), Environment: { ...m.environment } },
      ...(m.executionRoleArn ? { ExecutionRoleArn: m.executionRoleArn } : {}),
      CreationTime: sec(m.created),
    };
  }

  /** Tags given at create time, for models and endpoint configs. */
  private listTags(arn: unknown): Json {
    const owner = [...this.models.values(), ...this.configs.values()].find((r) => r.arn === String(arn ?? ''));
    if (!owner) throw validation(`Could not find resource "${String(arn ?? '')}".`);
    return { Tags: owner.tags.map((t) => ({ ...t })) };
  }

  // ---- endpoint configs ----------------------------------------------------------

  private config(name: unknown): ConfigRecord {
    const c = this.configs.get(String(name ?? ''));
    if (!c) throw validation(`Could not find endpoint configuration "${this.arn('endpoint-config', String(name ?? ''))}".`);
    return c;
  }

  /** A resource another call refers to: "Could not find …" (as if absent) until its creation is visible. */
  private visible<T extends { visibleAt: number; name: string }>(record: T, kind: 'model' | 'endpoint configuration'): T {
    if (this.o.clock.now() < record.visibleAt) {
      throw validation(`Could not find ${kind} "${this.arn(kind === 'model' ? 'model' : 'endpoint-config', record.name)}".`);
    }
    return record;
  }

  private createEndpointConfig(input: Json): Json {
    const name = String(input.EndpointConfigName ?? '');
    if (!NAME.test(name)) throw validation(`1 validation error detected: Value '${name}' at 'endpointConfigName' failed to satisfy constraint`);
    if (this.configs.has(name)) throw validation(`Cannot create already existing endpoint configuration "${this.arn('endpoint-config', name)}".`);
    const raw = (input.ProductionVariants as Json[] | undefined) ?? [];
    if (raw.length < 1 || raw.length > 10) throw validation('ProductionVariants must have between 1 and 10 variants.');
    const seen = new Set<string>();
    const variants = raw.map((v): VariantDef => {
      const variant = String(v.VariantName ?? '');
      if (!NAME.test(variant)) throw validation(`Invalid VariantName '${variant}'.`);
      if (seen.has(variant)) throw validation(`Variant names must be unique: ${variant} appears twice.`);
      seen.add(variant);
      this.visible(this.model(v.ModelName), 'model');
      const count = v.InitialInstanceCount === undefined ? 1 : Number(v.InitialInstanceCount);
      if (!Number.isInteger(count) || count < 1) throw validation(`InitialInstanceCount of variant ${variant} must be at least 1.`);
      const weight = v.InitialVariantWeight === undefined ? 1 : Number(v.InitialVariantWeight);
      if (!(weight >= 0)) throw validation(`InitialVariantWeight of variant ${variant} must be at least 0.`);
      if (!v.InstanceType && !v.ServerlessConfig) throw validation(`Variant ${variant} needs an InstanceType.`);
      return { ...v, VariantName: variant, ModelName: String(v.ModelName), InitialInstanceCount: count, InitialVariantWeight: weight };
    });
    if (variants.every((v) => v.InitialVariantWeight === 0)) throw validation('At least one variant must have an InitialVariantWeight greater than 0.');
    const extra: Json = {};
    for (const key of ['DataCaptureConfig', 'KmsKeyId']) if (input[key] !== undefined) extra[key] = input[key];
    const now = this.o.clock.now();
    const config: ConfigRecord = { name, arn: this.arn('endpoint-config', name), variants, extra, tags: tagsOf(input.Tags), created: now, visibleAt: now + this.timings.visibilitySeconds * 1000 };
    this.configs.set(name, config);
    return { EndpointConfigArn: config.arn };
  }

  private describeConfig(c: ConfigRecord): Json {
    return { EndpointConfigName: c.name, EndpointConfigArn: c.arn, ProductionVariants: c.variants.map((v) => ({ ...v })), CreationTime: sec(c.created), ...c.extra };
  }

  // ---- endpoints -------------------------------------------------------------------

  private endpoint(name: unknown): EndpointRecord {
    const e = this.endpoints.get(String(name ?? ''));
    if (!e) throw validation(`Could not find endpoint "${this.arn('endpoint', String(name ?? ''))}".`);
    return e;
  }

  private liveVariants(config: ConfigRecord): LiveVariant[] {
    return config.variants.map((v) => ({
      name: v.VariantName,
      model: v.ModelName,
      ...(v.InstanceType ? { instanceType: v.InstanceType } : {}),
      currentWeight: v.InitialVariantWeight,
      desiredWeight: v.InitialVariantWeight,
      currentCount: v.InitialInstanceCount,
      desiredCount: v.InitialInstanceCount,
    }));
  }

  private createEndpoint(input: Json): Json {
    const name = String(input.EndpointName ?? '');
    if (!NAME.test(name)) throw validation(`1 validation error detected: Value '${name}' at 'endpointName' failed to satisfy constraint`);
    if (this.endpoints.has(name)) throw validation(`Cannot create already existing endpoint "${this.arn('endpoint', name)}".`);
    const config = this.visible(this.config(input.EndpointConfigName), 'endpoint configuration');
    const now = this.o.clock.now();
    const endpoint: EndpointRecord = { name, arn: this.arn('endpoint', name), status: 'Creating', config: config.name, variants: this.liveVariants(config), created: now, modified: now, generation: 1 };
    this.endpoints.set(name, endpoint);
    const generation = endpoint.generation;
    this.later(this.timings.createSeconds, async () => {
      if (endpoint.generation !== generation || this.endpoints.get(name) !== endpoint) return;
      const failure = await this.start(endpoint, config);
      endpoint.status = failure ? 'Failed' : 'InService';
      if (failure) endpoint.failureReason = failure;
      endpoint.modified = this.o.clock.now();
    });
    return { EndpointArn: endpoint.arn };
  }

  private inService(endpoint: EndpointRecord): void {
    if (endpoint.status !== 'InService') throw validation(`Cannot update in-progress endpoint "${endpoint.arn}".`);
  }

  private updateEndpoint(input: Json): Json {
    const endpoint = this.endpoint(input.EndpointName);
    const config = this.visible(this.config(input.EndpointConfigName), 'endpoint configuration');
    this.inService(endpoint);
    const now = this.o.clock.now();
    endpoint.status = 'Updating';
    endpoint.pending = { config: config.name, started: now };
    endpoint.modified = now;
    const generation = ++endpoint.generation;
    this.later(this.timings.updateSeconds, async () => {
      if (endpoint.generation !== generation || this.endpoints.get(endpoint.name) !== endpoint) return;
      const failure = await this.start(endpoint, config);
      delete endpoint.pending;
      if (failure) {
        // The update is rolled back: the old config keeps serving.
        endpoint.failureReason = `Update of endpoint ${endpoint.name} to ${config.name} failed and was rolled back: ${failure}`;
      } else {
        const old = endpoint.variants;
        endpoint.config = config.name;
        endpoint.variants = this.liveVariants(config);
        delete endpoint.failureReason;
        for (const v of old) if (!endpoint.variants.some((n) => n.name === v.name && n.model === v.model)) void this.retire(endpoint.name, v.name, v.model);
      }
      endpoint.status = 'InService';
      endpoint.modified = this.o.clock.now();
    });
    return { EndpointArn: endpoint.arn };
  }

  private updateWeights(input: Json): Json {
    const endpoint = this.endpoint(input.EndpointName);
    this.inService(endpoint);
    const asked = (input.DesiredWeightsAndCapacities as Json[] | undefined) ?? [];
    if (asked.length === 0) throw validation('DesiredWeightsAndCapacities must name at least one variant.');
    const unknown = asked.map((a) => String(a.VariantName)).filter((n) => !endpoint.variants.some((v) => v.name === n));
    if (unknown.length > 0) throw validation(`The variant(s) "[${unknown.join(', ')}]" are not present in the endpoint "${endpoint.arn}".`);
    const next = endpoint.variants.map((v) => ({ ...v }));
    for (const a of asked) {
      const v = next.find((x) => x.name === a.VariantName)!;
      if (a.DesiredWeight !== undefined) {
        if (!(Number(a.DesiredWeight) >= 0)) throw validation(`DesiredWeight of variant ${v.name} must be at least 0.`);
        v.desiredWeight = Number(a.DesiredWeight);
      }
      if (a.DesiredInstanceCount !== undefined) {
        if (!Number.isInteger(a.DesiredInstanceCount) || Number(a.DesiredInstanceCount) < 1) throw validation(`DesiredInstanceCount of variant ${v.name} must be at least 1.`);
        v.desiredCount = Number(a.DesiredInstanceCount);
      }
    }
    if (next.every((v) => v.desiredWeight === 0)) throw validation('The total weight of the variants must be greater than 0.');
    endpoint.variants = next;
    endpoint.status = 'Updating';
    endpoint.modified = this.o.clock.now();
    const generation = ++endpoint.generation;
    const scaleUp = next.some((v) => v.desiredCount > v.currentCount);
    this.later(scaleUp ? this.timings.scaleUpSeconds : this.timings.weightsSeconds, async () => {
      if (endpoint.generation !== generation || this.endpoints.get(endpoint.name) !== endpoint) return;
      for (const v of endpoint.variants) {
        v.currentWeight = v.desiredWeight;
        v.currentCount = v.desiredCount;
      }
      endpoint.status = 'InService';
      endpoint.modified = this.o.clock.now();
    });
    return { EndpointArn: endpoint.arn };
  }

  private deleteEndpoint(input: Json): Json {
    const endpoint = this.endpoint(input.EndpointName);
    endpoint.generation++;
    this.endpoints.delete(endpoint.name);
    for (const v of endpoint.variants) void this.retire(endpoint.name, v.name, v.model);
    return {};
  }

  private describeEndpoint(e: EndpointRecord): Json {
    const variant = (v: LiveVariant): Json => {
      const model = this.models.get(v.model);
      return {
        VariantName: v.name,
        DeployedImages: model ? [{ SpecifiedImage: model.image, ResolvedImage: model.image, ResolutionTime: sec(e.modified) }] : [],
        CurrentWeight: v.currentWeight,
        DesiredWeight: v.desiredWeight,
        CurrentInstanceCount: v.currentCount,
        DesiredInstanceCount: v.desiredCount,
      };
    };
    const pending = e.pending ? this.configs.get(e.pending.config) : undefined;
    return {
      EndpointName: e.name,
      EndpointArn: e.arn,
      EndpointConfigName: e.config,
      ProductionVariants: e.variants.map(variant),
      EndpointStatus: e.status,
      ...(e.failureReason ? { FailureReason: e.failureReason } : {}),
      CreationTime: sec(e.created),
      LastModifiedTime: sec(e.modified),
      ...(e.pending
        ? {
            PendingDeploymentSummary: {
              EndpointConfigName: e.pending.config,
              StartTime: sec(e.pending.started),
              ProductionVariants: (pending?.variants ?? []).map((v) => ({ VariantName: v.VariantName, DesiredWeight: v.InitialVariantWeight, DesiredInstanceCount: v.InitialInstanceCount })),
            },
          }
        : {}),
    };
  }

  // ---- models at work ------------------------------------------------------------------

  /** The handler setting an image names: its repository path without registry host, tag or digest. */
  public static handlerOfImage(image: string): string {
    let ref = image.split('@')[0] ?? image;
    const lastSlash = ref.lastIndexOf('/');
    const colon = ref.lastIndexOf(':');
    if (colon > lastSlash) ref = ref.slice(0, colon);
    const [first, ...rest] = ref.split('/');
    const isRegistry = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
    return isRegistry ? rest.join('/') : ref;
  }

  /** Starts every variant's model (as a health check would); the first failure, or undefined. */
  private async start(endpoint: EndpointRecord, config: ConfigRecord): Promise<string | undefined> {
    for (const v of config.variants) {
      const model = this.models.get(v.ModelName);
      if (!model) return `model ${v.ModelName} of variant ${v.VariantName} no longer exists`;
      const handler = SageMakerService.handlerOfImage(model.image);
      if (!resolveHandler(handler, this.o.repoRoot).file) {
        return `the primary container for production variant ${v.VariantName} did not pass the ping health check: image ${model.image} names no handler module in the sandbox (${handler})`;
      }
      if (this.stopped) return 'the sandbox is stopping';
      const warm = await this.environmentFor(endpoint.name, v.VariantName, model).warm();
      if (!warm.ok) return `the primary container for production variant ${v.VariantName} did not pass the ping health check: ${warm.error.errorType}: ${warm.error.errorMessage}`;
    }
    return undefined;
  }

  private environmentFor(endpoint: string, variant: string, model: ModelRecord): ExecutionEnvironment {
    if (this.stopped) throw new ServiceError('ServiceUnavailable', 'The sandbox is stopping', 503);
    const key = `${endpoint}/${variant}/${model.name}`;
    let env = this.environments.get(key);
    if (!env) {
      // SageMaker hosting "assumes the role" given as ExecutionRoleArn for the container (session "SageMaker").
      const credentials = model.executionRoleArn ? this.o.credentials?.(model.executionRoleArn, 'SageMaker') : undefined;
      env = new ExecutionEnvironment(
        {
          functionName: `${endpoint}-${variant}`,
          version: model.name,
          handler: SageMakerService.handlerOfImage(model.image),
          timeoutSeconds: 60,
          env: {
            AWS_REGION: this.o.region,
            AWS_DEFAULT_REGION: this.o.region,
            AWS_ACCESS_KEY_ID: credentials?.accessKeyId ?? 'sandbox',
            AWS_SECRET_ACCESS_KEY: credentials?.secretAccessKey ?? 'sandbox',
            ...(credentials ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
            AWS_ENDPOINT_URL: this.o.endpointUrl(),
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            SAGEMAKER_ENDPOINT_NAME: endpoint,
            SAGEMAKER_VARIANT_NAME: variant,
            TZ: 'UTC',
            PATH: process.env.PATH ?? '',
            ...(model.modelDataUrl ? { MODEL_URI: model.modelDataUrl } : {}),
            ...model.environment,
          },
        },
        this.o.repoRoot,
        this.o.clock,
      );
      this.environments.set(key, env);
    }
    return env;
  }

  private async retire(endpoint: string, variant: string, model: string): Promise<void> {
    const key = `${endpoint}/${variant}/${model}`;
    const env = this.environments.get(key);
    this.environments.delete(key);
    await env?.drainAndTerminate();
  }

  /** InvokeEndpoint: the variant by CurrentWeight (or TargetVariant), its model run, the metrics recorded. */
  public async invoke(name: string, body: Buffer, targetVariant: string | undefined): Promise<InvokeEndpointResult> {
    const endpoint = this.endpoints.get(name);
    if (!endpoint || (endpoint.status !== 'InService' && endpoint.status !== 'Updating')) {
      throw new ServiceError('ValidationError', `Endpoint ${name} of account ${this.o.account} not found.`, 400);
    }
    let variant: LiveVariant | undefined;
    if (targetVariant !== undefined) {
      variant = endpoint.variants.find((v) => v.name === targetVariant);
      if (!variant) throw new ServiceError('ValidationError', `Variant ${targetVariant} not found for endpoint ${name}.`, 400);
    } else {
      const total = endpoint.variants.reduce((s, v) => s + v.currentWeight, 0);
      let pick = Math.random() * total;
      variant = endpoint.variants.find((v) => v.currentWeight > 0 && (pick -= v.currentWeight) < 0) ?? endpoint.variants.find((v) => v.currentWeight > 0);
      if (!variant) throw new ServiceError('ValidationError', `Endpoint ${name} has no variant with weight.`, 400);
    }
    const model = this.models.get(variant.model);
    const metrics = (m: Record<string, number>) => {
      const at = this.o.clock.now();
      const Dimensions = [
        { Name: 'EndpointName', Value: name },
        { Name: 'VariantName', Value: variant!.name },
      ];
      for (const [metric, value] of Object.entries(m)) {
        this.o.cloudwatch.metrics.putValue({ Namespace: 'AWS/SageMaker', MetricName: metric, Dimensions }, at, value, metric.endsWith('Latency') ? 'Microseconds' : 'Count');
      }
    };
    if (!model) {
      metrics({ Invocations: 1, Invocation4XXErrors: 0, Invocation5XXErrors: 1 });
      throw modelError(500, `model ${variant.model} no longer exists`, name);
    }
    const started = performance.now();
    const text = body.toString('utf8');
    let event = text;
    try {
      event = JSON.stringify(text.trim() ? JSON.parse(text) : {});
    } catch {
      event = JSON.stringify(text);
    }
    const requestId = randomUUID();
    const outcome = await this.environmentFor(name, variant.name, model).invoke(event, {
      awsRequestId: requestId,
      functionName: `${name}-${variant.name}`,
      functionVersion: variant.name,
      invokedFunctionArn: endpoint.arn,
      memoryLimitInMB: '1024',
      logGroupName: `/aws/sagemaker/Endpoints/${name}`,
      logStreamName: `${variant.name}/sandbox`,
    });
    const overheadUs = Math.max(0, Math.round((performance.now() - started - outcome.durationMs) * 1000));
    for (const line of outcome.logs.split('\n').filter(Boolean)) if (!this.o.cloudwatch.ingestEmf(line)) this.o.log?.(`[${name}/${variant.name}] ${line}`);
    metrics({
      Invocations: 1,
      Invocation4XXErrors: 0,
      Invocation5XXErrors: outcome.ok ? 0 : 1,
      ModelLatency: Math.round(outcome.durationMs * 1000),
      OverheadLatency: overheadUs,
    });
    if (!outcome.ok) {
      this.o.log?.(`[${name}/${variant.name}] ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      throw modelError(500, JSON.stringify({ errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage }), name, variant.name);
    }
    return { variant: variant.name, body: Buffer.from(outcome.payload), contentType: 'application/json' };
  }

  /** Sleeps `seconds` of virtual time, then runs `fn` (unless the sandbox stopped). */
  private later(seconds: number, fn: () => Promise<void>): void {
    void this.o.clock.sleep(seconds * 1000, this.timers.signal).then(async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (err) {
        this.o.log?.(`[sandbox] sagemaker background step failed: ${(err as Error).stack ?? String(err)}`);
      }
    });
  }

  /** Stops the timers and every model worker. */
  public async stop(): Promise<void> {
    this.stopped = true;
    this.timers.abort();
    const all = [...this.environments.values()];
    this.environments.clear();
    await Promise.all(all.map((env) => env.terminate()));
  }
}

/** What SageMaker Runtime answers when the container returns an error status. */
function modelError(status: number, message: string, endpoint: string, variant?: string): ServiceError {
  return new ServiceError(
    'ModelError',
    `Received server error (${status}) from ${variant ?? 'primary'} with message "${message}". See the sandbox output for the logs of endpoint ${endpoint}.`,
    424,
    { OriginalStatusCode: status, OriginalMessage: message, LogStreamArn: `arn:aws:logs:sandbox:log-group:/aws/sagemaker/Endpoints/${endpoint}` },
  );
}
