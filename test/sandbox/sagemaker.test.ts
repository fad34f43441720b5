/**
 * Contract tests: the sandbox's SageMaker and SageMaker Runtime against
 * documented AWS behaviour, through the real @aws-sdk/client-sagemaker and
 * @aws-sdk/client-sagemaker-runtime. Endpoint changes take virtual time
 * (a few virtual seconds here, at timeScale 100).
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { startSandbox, type Sandbox } from '../../sandbox';
import { SageMakerService } from '../../sandbox/services/sagemaker';
import { clientsFor, eventually, FIXTURES, rejection } from './helpers';

const ROLE = 'arn:aws:iam::000000000000:role/sagemaker-test';
const ECHO = `sandbox.local/${FIXTURES}/handlers/echo.handler:latest`;
const FAIL = `${FIXTURES}/handlers/fail.handler`;

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;
let sm: SageMakerClient;
let runtime: SageMakerRuntimeClient;

const describe_ = (name: string) => sm.send(new DescribeEndpointCommand({ EndpointName: name }));
const inService = (name: string) => eventually(() => describe_(name), (e) => e.EndpointStatus !== 'Creating' && e.EndpointStatus !== 'Updating', 10_000, 20);
const invoke = async (endpoint: string, payload: unknown, targetVariant?: string) => {
  const out = await runtime.send(
    new InvokeEndpointCommand({ EndpointName: endpoint, Body: new TextEncoder().encode(JSON.stringify(payload)), ContentType: 'application/json', ...(targetVariant ? { TargetVariant: targetVariant } : {}) }),
  );
  return { variant: out.InvokedProductionVariant, body: JSON.parse(new TextDecoder().decode(out.Body)) as Record<string, unknown> };
};
const weights = (e: DescribeEndpointCommandOutput) => Object.fromEntries((e.ProductionVariants ?? []).map((v) => [v.VariantName, [v.CurrentWeight, v.DesiredWeight]]));

async function model(name: string, image = ECHO, modelDataUrl?: string) {
  await sm.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: image, ...(modelDataUrl ? { ModelDataUrl: modelDataUrl } : {}) } }));
}
async function endpointConfig(name: string, variants: [variant: string, model: string, weight: number][]) {
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: variants.map(([VariantName, ModelName, InitialVariantWeight]) => ({ VariantName, ModelName, InitialVariantWeight, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 })),
    }),
  );
}

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true, timeScale: 100, sagemaker: { createSeconds: 20, updateSeconds: 30, weightsSeconds: 10, scaleUpSeconds: 30 } });
  c = clientsFor(sandbox);
  const config = { ...sandbox.clientConfig, maxAttempts: 1 };
  sm = new SageMakerClient(config);
  runtime = new SageMakerRuntimeClient(config);
  await model('blue-model', ECHO, 's3://models/ai/v1.json');
  await model('green-model', ECHO, 's3://models/ai/v2.json');
  await model('failing-model', FAIL);
  await endpointConfig('one', [['blue', 'blue-model', 1]]);
  await endpointConfig('two', [
    ['blue', 'blue-model', 1],
    ['green', 'green-model', 0],
  ]);
  await sm.send(new CreateEndpointCommand({ EndpointName: 'ai', EndpointConfigName: 'one' }));
  expect((await inService('ai')).EndpointStatus).toBe('InService');
}, 30_000);

afterAll(async () => {
  c.destroy();
  sm.destroy();
  runtime.destroy();
  await sandbox.stop();
});

describe('models', () => {
  it('CreateModel / DescribeModel / DeleteModel, ValidationException for a duplicate or a missing model', async () => {
    // Act
    await model('short-lived');
    const described = await sm.send(new DescribeModelCommand({ ModelName: 'short-lived' }));
    const duplicate = await rejection(model('short-lived'));
    await sm.send(new DeleteModelCommand({ ModelName: 'short-lived' }));
    const missing = await rejection(sm.send(new DescribeModelCommand({ ModelName: 'short-lived' })));
    const deleteMissing = await rejection(sm.send(new DeleteModelCommand({ ModelName: 'short-lived' })));

    // Assess
    expect(described).toMatchObject({ ModelName: 'short-lived', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: ECHO } });
    expect(described.ModelArn).toBe(`arn:aws:sagemaker:${sandbox.region}:000000000000:model/short-lived`);
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect([duplicate.name, duplicate.message]).toEqual(['ValidationException', expect.stringContaining('Cannot create already existing model')]);
    expect([missing.name, missing.message]).toEqual(['ValidationException', expect.stringContaining('Could not find model')]);
    expect(deleteMissing.name).toBe('ValidationException');
  });

  it('reads the image as a handler module: registry host and tag dropped', () => {
    expect(SageMakerService.handlerOfImage('sandbox.local/examples/ai-service/handler.handler:v2')).toBe('examples/ai-service/handler.handler');
    expect(SageMakerService.handlerOfImage('examples/ai-service/handler.handler')).toBe('examples/ai-service/handler.handler');
    expect(SageMakerService.handlerOfImage('localhost:5000/x/y.handler@sha256:abc')).toBe('x/y.handler');
  });
});

describe('endpoint configs', () => {
  it('CreateEndpointConfig / DescribeEndpointConfig / DeleteEndpointConfig with documented defaults and errors', async () => {
    // Act
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'defaults', ProductionVariants: [{ VariantName: 'a', ModelName: 'blue-model', InstanceType: 'ml.m5.large' }] }));
    const described = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'defaults' }));
    const duplicate = await rejection(endpointConfig('defaults', [['a', 'blue-model', 1]]));
    const unknownModel = await rejection(endpointConfig('bad', [['a', 'no-such-model', 1]]));
    const allZero = await rejection(endpointConfig('zero', [['a', 'blue-model', 0]]));
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'defaults' }));
    const missing = await rejection(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'defaults' })));

    // Assess
    expect(described.ProductionVariants).toEqual([expect.objectContaining({ VariantName: 'a', ModelName: 'blue-model', InitialInstanceCount: 1, InitialVariantWeight: 1 })]);
    expect(duplicate.message).toContain('Cannot create already existing endpoint configuration');
    expect([unknownModel.name, unknownModel.message]).toEqual(['ValidationException', expect.stringContaining('Could not find model')]);
    expect(allZero.name).toBe('ValidationException');
    expect([missing.name, missing.message]).toEqual(['ValidationException', expect.stringContaining('Could not find endpoint configuration')]);
  });
});

describe('endpoints', () => {
  it('CreateEndpoint: Creating, then InService after the virtual delay; ValidationException for an unknown endpoint', async () => {
    // Act
    const endpoint = await describe_('ai');
    const missing = await rejection(describe_('nope'));

    // Assess
    expect(endpoint).toMatchObject({ EndpointName: 'ai', EndpointConfigName: 'one', EndpointStatus: 'InService' });
    expect(endpoint.ProductionVariants).toEqual([expect.objectContaining({ VariantName: 'blue', CurrentWeight: 1, DesiredWeight: 1, CurrentInstanceCount: 1, DesiredInstanceCount: 1 })]);
    expect([missing.name, missing.message]).toEqual(['ValidationException', expect.stringContaining('Could not find endpoint')]);
  });

  it('a model that cannot start makes CreateEndpoint end Failed with a FailureReason', async () => {
    // Prepare
    await model('no-handler', 'sandbox.local/nowhere/handler.handler:1');
    await endpointConfig('broken', [['x', 'no-handler', 1]]);

    // Act
    await sm.send(new CreateEndpointCommand({ EndpointName: 'broken', EndpointConfigName: 'broken' }));
    const ended = await inService('broken');

    // Assess
    expect(ended.EndpointStatus).toBe('Failed');
    expect(ended.FailureReason).toMatch(/did not pass the ping health check/);
  });

  it('InvokeEndpoint runs the model as a sandbox function: MODEL_URI = ModelDataUrl, variant named in the answer', async () => {
    // Act
    const out = await invoke('ai', { text: 'hello' });

    // Assess
    expect(out.variant).toBe('blue');
    expect(out.body).toMatchObject({ event: { text: 'hello' }, modelUri: 's3://models/ai/v1.json', version: 'blue' });
  });

  it('InvokeEndpoint errors: ModelError (424) when the model throws, ValidationError for an unknown endpoint or variant', async () => {
    // Prepare
    await endpointConfig('failing', [['f', 'failing-model', 1]]);
    await sm.send(new CreateEndpointCommand({ EndpointName: 'failing', EndpointConfigName: 'failing' }));
    await inService('failing');

    // Act
    const modelError = await rejection(invoke('failing', { fail: 'bad input' }));
    const unknownEndpoint = await rejection(invoke('nope', {}));
    const unknownVariant = await rejection(invoke('ai', {}, 'green'));

    // Assess
    expect(modelError.name).toBe('ModelError');
    expect(modelError.$metadata?.httpStatusCode).toBe(424);
    expect(modelError.OriginalStatusCode).toBe(500);
    expect(String(modelError.OriginalMessage)).toContain('bad input');
    expect(unknownEndpoint.name).toBe('ValidationError');
    expect(unknownVariant.name).toBe('ValidationError');
  });
});

describe('UpdateEndpoint and UpdateEndpointWeightsAndCapacities', () => {
  it('adds green at weight 0: Updating (pending config shown, another update refused), then InService on the new config', async () => {
    // Act
    await sm.send(new UpdateEndpointCommand({ EndpointName: 'ai', EndpointConfigName: 'two' }));
    const updating = await describe_('ai');
    const second = await rejection(sm.send(new UpdateEndpointCommand({ EndpointName: 'ai', EndpointConfigName: 'one' })));
    const weightsDuring = await rejection(sm.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'ai', DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredWeight: 1 }] })));
    const servedDuring = await invoke('ai', {});
    const done = await inService('ai');

    // Assess
    expect(updating).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: 'one', PendingDeploymentSummary: { EndpointConfigName: 'two' } });
    expect([second.name, second.message]).toEqual(['ValidationException', expect.stringContaining('Cannot update in-progress endpoint')]);
    expect(weightsDuring.message).toContain('Cannot update in-progress endpoint');
    expect(servedDuring.variant).toBe('blue');
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'two' });
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(weights(done)).toEqual({ blue: [1, 1], green: [0, 0] });
  });

  it('routes by weight: green at 0 gets nothing but TargetVariant reaches it', async () => {
    // Act
    const routed = await Promise.all(Array.from({ length: 20 }, () => invoke('ai', {})));
    const targeted = await invoke('ai', { probe: 1 }, 'green');

    // Assess
    expect(new Set(routed.map((r) => r.variant))).toEqual(new Set(['blue']));
    expect(targeted).toMatchObject({ variant: 'green', body: { modelUri: 's3://models/ai/v2.json', version: 'green' } });
  });

  it('weights: DesiredWeight at once, CurrentWeight after the update; traffic in proportion; unknown variants refused', async () => {
    // Act
    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'ai',
        DesiredWeightsAndCapacities: [
          { VariantName: 'blue', DesiredWeight: 50 },
          { VariantName: 'green', DesiredWeight: 50 },
        ],
      }),
    );
    const asked = await describe_('ai');
    const done = await inService('ai');
    const routed = await Promise.all(Array.from({ length: 60 }, () => invoke('ai', {})));
    const unknown = await rejection(sm.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'ai', DesiredWeightsAndCapacities: [{ VariantName: 'purple', DesiredWeight: 1 }] })));

    // Assess
    expect(asked.EndpointStatus).toBe('Updating');
    expect(weights(asked)).toEqual({ blue: [1, 50], green: [0, 50] });
    expect(weights(done)).toEqual({ blue: [50, 50], green: [50, 50] });
    const green = routed.filter((r) => r.variant === 'green').length;
    expect(green).toBeGreaterThan(10);
    expect(green).toBeLessThan(50);
    expect([unknown.name, unknown.message]).toEqual(['ValidationException', expect.stringContaining('purple')]);
  });

  it('capacities: DesiredInstanceCount changes, then CurrentInstanceCount', async () => {
    // Act
    await sm.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'ai', DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredInstanceCount: 3 }] }));
    const asked = await describe_('ai');
    const done = await inService('ai');

    // Assess
    expect(asked.ProductionVariants?.find((v) => v.VariantName === 'blue')).toMatchObject({ CurrentInstanceCount: 1, DesiredInstanceCount: 3 });
    expect(done.ProductionVariants?.find((v) => v.VariantName === 'blue')).toMatchObject({ CurrentInstanceCount: 3, DesiredInstanceCount: 3 });
  });

  it('an update whose model cannot start is rolled back: InService again on the old config, with a FailureReason', async () => {
    // Prepare
    await model('broken-green', 'sandbox.local/nowhere/at-all.handler');
    await endpointConfig('three', [
      ['blue', 'blue-model', 1],
      ['broken', 'broken-green', 0],
    ]);

    // Act
    await sm.send(new UpdateEndpointCommand({ EndpointName: 'ai', EndpointConfigName: 'three' }));
    const ended = await inService('ai');

    // Assess
    expect(ended).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'two' });
    expect(ended.FailureReason).toMatch(/rolled back/);
  });

  it('an UpdateEndpoint replaces the fleet: Updating for all of updateSeconds (5 simulated minutes here) while the old fleet serves, then InService', async () => {
    // "When you update your endpoint, Amazon SageMaker AI automatically uses a blue/green deployment … SageMaker AI
    // provisions a new fleet with the updates (the green fleet). Then, SageMaker AI shifts traffic from the old fleet"
    // — https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html
    // Prepare
    await model('fleet-1');
    await model('fleet-2');
    await endpointConfig('fleet-one', [['one', 'fleet-1', 1]]);
    await endpointConfig('fleet-two', [['one', 'fleet-1', 1], ['two', 'fleet-2', 0]]);
    await sm.send(new CreateEndpointCommand({ EndpointName: 'fleet', EndpointConfigName: 'fleet-one' }));
    await inService('fleet');
    const before = sandbox.sagemaker.setTimings({ updateSeconds: 300 });

    try {
      // Act
      const started = sandbox.clock.now();
      await sm.send(new UpdateEndpointCommand({ EndpointName: 'fleet', EndpointConfigName: 'fleet-two' }));
      const during = await describe_('fleet');
      const served = await invoke('fleet', {});
      const done = await inService('fleet');
      const took = sandbox.clock.now() - started;

      // Assess
      expect(during).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: 'fleet-one' });
      expect(served.variant).toBe('one');
      expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'fleet-two' });
      expect(took).toBeGreaterThanOrEqual(300_000);
    } finally {
      sandbox.sagemaker.setTimings(before);
    }
  });

  it('setTimings changes how long the updates started from then on take, and returns the timings to put back', async () => {
    // Prepare
    await model('timed-1');
    await model('timed-2');
    await endpointConfig('timed-one', [['one', 'timed-1', 1]]);
    await endpointConfig('timed-two', [['two', 'timed-2', 1]]);
    await sm.send(new CreateEndpointCommand({ EndpointName: 'timed', EndpointConfigName: 'timed-one' }));
    await inService('timed');

    // Act: from an hour to one second (an hour against one second, so that a slow model start under load cannot blur them)
    const original = sandbox.sagemaker.setTimings({ updateSeconds: 3_600 });
    const before = sandbox.sagemaker.setTimings({ updateSeconds: 1 });
    const started = sandbox.clock.now();
    await sm.send(new UpdateEndpointCommand({ EndpointName: 'timed', EndpointConfigName: 'timed-two' }));
    const ended = await inService('timed');
    const took = sandbox.clock.now() - started;
    const restored = sandbox.sagemaker.setTimings(original);

    // Assess
    expect(ended).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'timed-two' });
    expect(took).toBeLessThan(3_600_000);
    expect(original.updateSeconds).toBe(30); // what this file's sandbox started with
    expect(before.updateSeconds).toBe(3_600);
    expect(restored.updateSeconds).toBe(1);
  });

  it('records AWS/SageMaker metrics per variant (EndpointName, VariantName), ModelLatency in microseconds', async () => {
    // Act
    const now = sandbox.clock.now();
    const data = await c.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now + 60_000),
        MetricDataQueries: ['Invocations', 'Invocation5XXErrors', 'ModelLatency'].map((metric, i) => ({
          Id: `m${i}`,
          MetricStat: {
            Metric: { Namespace: 'AWS/SageMaker', MetricName: metric, Dimensions: [{ Name: 'EndpointName', Value: 'failing' }, { Name: 'VariantName', Value: 'f' }] },
            Period: 3600,
            Stat: metric === 'ModelLatency' ? 'Maximum' : 'Sum',
          },
        })),
      }),
    );
    const sum = (id: string) => (data.MetricDataResults?.find((r) => r.Id === id)?.Values ?? []).reduce((a, b) => a + b, 0);

    // Assess
    expect(sum('m0')).toBeGreaterThanOrEqual(1);
    expect(sum('m1')).toBeGreaterThanOrEqual(1);
    expect(sum('m2')).toBeGreaterThan(0);
  });
});

/*
 * Tag: "Value ... Length Constraints: Minimum length of 0. Maximum length of 256. Pattern:
 * ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$" — https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Tag.html
 * (the same constraints as botocore's sagemaker/2017-07-24 TagValue shape).
 */
