import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArtifact } from '../../examples/ai-service/artifact';
import { classify } from '../../examples/ai-service/classify';
import { clients } from '../../functions/kit/clients';
import { Ledger } from '../../core/ledger';
import { manualRollback } from '../../core/manual-rollback';
import { releaseInputSchema, type ReleaseInput } from '../../core/release-input';
import { routerFor } from '../../targets';
import { historyBudget } from '../../statemachine/history-budget';
import { startLedgerTable } from '../support/dynalite';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeSageMaker } from '../support/fake-sagemaker';
import { releaseInput } from '../support/release-input';
import { runRelease } from '../support/run-release';

/**
 * The real release.asl.json for a SageMaker endpoint: green is a second
 * production variant, the readiness loop (IsGreenReady → WaitForGreen →
 * CheckGreenReady) waits for the endpoint update, the switch is weights,
 * Decommission waits (TargetBusy, retried) for the endpoint to drop the
 * retired variant. SageMaker, CloudWatch, S3 and Step Functions are fakes;
 * the ledger is dynalite. The fake endpoint finishes an update after
 * `updateDescribes` reads, so the loop's length is set by the test.
 */
const EXAMPLE = path.join(__dirname, '../../examples/ai-service');
const KEY = 'sagemaker-endpoint:ai-endpoint';
const GOLDEN_URI = 's3://cutover-golden/ai-handler/golden-set.jsonl';
const SPEC_MODEL = { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ai-service:2', modelDataUrl: 's3://models/ai-handler/v2.json', executionRoleArn: 'arn:aws:iam::123456789012:role/sm' };
const target = (extra: Record<string, unknown> = {}) => ({ kind: 'sagemaker-endpoint', endpointName: 'ai-endpoint', greenModel: SPEC_MODEL, readyPollSeconds: 30, ...extra }) as ReleaseInput['target'];
const input = (extra: Partial<ReleaseInput> = {}, targetExtra: Record<string, unknown> = {}): ReleaseInput => {
  const { artifact: _artifact, ...base } = releaseInput({ target: target(targetExtra), ...extra });
  return base;
};
let table: Awaited<ReturnType<typeof startLedgerTable>>;
let ledger: Ledger;
const sm = new FakeSageMaker();
const cloudwatch = new FakeCloudWatch();
const s3 = mockClient(S3Client);
mockClient(SFNClient).on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
const artifactOf = (uri: string) => parseArtifact(JSON.parse(readFileSync(path.join(EXAMPLE, 'models', path.basename(uri)), 'utf8')));
const latestRelease = async () => (await ledger.listReleases(KEY, 1))[0]!;
const count = (run: { visited: string[] }, state: string) => run.visited.filter((s) => s === state).length;

beforeAll(async () => {
  // An Updating endpoint raises TargetBusy at once: the state machine's retries (no wait here) do the waiting.
  process.env.CUTOVER_SAGEMAKER_BUSY_WAIT_MS = '0';
  table = await startLedgerTable('cutover-sagemaker-paths');
  ledger = new Ledger(clients.dynamo(), table.tableName);
  const golden = readFileSync(path.join(EXAMPLE, 'golden-set.jsonl'), 'utf8');
  s3.on(GetObjectCommand, { Bucket: 'cutover-golden', Key: 'ai-handler/golden-set.jsonl' }).callsFake(() => ({ Body: { transformToString: async () => golden } }));
});
afterAll(async () => {
  delete process.env.CUTOVER_SAGEMAKER_BUSY_WAIT_MS;
  clients.dynamo().destroy();
  await table.stop();
});

beforeEach(() => {
  sm.reset();
  sm.seed({ model: 'ticket-intent-v1', variant: 'AllTraffic', count: 2 });
  sm.models.set('ticket-intent-v1', { image: 'ecr/ai-service:1', modelDataUrl: 's3://models/ai-handler/v1.json' });
  cloudwatch.startOver();
  cloudwatch.set('ai-handler-errors', 'OK');
});

describe('SageMaker endpoint: release paths', () => {
  it('happy: model created, readiness loop until InService, weights to green, standby blue in retention, blue variant retired', async () => {
    // Prepare: the endpoint update takes 3 reads, so CheckGreenReady runs 3 times.
    sm.updateDescribes = 3;

    // Act
    const run = await runRelease(input({}, { blueStandbyInstanceCount: 1 }));

    // Assess
    expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const id = (run.output as { release: { id: string } }).release.id;
    const green = `cutover-${id}`;
    expect(count(run, 'CheckGreenReady')).toBe(3);
    expect(count(run, 'WaitForGreen')).toBe(3);
    expect(sm.models.has(green)).toBe(true);
    expect(sm.endpoint).toMatchObject({ status: 'InService', config: `cutover-${id}-live` });
    expect(sm.endpoint.variants.map((v) => [v.name, v.currentWeight, v.currentCount])).toEqual([[green, 1, 2]]);
    // Retention scaled blue to its standby count before it was retired.
    const weightCalls = sm.calls.filter((c) => c.op === 'UpdateEndpointWeightsAndCapacities').map((c) => c.input.DesiredWeightsAndCapacities);
    expect(weightCalls).toEqual([
      [
        { VariantName: 'AllTraffic', DesiredWeight: 0 },
        { VariantName: green, DesiredWeight: 100 },
      ],
      [{ VariantName: 'AllTraffic', DesiredInstanceCount: 1 }],
    ]);
    // Decommission waited for its endpoint update (TargetBusy) and then deleted the two-variant config.
    expect(run.attempts.Decommission).toBeGreaterThanOrEqual(2);
    expect([...sm.configs.keys()].sort()).toEqual(['ai-endpoint-v1', `cutover-${id}-live`]);
    expect(await latestRelease()).toMatchObject({ status: 'Succeeded', blueVersion: 'AllTraffic', greenVersion: green });
    expect(await ledger.getLock(KEY)).toBeUndefined();
  });

  it('a fleet replacement of an hour or more: Decommission waits through it (TargetBusy retries) and retires blue', async () => {
    // Prepare: every UpdateEndpoint replaces the fleet; here each takes 150 reads (75 min at one read per 30 s retry),
    // a weights update 2, and the release allows the longest readiness there is.
    sm.updateDescribes = 150;
    sm.weightsDescribes = 2;

    // Act
    const run = await runRelease(input({}, { readyTimeoutSeconds: 7_200 }));

    // Assess
    expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const id = (run.output as { release: { id: string } }).release.id;
    expect(run.attempts.Decommission).toBeGreaterThan(100);
    expect(sm.endpoint).toMatchObject({ status: 'InService', config: `cutover-${id}-live` });
    expect(sm.endpoint.variants.map((v) => v.name)).toEqual([`cutover-${id}`]);
    expect(await latestRelease()).toMatchObject({ status: 'Succeeded' });
  });

  it('the readiness loop is bounded: an update that never ends fails with TargetNotReady, and nothing is left behind', async () => {
    // Prepare: 4 checks allowed (120 s / 30 s), the update takes longer (Decommission then waits for it to end).
    sm.updateDescribes = 6;

    // Act
    const run = await runRelease(input({}, { readyTimeoutSeconds: 120 }));

    // Assess
    expect(run.error).toBe('TargetNotReady');
    expect(run.cause).toMatch(/still not ready after 4 checks .*target\.readyTimeoutSeconds/);
    expect(count(run, 'CheckGreenReady')).toBe(4);
    expect(run.visited).not.toContain('SmokeTestGreen');
    expect(sm.endpoint.variants.map((v) => v.name)).toEqual(['AllTraffic']);
    expect(sm.models.size).toBe(1);
    expect(run.attempts.Decommission).toBeGreaterThan(2);
  });

  it('an endpoint update SageMaker rolls back fails the release with its FailureReason; the config and model go', async () => {
    // Prepare
    sm.failNextUpdate = 'The primary container for production variant green did not pass the ping health check';

    // Act
    const run = await runRelease(input());

    // Assess
    expect(run.error).toBe('TargetNotReady');
    expect(run.cause).toContain('did not pass the ping health check');
    expect(run.cause).toContain('No traffic moved. 100 % of traffic is on variant AllTraffic.');
    expect([...sm.configs.keys()]).toEqual(['ai-endpoint-v1']);
    expect([...sm.models.keys()]).toEqual(['ticket-intent-v1']);
    expect((await latestRelease()).status).toBe('Failed');
  });

  it('quality gate: green and blue answer through TargetVariant; a worse model is stopped before any weight moves', async () => {
    // Prepare: blue serves v2, green would serve v3.
    sm.models.set('ticket-intent-v1', { modelDataUrl: 's3://models/ai-handler/v2.json' });
    sm.behaviour = (model, payload) => classify(artifactOf(sm.models.get(model)!.modelDataUrl!), payload as { text: string });
    const worse = { ...SPEC_MODEL, modelDataUrl: 's3://models/ai-handler/v3.json' };

    // Act
    const run = await runRelease(input({ smokeTest: { cases: [], goldenSet: { uri: GOLDEN_URI } } }, { greenModel: worse }));

    // Assess
    expect(run.error).toBe('QualityGateFailed');
    expect(run.cause).toMatch(/pass rate: green 0\.\d+ vs blue 0\.\d+ on 100 cases/);
    const variants = new Set(sm.calls.filter((c) => c.op === 'InvokeEndpoint').map((c) => c.input.TargetVariant));
    expect(variants.size).toBe(2);
    expect(sm.calls.filter((c) => c.op === 'UpdateEndpointWeightsAndCapacities')).toEqual([]);
    expect(sm.endpoint.variants.map((v) => v.name)).toEqual(['AllTraffic']);
  });

  it('alarm during the canary: weights back to blue, then the green variant is removed from the endpoint', async () => {
    // Prepare: ValidateInput and ArmAlarms read once each, then the 1st canary poll sees ALARM.
    cloudwatch.onDescribe = (n) => n === 3 && cloudwatch.set('ai-handler-errors', 'ALARM', 'Threshold crossed: 9 5XX');

    // Act
    const run = await runRelease(input({ strategy: { type: 'canary', steps: [10], stepSeconds: 120 } }));

    // Assess
    expect(run.error).toBe('AlarmRollback');
    expect(run.cause).toContain('alarm during canary at 10 %');
    expect(run.cause).toContain('100 % of traffic is on variant AllTraffic');
    expect(sm.endpoint.variants.map((v) => [v.name, v.currentWeight])).toEqual([['AllTraffic', 1]]);
    expect(sm.models.size).toBe(1);
    expect((await latestRelease()).status).toBe('RolledBack');
  });

  it('manual rollback during retention (standby): blue back to full capacity and weight in one update; RolledBack', async () => {
    // Prepare: at the 2nd retention poll (blue already on standby) a person rolls back, as `cutover rollback` does.
    const t = releaseInputSchema.parse(input({}, { blueStandbyInstanceCount: 1 })).target;
    let manual: Promise<unknown> | undefined;
    cloudwatch.onDescribe = (n) => {
      if (n === 8) manual = manualRollback(t, { by: 'dave', reason: 'tone changed' }, { ledger, router: (x) => routerFor(x, clients) });
    };

    // Act
    const run = await runRelease(input({ retention: { seconds: 30_000, pollSeconds: 300 } }, { blueStandbyInstanceCount: 1 }));
    await manual;

    // Assess
    expect(run.error).toBe('ManualRollback');
    const last = sm.calls.filter((c) => c.op === 'UpdateEndpointWeightsAndCapacities').at(-1)!.input.DesiredWeightsAndCapacities;
    expect(last).toEqual([
      { VariantName: 'AllTraffic', DesiredWeight: 100, DesiredInstanceCount: 2 },
      { VariantName: expect.stringMatching(/^cutover-/), DesiredWeight: 0 },
    ]);
    expect(sm.endpoint.variants.map((v) => [v.name, v.currentWeight, v.currentCount])).toEqual([['AllTraffic', 1, 2]]);
    expect((await latestRelease()).status).toBe('RolledBack');
  });

  it('a default SageMaker release stays inside the history budget with its readiness loop counted at its bound', () => {
    // Act
    const spec = releaseInputSchema.parse({ target: target() });
    const budget = historyBudget({ ...spec, readiness: { seconds: 1800, pollSeconds: 30 } });

    // Assess
    expect(budget.breakdown.readinessPolls).toBe(60 * 9);
    expect(budget.events).toBeLessThan(10_000);
  });
});
