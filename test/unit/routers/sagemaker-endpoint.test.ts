import { ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { releaseInputSchema, targetKey, type SageMakerEndpointTarget } from '../../../core/release-input';
import type { Green, ReleaseContext } from '../../../core/release-state';
import { sagemakerNamesOf, splitOfEndpoint } from '../../../targets/sagemaker/endpoint';
import { SageMakerEndpointRouter } from '../../../targets/sagemaker/router';
import { FakeSageMaker } from '../../support/fake-sagemaker';
import { awsError } from '../../support/fake-lambda';

/**
 * The SageMaker endpoint router against a stateful fake of one endpoint:
 * green is a second production variant at weight 0, the switch and the
 * rollback are weights, one update at a time (TargetBusy otherwise).
 */
const sm = new FakeSageMaker();
const smClient = new SageMakerClient({});
const runtimeClient = new SageMakerRuntimeClient({});
const EXISTING = { kind: 'sagemaker-endpoint', endpointName: 'ai-endpoint', greenModel: { modelName: 'ticket-intent-v2' } } as const;
const SPEC = {
  kind: 'sagemaker-endpoint',
  endpointName: 'ai-endpoint',
  greenModel: { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ai-service:2', modelDataUrl: 's3://models/v2.tar.gz', executionRoleArn: 'arn:aws:iam::123456789012:role/sm' },
  instanceType: 'ml.c5.xlarge',
  initialInstanceCount: 1,
} as const;

function release(target: Record<string, unknown> = EXISTING, id = 'rel-1'): ReleaseContext {
  const spec = releaseInputSchema.parse({ target });
  return { id, executionArn: `arn:aws:states:eu-west-1:123456789012:execution:cutover-release:${id}`, startedAt: '2026-11-26T09:00:00.000Z', targetKey: targetKey(spec.target), spec };
}
const router = (target: Record<string, unknown> = EXISTING, busyWaitMs = 0) =>
  new SageMakerEndpointRouter(release(target).spec.target as SageMakerEndpointTarget, smClient, runtimeClient, { busyWaitMs, busyPollMs: 1 });
const ops = () => sm.ops().filter((o) => !o.startsWith('Describe'));

/** Prepared and InService: blue AllTraffic (ticket-intent-v1, 2 instances), green ticket-intent-v2 at weight 0. */
async function prepared(target: Record<string, unknown> = EXISTING): Promise<Green> {
  const g = await router(target).prepare(release(target));
  sm.settle();
  sm.calls = [];
  return { ...g, ready: true };
}

beforeEach(() => {
  sm.reset();
  sm.seed();
  sm.models.set('ticket-intent-v2', { image: 'ecr/ai-service:2' });
});
afterAll(() => {
  smClient.destroy();
  runtimeClient.destroy();
});

describe('prepare', () => {
  it('adds green at weight 0 with an endpoint config named after the release, copying blue, then UpdateEndpoint', async () => {
    // Act
    const g = await router().prepare(release());

    // Assess
    expect(g).toEqual({
      blue: 'AllTraffic',
      green: 'ticket-intent-v2',
      createdGreen: false,
      blueModel: 'ticket-intent-v1',
      greenModel: 'ticket-intent-v2',
      blueConfig: 'ai-endpoint-v1',
      blueInstanceCount: 2,
      greenConfig: 'cutover-rel-1',
      finalConfig: 'cutover-rel-1-live',
      ready: false,
      waitSeconds: 30,
      readyChecks: 0,
      readyMaxChecks: 60,
    });
    expect(sm.configs.get('cutover-rel-1')).toEqual([
      { VariantName: 'AllTraffic', ModelName: 'ticket-intent-v1', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, InitialVariantWeight: 1 },
      { VariantName: 'ticket-intent-v2', ModelName: 'ticket-intent-v2', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, InitialVariantWeight: 0 },
    ]);
    expect(ops()).toEqual(['CreateEndpointConfig', 'UpdateEndpoint']);
    expect(sm.endpoint.status).toBe('Updating');
  });

  it('creates the model from a spec (named after the release) with the instance type and count asked for', async () => {
    // Act
    const g = await router(SPEC).prepare(release(SPEC));

    // Assess
    expect(g).toMatchObject({ green: 'cutover-rel-1', greenModel: 'cutover-rel-1', createdGreen: true });
    expect(sm.calls.find((c) => c.op === 'CreateModel')!.input).toEqual({
      ModelName: 'cutover-rel-1',
      PrimaryContainer: { Image: SPEC.greenModel.image, ModelDataUrl: SPEC.greenModel.modelDataUrl },
      ExecutionRoleArn: SPEC.greenModel.executionRoleArn,
      Tags: [{ Key: 'cutover:release', Value: 'rel-1' }],
    });
    expect(sm.configs.get('cutover-rel-1')![1]).toMatchObject({ VariantName: 'cutover-rel-1', InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 1, InitialVariantWeight: 0 });
  });

  it('is safe to repeat: a retry finds its config on the endpoint (pending or live) and changes nothing', async () => {
    // Prepare
    sm.updateDescribes = 3;
    const first = await router(SPEC).prepare(release(SPEC));
    sm.calls = [];

    // Act
    const during = await router(SPEC).prepare(release(SPEC));
    sm.settle();
    const after = await router(SPEC).prepare(release(SPEC));

    // Assess
    expect(during).toEqual(first);
    expect(after).toEqual(first); // blue's config from the tag on the release's config
    expect(ops()).toEqual(['ListTags']); // reads only
  });

  it('a model that already exists under the derived name is this release’s (a retry after CreateModel)', async () => {
    // Prepare
    sm.models.set('cutover-rel-1', { image: 'x' });

    // Act
    const g = await router(SPEC).prepare(release(SPEC));

    // Assess
    expect(g.createdGreen).toBe(true);
  });

  it('TargetBusy while someone else updates the endpoint (the state machine retries)', async () => {
    // Prepare
    sm.busyFor(99);

    // Act / Assess
    await expect(router().prepare(release())).rejects.toMatchObject({ name: 'TargetBusy' });
    expect(ops()).toEqual([]);
  });

  it.each([
    ['an endpoint with two variants', () => sm.endpoint.variants.push({ ...sm.endpoint.variants[0]!, name: 'other' }), 'TargetNotReady', /2 production variants \(AllTraffic, other\)/],
    ['a missing endpoint', () => (sm.endpoint.name = 'elsewhere'), 'TargetNotReady', /endpoint ai-endpoint does not exist/],
    ['a missing model', () => sm.models.delete('ticket-intent-v2'), 'TargetNotReady', /model ticket-intent-v2 does not exist/],
    ['a Failed endpoint', () => (sm.endpoint.status = 'Failed'), 'TargetNotReady', /is Failed/],
    ['the model blue serves', () => sm.models.set('ticket-intent-v1', {}), 'NothingToRelease', /already serves model ticket-intent-v1/],
  ])('refuses %s', async (_what, arrange, name, message) => {
    // Prepare
    arrange();
    const target = name === 'NothingToRelease' ? { ...EXISTING, greenModel: { modelName: 'ticket-intent-v1' } } : EXISTING;

    // Act / Assess
    await expect(router(target).prepare(release(target))).rejects.toMatchObject({ name, message: expect.stringMatching(message) });
    expect(ops()).not.toContain('UpdateEndpoint');
  });
});

describe('waitState', () => {
  it('updating while the endpoint updates, ready once InService on the release config', async () => {
    // Prepare
    sm.updateDescribes = 2;
    const g = await router().prepare(release());

    // Act
    const first = await router().waitState(g);
    const second = await router().waitState(g);

    // Assess
    expect(first).toEqual({ state: 'updating', reason: 'endpoint ai-endpoint is Updating' });
    expect(second).toEqual({ state: 'ready' });
  });

  it('failed when SageMaker rolled the update back (InService on the old config) or the endpoint is Failed', async () => {
    // Prepare
    sm.failNextUpdate = 'the primary container for production variant ticket-intent-v2 did not pass the ping health check';
    const g = await router().prepare(release());

    // Act
    const rolledBack = await router().waitState(g);
    sm.endpoint.status = 'Failed';
    const failed = await router().waitState(g);

    // Assess
    expect(rolledBack.state).toBe('failed');
    expect(rolledBack.reason).toMatch(/InService on ai-endpoint-v1, not cutover-rel-1: the update did not take: the primary container/);
    expect(failed.state).toBe('failed');
  });
});

describe('setGreenPercent / rollback / currentSplit', () => {
  it('moves weights with UpdateEndpointWeightsAndCapacities and reads them back (DesiredWeight)', async () => {
    // Prepare
    const g = await prepared();

    // Act
    const split = await router().setGreenPercent(g, 10);

    // Assess
    expect(split).toEqual({ AllTraffic: 90, 'ticket-intent-v2': 10 });
    expect(sm.calls.find((c) => c.op === 'UpdateEndpointWeightsAndCapacities')!.input.DesiredWeightsAndCapacities).toEqual([
      { VariantName: 'AllTraffic', DesiredWeight: 90 },
      { VariantName: 'ticket-intent-v2', DesiredWeight: 10 },
    ]);
  });

  it("a retry that may not read the release config's tags still answers, without blue's config (kept, not deleted)", async () => {
    // Prepare: the endpoint is already on the release's config; ListTags is denied (a role from before it was granted).
    const first = await router(SPEC).prepare(release(SPEC));
    sm.settle();
    sm.mock.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: sagemaker:ListTags', 400));

    // Act
    const retried = await router(SPEC).prepare(release(SPEC));

    // Assess
    expect(retried).toEqual({ ...first, blueConfig: undefined });
  });

  it('waits for an Updating endpoint within busyWaitMs, else TargetBusy; repeating the same step changes nothing', async () => {
    // Prepare
    const g = await prepared();
    sm.updateDescribes = 3;
    await router().setGreenPercent(g, 50); // Updating for 3 reads

    // Act
    const busy = await router().setGreenPercent(g, 100).catch((e: Error) => e);
    const same = await router().setGreenPercent(g, 50);
    const waited = await router(EXISTING, 2_000).setGreenPercent(g, 100);

    // Assess
    expect((busy as Error).name).toBe('TargetBusy');
    expect(same).toEqual({ AllTraffic: 50, 'ticket-intent-v2': 50 });
    expect(waited).toEqual({ 'ticket-intent-v2': 100 });
    expect(sm.calls.filter((c) => c.op === 'UpdateEndpointWeightsAndCapacities')).toHaveLength(2);
  });

  it('ConcurrentModification when the endpoint no longer has blue and green', async () => {
    // Prepare
    const g = await prepared();
    sm.endpoint.variants.push({ ...sm.endpoint.variants[0]!, name: 'someone-else' });

    // Act / Assess
    await expect(router().setGreenPercent(g, 10)).rejects.toMatchObject({ name: 'ConcurrentModification', message: expect.stringContaining('someone-else') });
  });

  it('rollback: weights back to blue; a rollback already asked for is not asked again, even while Updating', async () => {
    // Prepare
    const g = await prepared();
    await router().setGreenPercent(g, 100);
    sm.settle();
    sm.updateDescribes = 5;

    // Act
    const split = await router().rollback(g);
    const again = await router().rollback(g);

    // Assess
    expect(split).toEqual({ AllTraffic: 100 });
    expect(again).toEqual({ AllTraffic: 100 });
    expect(sm.calls.filter((c) => c.op === 'UpdateEndpointWeightsAndCapacities')).toHaveLength(2);
    expect(await router().currentSplit()).toEqual({ 'ticket-intent-v2': 100 }); // not applied yet: CurrentWeight
  });

  it('rollback with a green that never reached the endpoint changes nothing', async () => {
    // Prepare
    sm.failNextUpdate = 'bad image';
    const g = await router().prepare(release());
    sm.settle();

    // Act
    const split = await router().rollback(g);

    // Assess
    expect(split).toEqual({ AllTraffic: 100 });
    expect(sm.calls.filter((c) => c.op === 'UpdateEndpointWeightsAndCapacities')).toHaveLength(0);
  });

  it('splitOfEndpoint reads relative weights as percentages', () => {
    expect(splitOfEndpoint({ ProductionVariants: [{ VariantName: 'a', CurrentWeight: 1 }, { VariantName: 'b', CurrentWeight: 3 }] } as never)).toEqual({ a: 25, b: 75 });
    expect(splitOfEndpoint({ ProductionVariants: [{ VariantName: 'a', CurrentWeight: 1, DesiredWeight: 0 }, { VariantName: 'b', CurrentWeight: 0, DesiredWeight: 2 }] } as never, 'desired')).toEqual({ b: 100 });
  });
});

describe('standby capacity for blue during retention', () => {
  const STANDBY = { ...EXISTING, blueStandbyInstanceCount: 1 };

  it('scales blue at weight 0 down to the standby count, once', async () => {
    // Prepare
    const g = await prepared(STANDBY);
    await router(STANDBY).setGreenPercent(g, 100);
    sm.settle();

    // Act
    const did = await router(STANDBY).retain(g);
    sm.settle();
    const again = await router(STANDBY).retain(g);

    // Assess
    expect(did).toBe('blue AllTraffic scaled to 1 standby instances');
    expect(again).toBeUndefined();
    expect(sm.variant('AllTraffic')).toMatchObject({ currentCount: 1, currentWeight: 0 });
  });

  it('defers while the endpoint is Updating, never touches a blue with weight, and does nothing without a standby count', async () => {
    // Prepare
    const g = await prepared(STANDBY);
    sm.updateDescribes = 5;
    await router(STANDBY).setGreenPercent(g, 100);

    // Act
    const deferred = await router(STANDBY).retain(g);
    sm.settle();
    await router(STANDBY).rollback(g);
    sm.settle();
    const withWeight = await router(STANDBY).retain(g);
    const none = await router(EXISTING).retain(g);

    // Assess
    expect(deferred).toMatch(/deferred: endpoint ai-endpoint is Updating/);
    expect(withWeight).toBeUndefined();
    expect(none).toBeUndefined();
  });

  it('a rollback after standby restores blue’s full count in the same update that moves the weights', async () => {
    // Prepare
    const g = await prepared(STANDBY);
    await router(STANDBY).setGreenPercent(g, 100);
    sm.settle();
    await router(STANDBY).retain(g);
    sm.settle();
    sm.calls = [];

    // Act
    await router(STANDBY).rollback(g);

    // Assess
    expect(sm.calls.find((c) => c.op === 'UpdateEndpointWeightsAndCapacities')!.input.DesiredWeightsAndCapacities).toEqual([
      { VariantName: 'AllTraffic', DesiredWeight: 100, DesiredInstanceCount: 2 },
      { VariantName: 'ticket-intent-v2', DesiredWeight: 0 },
    ]);
  });
});

describe('decommission', () => {
  it('after a release: a config with green only, TargetBusy while the endpoint updates, then the old configs go (blue model kept)', async () => {
    // Prepare
    sm.seed({ endpoint: 'ai-endpoint' });
    sm.models.set('ticket-intent-v2', {});
    sm.configs.set('cutover-previous-live', sm.configs.get('ai-endpoint-v1')!);
    sm.endpoint.config = 'cutover-previous-live'; // a previous release's final config
    const g = await prepared();
    await router().setGreenPercent(g, 100);
    sm.settle();

    // Act
    const first = await router().decommission(g, 'blue', { deleteVersion: false }).catch((e: Error) => e);
    const configDuring = sm.configs.get('cutover-rel-1-live');
    const second = await router().decommission(g, 'blue', { deleteVersion: false });

    // Assess
    expect((first as Error).name).toBe('TargetBusy');
    expect(configDuring).toEqual([{ VariantName: 'ticket-intent-v2', ModelName: 'ticket-intent-v2', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, InitialVariantWeight: 1 }]);
    expect(sm.endpoint.variants.map((v) => v.name)).toEqual(['ticket-intent-v2']);
    expect(second.removed).toEqual(['variant AllTraffic of ai-endpoint', 'endpoint config cutover-rel-1', 'endpoint config cutover-previous-live']);
    expect(second.kept).toEqual([{ what: 'model ticket-intent-v1', why: 'decommission.deleteBlueVersion is false' }]);
    expect([...sm.configs.keys()].sort()).toEqual(['ai-endpoint-v1', 'cutover-rel-1-live']);
  });

  it('a retry that finds the endpoint still updating to the final config waits for it and goes on, without asking for that config again', async () => {
    // Prepare: green live; the first attempt asked for the config with green alone and raised TargetBusy.
    const g = await prepared();
    await router().setGreenPercent(g, 100);
    sm.settle();
    sm.updateDescribes = 3;
    await router().decommission(g, 'blue', { deleteVersion: false }).catch(() => undefined);
    sm.calls = [];

    // Act: the retry's first look shows Updating; the update ends while it waits.
    const retry = await router(EXISTING, 1_000).decommission(g, 'blue', { deleteVersion: false });

    // Assess
    expect(retry.removed).toEqual(['variant AllTraffic of ai-endpoint', 'endpoint config cutover-rel-1']);
    expect(ops()).toEqual(['DeleteEndpointConfig']);
    expect(sm.endpoint).toMatchObject({ status: 'InService', config: 'cutover-rel-1-live' });
  });

  it('after a failure: blue alone again (full count), then the release config and the model this release created are deleted', async () => {
    // Prepare
    const g = await prepared(SPEC);

    // Act
    await router(SPEC).decommission(g, 'green', { deleteVersion: false }).catch(() => undefined);
    sm.settle();
    const done = await router(SPEC).decommission(g, 'green', { deleteVersion: false });

    // Assess
    expect(sm.configs.get('cutover-rel-1-live')).toEqual([expect.objectContaining({ VariantName: 'AllTraffic', InitialInstanceCount: 2, InitialVariantWeight: 1 })]);
    expect(done.removed).toEqual(['variant cutover-rel-1 of ai-endpoint', 'endpoint config cutover-rel-1', 'model cutover-rel-1']);
    expect(sm.models.has('cutover-rel-1')).toBe(false);
    expect(sm.models.has('ticket-intent-v1')).toBe(true);
  });

  it("after a failure, also deletes blue's config when an earlier release made it (unused once blue runs alone on this release's)", async () => {
    // Prepare: blue runs on the -live config an earlier release left; the user's own config is never touched.
    sm.seed({ config: 'cutover-prev-live' });
    sm.models.set('ticket-intent-v2', { image: 'ecr/ai-service:2' });
    const g = await prepared(SPEC);

    // Act
    await router(SPEC).decommission(g, 'green', { deleteVersion: false }).catch(() => undefined);
    sm.settle();
    const done = await router(SPEC).decommission(g, 'green', { deleteVersion: false });

    // Assess
    expect(g.blueConfig).toBe('cutover-prev-live');
    expect(sm.endpoint.config).toBe('cutover-rel-1-live');
    expect(done.removed).toEqual(['variant cutover-rel-1 of ai-endpoint', 'endpoint config cutover-rel-1', 'endpoint config cutover-prev-live', 'model cutover-rel-1']);
    expect([...sm.configs.keys()]).toEqual(['cutover-rel-1-live']);
  });

  it('never removes a variant that takes traffic', async () => {
    // Prepare
    const g = await prepared();
    await router().setGreenPercent(g, 10);
    sm.settle();

    // Act
    const result = await router().decommission(g, 'green', { deleteVersion: false });

    // Assess
    expect(result).toEqual({ removed: [], kept: [{ what: 'variant ticket-intent-v2 of ai-endpoint', why: 'it still takes 10 % of the traffic' }] });
    expect(ops()).not.toContain('UpdateEndpoint');
  });

  it('an update SageMaker rolled back leaves nothing on the endpoint: the config and the created model go directly', async () => {
    // Prepare
    sm.failNextUpdate = 'bad image';
    const g = await router(SPEC).prepare(release(SPEC));
    sm.settle();
    sm.calls = [];

    // Act
    const result = await router(SPEC).decommission(g, 'green', { deleteVersion: false });

    // Assess
    expect(result.removed).toEqual(['variant cutover-rel-1 of ai-endpoint', 'endpoint config cutover-rel-1', 'model cutover-rel-1']);
    expect(ops()).not.toContain('UpdateEndpoint');
  });

  it('discardOrphans removes the config and the derived model a failed PrepareGreen left on the side', async () => {
    // Prepare
    const names = sagemakerNamesOf(release(SPEC));
    sm.models.set(names.model, {});
    sm.configs.set(names.config, sm.configs.get('ai-endpoint-v1')!);

    // Act
    const removed = await router(SPEC).discardOrphans(release(SPEC));

    // Assess
    expect(removed.removed).toEqual(['endpoint config cutover-rel-1', 'model cutover-rel-1']);
    expect(ops()).toEqual(['DeleteEndpointConfig', 'DeleteModel']);
  });

  it('discardOrphans takes green off the endpoint when PrepareGreen updated it before crashing: blue alone, then the config and the model', async () => {
    // Prepare: PrepareGreen's UpdateEndpoint went through (pending), its answer was lost.
    sm.updateDescribes = 3;
    await router(SPEC).prepare(release(SPEC));
    sm.calls = [];

    // Act: Decommission's attempts, as the state machine retries TargetBusy.
    const attempt = async () => router(SPEC).discardOrphans(release(SPEC)).catch((err: Error) => err.name);
    const whileAdding = await attempt();
    sm.settle();
    const onGreenConfig = await attempt();
    const liveConfigDuringUpdate = sm.endpoint.status === 'Updating' ? sm.calls.find((c) => c.op === 'UpdateEndpoint')?.input.EndpointConfigName : undefined;
    sm.settle();
    const done = await attempt();

    // Assess
    expect(whileAdding).toBe('TargetBusy');
    expect(onGreenConfig).toBe('TargetBusy');
    expect(liveConfigDuringUpdate).toBe('cutover-rel-1-live');
    expect(sm.configs.get('cutover-rel-1-live')).toEqual([expect.objectContaining({ VariantName: 'AllTraffic', ModelName: 'ticket-intent-v1', InitialVariantWeight: 1 })]);
    expect(done).toEqual({ removed: ['endpoint config cutover-rel-1', 'model cutover-rel-1'], kept: [] });
    expect(sm.endpoint.variants.map((v) => v.name)).toEqual(['AllTraffic']);
    expect(sm.split()).toEqual({ AllTraffic: 100 });
    expect(ops()).toEqual(['ListTags', 'CreateEndpointConfig', 'UpdateEndpoint', 'DeleteEndpointConfig', 'DeleteModel']);
  });
});

describe('invoke and release alarms', () => {
  it('invokes one variant with TargetVariant; a ModelError is the model’s answer, not a failed call', async () => {
    // Prepare
    const g = await prepared();
    sm.behaviour = (model) => {
      if (model === 'ticket-intent-v2') throw new Error('UnsupportedInput');
      return { label: 'billing' };
    };

    // Act
    const blue = await router().invoke(g, 'blue', { text: 'hi' });
    const green = await router().invoke(g, 'green', { text: 'hi' });

    // Assess
    expect(blue.output).toEqual({ label: 'billing' });
    expect(green.error).toBe('ModelError: 500 UnsupportedInput');
    expect(sm.calls.filter((c) => c.op === 'InvokeEndpoint').map((c) => c.input.TargetVariant)).toEqual(['AllTraffic', 'ticket-intent-v2']);
  });

  it('alarms per variant: Invocation5XXErrors / Invocations and ModelLatency p95 in microseconds', () => {
    // Act
    const alarms = router().releaseAlarms(release(), { blue: 'AllTraffic', green: 'ticket-intent-v2', createdGreen: false }, { prefix: 'cutover-', errorRateThreshold: 0.05, latencyP95Ms: 2_000, periodSeconds: 60 });

    // Assess
    const dims = [
      { Name: 'EndpointName', Value: 'ai-endpoint' },
      { Name: 'VariantName', Value: 'ticket-intent-v2' },
    ];
    expect(alarms.map((a) => a.AlarmName)).toEqual(['cutover-rel-1-error-rate', 'cutover-rel-1-p95-latency']);
    expect(alarms[0]!.Metrics!.slice(0, 2).map((m) => [m.MetricStat!.Metric!.MetricName, m.MetricStat!.Metric!.Dimensions])).toEqual([
      ['Invocation5XXErrors', dims],
      ['Invocations', dims],
    ]);
    expect(alarms[1]).toMatchObject({ Namespace: 'AWS/SageMaker', MetricName: 'ModelLatency', Dimensions: dims, ExtendedStatistic: 'p95', Threshold: 2_000_000 });
  });
});

/*
 * SageMaker is eventually consistent: right after CreateEndpointConfig (or CreateModel), a call naming the
 * new resource can answer ValidationException "Could not find endpoint configuration …" for a short while.
 */
describe('eventual consistency after a create', () => {
  it('PrepareGreen raises TransientAwsError (retried) when UpdateEndpoint cannot see the config it just made', async () => {
    // Prepare
    const { UpdateEndpointCommand } = await import('@aws-sdk/client-sagemaker');
    sm.mock
      .on(UpdateEndpointCommand)
      .rejectsOnce(awsError('ValidationException', 'Could not find endpoint configuration "arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/cutover-rel-1".'));

    // Act
    const err = await router()
      .prepare(release())
      .then(() => undefined, (e: unknown) => e as Error);

    // Assess
    expect(err?.name).toBe('TransientAwsError');
    expect(err?.message).toMatch(/does not show endpoint configuration cutover-rel-1 yet/);
  });

  it('any other ValidationException stays what it is (a config someone else named is not "not visible yet")', async () => {
    // Prepare
    const { UpdateEndpointCommand } = await import('@aws-sdk/client-sagemaker');
    sm.mock.on(UpdateEndpointCommand).rejectsOnce(awsError('ValidationException', 'Could not find endpoint configuration "arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/other".'));

    // Act
    const err = await router()
      .prepare(release())
      .then(() => undefined, (e: unknown) => e as Error);

    // Assess
    expect(err?.name).toBe('ValidationException');
  });
});

/*
 * TagValue: "Pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$", "Maximum length of 256"
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Tag.html; botocore sagemaker/2017-07-24).
 */
describe('tag values', () => {
  it("tags the release's endpoint config and model with a value that fits the pattern, whatever the release id", async () => {
    // Prepare: an execution name Step Functions takes but SageMaker's TagValue does not ("!", "(", ")", "'").
    const id = "hotfix!(o'brien)=v2";
    const target = SPEC as unknown as Record<string, unknown>;

    // Act
    await router(target).prepare(release(target, id));

    // Assess
    const tags = sm.calls.filter((c) => c.op === 'CreateEndpointConfig' || c.op === 'CreateModel').flatMap((c) => (c.input.Tags as { Key: string; Value: string }[]) ?? []);
    const release_ = tags.filter((t) => t.Key === 'cutover:release');
    expect(release_).toHaveLength(2);
    for (const t of release_) {
      expect(t.Value).toMatch(/^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u);
      expect(t.Value).toBe('hotfix=21=28o=27brien=29=3Dv2');
    }
  });
});
