import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from './fake-lambda';

interface Variant {
  name: string;
  model: string;
  instanceType?: string;
  currentWeight: number;
  desiredWeight: number;
  currentCount: number;
  desiredCount: number;
}

const configArn = (name: string) => `arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/${name.toLowerCase()}`;

/** What a model answers: its output, or throw to make a ModelError. */
export type ModelBehaviour = (model: string, payload: unknown) => unknown;

/**
 * One SageMaker endpoint with its models and endpoint configs, stateful, with
 * the semantics the router relies on: UpdateEndpoint and
 * UpdateEndpointWeightsAndCapacities put the endpoint in Updating (another
 * update is a ValidationException), and it becomes InService after
 * `updateDescribes` DescribeEndpoint calls (time is counted in reads, so tests
 * need no clock); a failed update rolls back to the old config.
 */
export class FakeSageMaker {
  public readonly mock = mockClient(SageMakerClient);
  public readonly runtime = mockClient(SageMakerRuntimeClient);
  public models = new Map<string, { image?: string; modelDataUrl?: string }>();
  public configs = new Map<string, ProductionVariant[]>();
  /** Tags given at create time, by resource ARN. */
  public tags = new Map<string, { Key?: string; Value?: string }[]>();
  public endpoint = { name: 'ai-endpoint', status: 'InService', config: 'ai-endpoint-v1', variants: [] as Variant[], failureReason: undefined as string | undefined };
  public calls: { op: string; input: Record<string, unknown> }[] = [];
  /** DescribeEndpoint reads an update stays Updating for (the read that ends it shows InService). */
  public updateDescribes = 1;
  /** …for UpdateEndpointWeightsAndCapacities, when it is not as long as an UpdateEndpoint (which replaces the fleet). */
  public weightsDescribes: number | undefined;
  /** The next UpdateEndpoint fails and rolls back with this reason. */
  public failNextUpdate: string | undefined;
  public behaviour: ModelBehaviour = (model) => ({ ok: true, model });
  private pending: { kind: 'config'; config: string } | { kind: 'weights' } | undefined;
  private remaining = 0;

  public constructor() {
    this.wire();
  }

  /** The endpoint InService on `model` behind one variant: the live blue. */
  public seed(options: { endpoint?: string; model?: string; variant?: string; count?: number; config?: string } = {}): void {
    const model = options.model ?? 'ticket-intent-v1';
    const variant = options.variant ?? 'AllTraffic';
    this.models = new Map([[model, { image: 'ecr/ai-service:1', modelDataUrl: 's3://models/v1.json' }]]);
    const config = options.config ?? `${options.endpoint ?? 'ai-endpoint'}-v1`;
    this.configs = new Map([[config, [{ VariantName: variant, ModelName: model, InstanceType: 'ml.m5.large', InitialInstanceCount: options.count ?? 2, InitialVariantWeight: 1 }]]]);
    this.endpoint = { name: options.endpoint ?? 'ai-endpoint', status: 'InService', config, variants: this.live(config), failureReason: undefined };
    this.tags = new Map([[configArn(config), []]]);
    this.calls = [];
    this.pending = undefined;
    this.failNextUpdate = undefined;
    this.updateDescribes = 1;
    this.weightsDescribes = undefined;
    this.behaviour = (m) => ({ ok: true, model: m });
  }

  /** Share of traffic per variant, by current (or desired) weight, in percent. */
  public split(which: 'current' | 'desired' = 'current'): Record<string, number> {
    const w = (v: Variant) => (which === 'current' ? v.currentWeight : v.desiredWeight);
    const total = this.endpoint.variants.reduce((s, v) => s + w(v), 0);
    return Object.fromEntries(this.endpoint.variants.filter((v) => w(v) > 0).map((v) => [v.name, Math.round((w(v) / total) * 10_000) / 100]));
  }

  public variant(name: string): Variant | undefined {
    return this.endpoint.variants.find((v) => v.name === name);
  }

  public ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  public reset(): void {
    this.mock.reset();
    this.runtime.reset();
    this.wire();
  }

  /** Someone else's update (weights) in progress for the next `reads` DescribeEndpoint calls. */
  public busyFor(reads: number): void {
    this.endpoint.status = 'Updating';
    this.pending = { kind: 'weights' };
    this.remaining = reads;
  }