describe('tag values', () => {
  it('refuses a tag value outside the pattern or longer than 256 with ValidationException, and takes one inside it', async () => {
    // Act
    const bad = await rejection(sm.send(new CreateModelCommand({ ModelName: 'tagged-bad', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: ECHO }, Tags: [{ Key: 'cutover:release', Value: 'rel(1)!' }] })));
    const long = await rejection(sm.send(new CreateModelCommand({ ModelName: 'tagged-long', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: ECHO }, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] })));
    const good = await sm.send(new CreateModelCommand({ ModelName: 'tagged-good', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: ECHO }, Tags: [{ Key: 'cutover:release', Value: 'rel=281=29=21 ü 2 +@/:.' }] }));

    // Assess
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toMatch(/at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    expect(long.name).toBe('ValidationException');
    expect(good.ModelArn).toBeDefined();
  });
});

/*
 * SageMaker's control plane is eventually consistent: right after CreateEndpointConfig, an UpdateEndpoint
 * naming it can answer ValidationException "Could not find endpoint configuration" for a short while
 * (AWS gives no figure; the lag is the sandbox timing visibilitySeconds, 0 by default).
 */
describe('eventual consistency', () => {
  it('answers "Could not find endpoint configuration / model" for a new resource named by another call during visibilitySeconds, then finds it', async () => {
    // Prepare
    const before = sandbox.sagemaker.setTimings({ visibilitySeconds: 5 });
    await model('lagging-model');

    // Act
    const modelLag = await rejection(endpointConfig('lagging-config', [['v', 'lagging-model', 1]]));
    await eventually(
      () => endpointConfig('lagging-config', [['v', 'lagging-model', 1]]).then(() => true, () => false),
      (ok) => ok,
      10_000,
      20,
    );
    const configLag = await rejection(sm.send(new CreateEndpointCommand({ EndpointName: 'lagging', EndpointConfigName: 'lagging-config' })));
    const described = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'lagging-config' }));
    sandbox.sagemaker.setTimings(before);
    const created = await eventually(
      () => sm.send(new CreateEndpointCommand({ EndpointName: 'lagging', EndpointConfigName: 'lagging-config' })).then(() => true, () => false),
      (ok) => ok,
      10_000,
      20,
    );

    // Assess
    expect(modelLag.name).toBe('ValidationException');
    expect(modelLag.message).toMatch(/^Could not find model ".*model\/lagging-model"\.$/);
    expect(configLag.name).toBe('ValidationException');
    expect(configLag.message).toMatch(/^Could not find endpoint configuration ".*endpoint-config\/lagging-config"\.$/);
    expect(described.EndpointConfigName).toBe('lagging-config');
    expect(created).toBe(true);
  });
});

describe('fault injection', () => {
  it('throttles SageMaker and fails SageMaker Runtime with their own errors', async () => {
    // Prepare
    sandbox.faults.inject({ service: 'sagemaker', operation: 'DescribeEndpoint', kind: 'throttle', times: 1 });
    sandbox.faults.inject({ service: 'sagemaker-runtime', operation: 'InvokeEndpoint', kind: '5xx', times: 1 });

    // Act
    const throttled = await rejection(describe_('ai'));
    const unavailable = await rejection(invoke('ai', {}));

    // Assess
    expect(throttled.name).toBe('ThrottlingException');
    expect(unavailable.name).toBe('ServiceUnavailable');
    expect(unavailable.$metadata?.httpStatusCode).toBe(503);
  });
});
