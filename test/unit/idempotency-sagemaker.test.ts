import type { ReleaseInput } from '../../core/release-input';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeSageMaker } from '../support/fake-sagemaker';
import { idempotency, taskHandler } from '../support/idempotency';
import { releaseInput } from '../support/release-input';
import { lambdaContext, useLedger } from './handlers/support';

/**
 * Every Task run twice in a row with the same input (test/support/idempotency.ts),
 * for a SageMaker endpoint: green is a second production variant added by an
 * endpoint config named after the release, the switch is weights. A stateful
 * endpoint (FakeSageMaker: an update ends after some DescribeEndpoint reads,
 * so the tests say when time passes with `sm.settle()`), alarms
 * (FakeCloudWatch) and a real ledger (dynalite).
 */

const db = useLedger();
const sm = new FakeSageMaker();
const cloudwatch = new FakeCloudWatch();
const TARGET_KEY = 'sagemaker-endpoint:ai-endpoint';
const USER_ALARM = 'ai-handler-errors';
/** An update that outlasts both runs of a Task (SageMaker takes minutes; a retry comes within seconds). */
const SLOW = 100;
const GREEN_MODEL = { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ai-service:2', modelDataUrl: 's3://models/ai-handler/v2.json', executionRoleArn: 'arn:aws:iam::123456789012:role/sm' };

const { twice, validated, freeTarget, toFirstStep, rollBackOnAlarm, monitorToEnd, releaseAndRecord } = idempotency({
  ledger: () => db.ledger,
  targetKey: TARGET_KEY,
  cloudwatch,
  // What a retry could duplicate: models, endpoint configs, the endpoint's variants and the weights and
  // counts asked of them (desired: current ones move with reads), and the updates the endpoint was asked for.
  target: () => ({
    models: [...sm.models.keys()].sort(),
    configs: [...sm.configs].map(([name, vs]) => `${name}: ${vs.map((v) => `${v.VariantName}=${v.ModelName} x${v.InitialInstanceCount} w${v.InitialVariantWeight}`).join(', ')}`).sort(),
    endpoint: sm.endpoint.config,
    variants: sm.endpoint.variants.map((v) => `${v.name}=${v.model} weight ${v.desiredWeight} count ${v.desiredCount}`),
    updates: sm.ops().filter((op) => op.startsWith('UpdateEndpoint')).length,
  }),
});

/** A SageMaker release (no artifact: green is the model spec). */
function input(overrides: Partial<ReleaseInput> = {}, target: Record<string, unknown> = {}): ReleaseInput {
  const { artifact: _artifact, ...base } = releaseInput({
    target: { kind: 'sagemaker-endpoint', endpointName: 'ai-endpoint', greenModel: GREEN_MODEL, ...target } as ReleaseInput['target'],
    strategy: { type: 'canary', steps: [10], stepSeconds: 120 },
    ...overrides,
  });
  return base;
}

beforeAll(() => {
  // An Updating endpoint raises TargetBusy at once: the state machine's retries do the waiting.
  process.env.CUTOVER_SAGEMAKER_BUSY_WAIT_MS = '0';
});
afterAll(() => {
  delete process.env.CUTOVER_SAGEMAKER_BUSY_WAIT_MS;
});
beforeEach(async () => {
  // Each test is a new release of the same endpoint: blue AllTraffic on ticket-intent-v1, 2 instances.
  await freeTarget();
  sm.reset();
  sm.seed({ model: 'ticket-intent-v1', variant: 'AllTraffic', count: 2 });
  cloudwatch.startOver();
  cloudwatch.set(USER_ALARM, 'OK');
});

/** PrepareGreen and the readiness loop: a check while the endpoint updates, then (time passes) one that finds it ready. */
async function prepared(state: any): Promise<void> {
  sm.updateDescribes = SLOW;
  state.green = await twice('prepare-green', state);
  expect(state.green).toMatchObject({ ready: false, readyChecks: 0 });
  state.green = await twice('check-green-ready', state);
  expect(state.green).toMatchObject({ ready: false, readyChecks: 1 });
  sm.settle();
  sm.updateDescribes = 1; // from here, an update ends at the next read
  state.green = await twice('check-green-ready', state);
  expect(state.green).toMatchObject({ ready: true, readyChecks: 2 });
}

/** Decommission as the state machine runs it: TargetBusy while the endpoint drops the retired variant (twice: one new config, one update), then done (twice). */
async function decommissioned(state: any): Promise<void> {
  sm.updateDescribes = SLOW;
  await twice('decommission', state, { rejects: 'TargetBusy' });
  sm.settle();
  state.decommission = await twice('decommission', state, { sameAnswer: false }); // second: "already gone"
}

describe('SageMaker endpoint: every Task, run twice with the same input, leaves one end state', () => {
  it('a release that succeeds, blue on standby in retention: ValidateInput … RecordOutcome, each Task twice', async () => {
    // Prepare: blue is what an earlier release left (its config and model named by Cutover), so Decommission may delete them.
    sm.seed({ model: 'cutover-idem-0', variant: 'AllTraffic', count: 2, config: 'cutover-idem-0-live' });

    // Act
    const state = await toFirstStep(input({ decommission: { deleteBlueVersion: true } }, { blueStandbyInstanceCount: 1 }), prepared);
    const green = state.green.green as string;
    expect(sm.split('desired')).toEqual({ AllTraffic: 90, [green]: 10 });
    expect([...cloudwatch.alarms.keys()].filter((a) => a.startsWith('cutover-'))).toHaveLength(2);
    await monitorToEnd(state);
    expect(sm.variant('AllTraffic')).toMatchObject({ desiredWeight: 0, desiredCount: 1 }); // standby during retention
    await decommissioned(state);
    const outcome = await releaseAndRecord(state);

    // Assess
    expect(outcome.status).toBe('Succeeded');
    expect(sm.endpoint.config).toBe(`cutover-${state.release.id}-live`);
    expect(sm.endpoint.variants.map((v) => [v.name, v.currentWeight, v.currentCount])).toEqual([[green, 1, 2]]);
    expect([...sm.configs.keys()]).toEqual([`cutover-${state.release.id}-live`]); // green's two-variant config and blue's config gone, once
    expect([...sm.models.keys()]).toEqual([green]); // blue's model gone (deleteBlueVersion), green's created once
    expect(sm.ops().filter((op) => op === 'CreateModel')).toHaveLength(1);
    expect(sm.ops().filter((op) => op === 'UpdateEndpointWeightsAndCapacities')).toHaveLength(3); // 10 %, 100 %, standby
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
    expect(await db.ledger.getLock(TARGET_KEY)).toBeUndefined();
    const [item] = await db.ledger.listReleases(TARGET_KEY, 10);
    expect(item).toMatchObject({ status: 'Succeeded', blueVersion: 'AllTraffic', greenVersion: green, blueStandby: expect.stringContaining('standby') });
    expect(Object.keys(item!.changes).filter((k) => k.startsWith('switch-'))).toEqual(['switch-0', 'switch-1']);
    expect(item!.changes['green-ready']).toBeDefined();
  });

  it('a release rolled back by an alarm: CheckAlarms, RollBackToBlue, Decommission (green), ReleaseLock, RecordOutcome twice each', async () => {
    // Prepare
    const state = await toFirstStep(input(), prepared);

    // Act
    await rollBackOnAlarm(state);
    expect(sm.split('desired')).toEqual({ AllTraffic: 100 });
    await decommissioned(state);
    const outcome = await releaseAndRecord(state);

    // Assess
    expect(outcome).toMatchObject({ status: 'RolledBack', error: 'AlarmRollback' });
    expect(sm.endpoint.variants.map((v) => [v.name, v.currentWeight, v.currentCount])).toEqual([['AllTraffic', 1, 2]]);
    expect([...sm.configs.keys()].sort()).toEqual(['ai-endpoint-v1', `cutover-${state.release.id}-live`]); // green's config gone, once
    expect([...sm.models.keys()]).toEqual(['ticket-intent-v1']); // green's model gone, once
    expect(sm.ops().filter((op) => op === 'UpdateEndpointWeightsAndCapacities')).toHaveLength(2); // 10 %, back to 0 %
    expect([...cloudwatch.alarms.keys()]).toEqual([USER_ALARM]);
    expect((await db.ledger.listReleases(TARGET_KEY, 1))[0]).toMatchObject({ status: 'RolledBack', greenPercent: 0 });
  });

  it('a PrepareGreen whose answer was lost is retried while the endpoint updates: the same config and model, no second config or update', async () => {
    // Prepare
    const state = await validated(input());
    state.lock = await twice('acquire-lock', state);
    sm.updateDescribes = SLOW;

    // Act: the first run created the model and the config and started the update; its answer is lost.
    state.green = await twice('prepare-green', state);

    // Assess
    const name = `cutover-${state.release.id}`;
    expect(state.green).toMatchObject({ blue: 'AllTraffic', green: name, createdGreen: true, greenModel: name, greenConfig: name, blueConfig: 'ai-endpoint-v1', blueInstanceCount: 2 });
    expect([...sm.configs.keys()].sort()).toEqual(['ai-endpoint-v1', name]);
    expect([...sm.models.keys()].sort()).toEqual([name, 'ticket-intent-v1']);
    expect(sm.ops().filter((op) => op === 'CreateEndpointConfig' || op === 'UpdateEndpoint')).toEqual(['CreateEndpointConfig', 'UpdateEndpoint']);
    expect(sm.endpoint.status).toBe('Updating');
  });

  // Blue's config name comes back from the tag on the release's config (the endpoint no longer shows it): without
  // it a successful Decommission would never delete blue's cutover-…-live config.
  it('a PrepareGreen retried after the endpoint update ended answers as the lost run did, blue config included', async () => {
    // Prepare: blue's config is an earlier release's, which Decommission deletes when this one succeeds.
    sm.seed({ model: 'cutover-idem-0', variant: 'AllTraffic', count: 2, config: 'cutover-idem-0-live' });
    const state = await validated(input());
    state.lock = await twice('acquire-lock', state);
    const lost = await taskHandler('prepare-green')(JSON.parse(JSON.stringify(state)), lambdaContext('prepare-green'));
    sm.settle(); // the update ends before the retry comes

    // Act
    state.green = await twice('prepare-green', state);

    // Assess
    expect(state.green).toEqual(lost);
    expect(state.green.blueConfig).toBe('cutover-idem-0-live');
  });
});