  /** Ends the update in progress at once. */
  public settle(): void {
    if (this.endpoint.status !== 'Updating') return;
    const pending = this.pending;
    this.pending = undefined;
    this.endpoint.status = 'InService';
    if (pending?.kind === 'config') {
      if (this.failNextUpdate) {
        this.endpoint.failureReason = this.failNextUpdate;
        this.failNextUpdate = undefined;
      } else {
        this.endpoint.config = pending.config;
        this.endpoint.variants = this.live(pending.config);
        this.endpoint.failureReason = undefined;
      }
    } else {
      for (const v of this.endpoint.variants) {
        v.currentWeight = v.desiredWeight;
        v.currentCount = v.desiredCount;
      }
    }
  }

  private live(config: string): Variant[] {
    return (this.configs.get(config) ?? []).map((v) => ({
      name: v.VariantName!,
      model: v.ModelName!,
      ...(v.InstanceType ? { instanceType: v.InstanceType } : {}),
      currentWeight: v.InitialVariantWeight ?? 1,
      desiredWeight: v.InitialVariantWeight ?? 1,
      currentCount: v.InitialInstanceCount ?? 1,
      desiredCount: v.InitialInstanceCount ?? 1,
    }));
  }

  private startUpdate(pending: NonNullable<FakeSageMaker['pending']>): void {
    if (this.endpoint.status !== 'InService') throw awsError('ValidationException', `Cannot update in-progress endpoint "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/${this.endpoint.name}".`);
    this.endpoint.status = 'Updating';
    this.pending = pending;
    this.remaining = pending.kind === 'weights' ? (this.weightsDescribes ?? this.updateDescribes) : this.updateDescribes;
  }

  private wire(): void {
    const log = (op: string, input: object) => this.calls.push({ op, input: input as Record<string, unknown> });
    const endpointArn = () => `arn:aws:sagemaker:eu-west-1:123456789012:endpoint/${this.endpoint.name}`;
    const knownEndpoint = (name?: string) => {
      if (name !== this.endpoint.name) throw awsError('ValidationException', `Could not find endpoint "${name}".`);
    };
    this.mock.on(DescribeEndpointCommand).callsFake((input) => {
      log('DescribeEndpoint', input);
      knownEndpoint(input.EndpointName);
      if (this.endpoint.status === 'Updating' && --this.remaining <= 0) this.settle();
      const e = this.endpoint;
      return {
        EndpointName: e.name,
        EndpointArn: endpointArn(),
        EndpointConfigName: e.config,
        EndpointStatus: e.status,
        ...(e.failureReason ? { FailureReason: e.failureReason } : {}),
        ...(this.pending?.kind === 'config' ? { PendingDeploymentSummary: { EndpointConfigName: this.pending.config } } : {}),
        ProductionVariants: e.variants.map((v) => ({
          VariantName: v.name,
          CurrentWeight: v.currentWeight,
          DesiredWeight: v.desiredWeight,
          CurrentInstanceCount: v.currentCount,
          DesiredInstanceCount: v.desiredCount,
        })),
      };
    });
    this.mock.on(DescribeEndpointConfigCommand).callsFake((input) => {
      log('DescribeEndpointConfig', input);
      const variants = this.configs.get(input.EndpointConfigName!);
      if (!variants) throw awsError('ValidationException', `Could not find endpoint configuration "${input.EndpointConfigName}".`);
      return { EndpointConfigName: input.EndpointConfigName, EndpointConfigArn: configArn(input.EndpointConfigName!), ProductionVariants: variants.map((v) => ({ ...v })) };
    });
    this.mock.on(CreateEndpointConfigCommand).callsFake((input) => {
      log('CreateEndpointConfig', input);
      if (this.configs.has(input.EndpointConfigName!)) throw awsError('ValidationException', `Cannot create already existing endpoint configuration "${input.EndpointConfigName}".`);
      for (const v of (input.ProductionVariants ?? []) as ProductionVariant[]) if (!this.models.has(v.ModelName!)) throw awsError('ValidationException', `Could not find model "${v.ModelName}".`);
      this.configs.set(input.EndpointConfigName!, ((input.ProductionVariants ?? []) as ProductionVariant[]).map((v) => ({ ...v })));
      this.tags.set(configArn(input.EndpointConfigName!), (input.Tags ?? []).map((t: { Key?: string; Value?: string }) => ({ ...t })));
      return { EndpointConfigArn: configArn(input.EndpointConfigName!) };
    });
    this.mock.on(ListTagsCommand).callsFake((input) => {
      log('ListTags', input);
      const tags = this.tags.get(input.ResourceArn!);
      if (!tags) throw awsError('ValidationException', `Could not find resource "${input.ResourceArn}".`);
      return { Tags: tags.map((t) => ({ ...t })) };
    });
    this.mock.on(DeleteEndpointConfigCommand).callsFake((input) => {
      log('DeleteEndpointConfig', input);
      if (!this.configs.delete(input.EndpointConfigName!)) throw awsError('ValidationException', `Could not find endpoint configuration "${input.EndpointConfigName}".`);
      return {};
    });
    this.mock.on(CreateModelCommand).callsFake((input) => {
      log('CreateModel', input);
      if (this.models.has(input.ModelName!)) throw awsError('ValidationException', `Cannot create already existing model "${input.ModelName}".`);
      this.models.set(input.ModelName!, { image: input.PrimaryContainer?.Image, modelDataUrl: input.PrimaryContainer?.ModelDataUrl });
      return { ModelArn: `arn:aws:sagemaker:eu-west-1:123456789012:model/${input.ModelName}` };
    });
    this.mock.on(DescribeModelCommand).callsFake((input) => {
      log('DescribeModel', input);
      const m = this.models.get(input.ModelName!);
      if (!m) throw awsError('ValidationException', `Could not find model "${input.ModelName}".`);
      return { ModelName: input.ModelName, PrimaryContainer: { Image: m.image, ModelDataUrl: m.modelDataUrl } };
    });
    this.mock.on(DeleteModelCommand).callsFake((input) => {
      log('DeleteModel', input);
      if (!this.models.delete(input.ModelName!)) throw awsError('ValidationException', `Could not find model "${input.ModelName}".`);
      return {};
    });
    this.mock.on(UpdateEndpointCommand).callsFake((input) => {
      log('UpdateEndpoint', input);
      knownEndpoint(input.EndpointName);
      if (!this.configs.has(input.EndpointConfigName!)) throw awsError('ValidationException', `Could not find endpoint configuration "${input.EndpointConfigName}".`);
      this.startUpdate({ kind: 'config', config: input.EndpointConfigName! });
      return { EndpointArn: endpointArn() };
    });
    this.mock.on(UpdateEndpointWeightsAndCapacitiesCommand).callsFake((input) => {
      log('UpdateEndpointWeightsAndCapacities', input);
      knownEndpoint(input.EndpointName);
      const asked: { VariantName?: string; DesiredWeight?: number; DesiredInstanceCount?: number }[] = input.DesiredWeightsAndCapacities ?? [];
      const unknown = asked.filter((a) => !this.variant(a.VariantName!)).map((a) => a.VariantName);
      if (this.endpoint.status === 'InService' && unknown.length) throw awsError('ValidationException', `The variant(s) "[${unknown.join(', ')}]" are not present`);
      this.startUpdate({ kind: 'weights' }); // refuses an endpoint that is not InService
      for (const a of asked) {
        const v = this.variant(a.VariantName!)!;
        if (a.DesiredWeight !== undefined) v.desiredWeight = a.DesiredWeight;
        if (a.DesiredInstanceCount !== undefined) v.desiredCount = a.DesiredInstanceCount;
      }
      return { EndpointArn: endpointArn() };
    });
    this.runtime.on(InvokeEndpointCommand).callsFake((input) => {
      log('InvokeEndpoint', input);
      knownEndpoint(input.EndpointName);
      const v = input.TargetVariant ? this.variant(input.TargetVariant) : this.endpoint.variants.find((x) => x.currentWeight > 0);
      if (!v) throw awsError('ValidationError', `Variant ${input.TargetVariant} not found.`);
      const payload = input.Body ? JSON.parse(new TextDecoder().decode(input.Body as Uint8Array)) : null;
      let out: unknown;
      try {
        out = this.behaviour(v.model, payload);
      } catch (err) {
        throw Object.assign(awsError('ModelError', 'Received server error (500) from primary', 424), { OriginalStatusCode: 500, OriginalMessage: (err as Error).message });
      }
      return { Body: new TextEncoder().encode(JSON.stringify(out)), ContentType: 'application/json', InvokedProductionVariant: v.name };
    });
  }
}
