import { APIGatewayClient, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { releaseInputSchema, targetKey, type ApiGatewayStageTarget } from '../../../core/release-input';
import type { Green, ReleaseContext } from '../../../core/release-state';
import { ApiGatewayStageRouter, splitOfStage, stagePatch, statementIdOf } from '../../../targets/api-gateway-stage';
import { FakeApiGateway } from '../../support/fake-apigateway';
import { awsError, FakeLambda } from '../../support/fake-lambda';

/**
 * The API Gateway stage-variable router against stateful fakes of API Gateway
 * (one stage) and Lambda (one function): green is a published version with
 * API Gateway's invoke permission, the switch a patch of the stage variable,
 * canary steps the stage's canary settings.
 */
const lambda = new FakeLambda();
const apigw = new FakeApiGateway();
const lambdaClient = new LambdaClient({});
const apigwClient = new APIGatewayClient({});
const TARGET = { kind: 'apigateway-stage', restApiId: 'a1b2c3d4e5', stageName: 'prod', variable: 'lambda_version', functionName: 'ai-handler' } as const;

function release(id = 'rel-1', extra: Record<string, unknown> = {}): ReleaseContext {
  const spec = releaseInputSchema.parse({ target: TARGET, artifact: { uri: 's3://models/v2.json' }, ...extra });
  return { id, executionArn: `arn:aws:states:eu-west-1:123456789012:execution:cutover-release:${id}`, startedAt: '2026-11-26T09:00:00.000Z', targetKey: targetKey(spec.target), spec };
}
const router = (target: Partial<ApiGatewayStageTarget> = {}) =>
  new ApiGatewayStageRouter({ ...TARGET, ...target }, apigwClient, lambdaClient, { settleDelayMs: 0, settleAttempts: 3 });
const green = (createdGreen = true): Green => ({ blue: '1', green: '2', createdGreen });

beforeEach(() => {
  lambda.startOver();
  lambda.behaviour = (v) => ({ ok: true, version: v.version });
  lambda.seed('live'); // version 1, behind an unrelated alias
  lambda.calls = [];
  apigw.reset();
  apigw.seed('1');
});
afterAll(() => {
  lambdaClient.destroy();
  apigwClient.destroy();
});

describe('prepare', () => {
  it('publishes green with the artifact, allows API Gateway to invoke it (scoped to the stage), and reads blue from the variable', async () => {
    // Act
    const g = await router().prepare(release());

    // Assess
    expect(g).toMatchObject({ blue: '1', green: '2', createdGreen: true, greenArn: `${lambda.arn}:2`, blueArn: `${lambda.arn}:1` });
    expect(lambda.versions[1]!.env.MODEL_URI).toBe('s3://models/v2.json');
    const permission = lambda.calls.find((c) => c.op === 'AddPermission')!.input;
    expect(permission).toEqual({
      FunctionName: 'ai-handler',
      Qualifier: '2',
      StatementId: 'cutover-rel-1',
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*',
    });
    expect(apigw.patches).toEqual([]);
  });

  it('is safe to repeat: the version is the same and the permission already there is fine (ResourceConflictException)', async () => {
    // Act
    const first = await router().prepare(release());
    const second = await router().prepare(release());

    // Assess
    expect(second.green).toBe(first.green);
    expect(lambda.permissions['2']).toEqual(['cutover-rel-1']);
    expect(lambda.calls.filter((c) => c.op === 'AddPermission')).toHaveLength(2);
  });

  it('derives a valid statement id from any execution name', () => {
    expect(statementIdOf(release('rel-1'))).toBe('cutover-rel-1');
    expect(statementIdOf(release('a.b@c'))).toMatch(/^cutover-a-b-c-[0-9a-f]{8}$/);
    expect(statementIdOf(release('x'.repeat(80))).length).toBeLessThanOrEqual(100);
  });

  it.each([
    ['unset', {}, /variable lambda_version\) is not set/],
    ['not a version number', { lambda_version: '$LATEST' }, /is "\$LATEST"/],
  ])('refuses a stage whose variable is %s (TargetNotReady)', async (_what, variables, message) => {
    // Prepare
    apigw.variables = variables;

    // Act / Assess
    await expect(router().prepare(release())).rejects.toMatchObject({ name: 'TargetNotReady', message: expect.stringMatching(message) });
    expect(lambda.calls.map((c) => c.op)).not.toContain('PublishVersion');
  });

  it('refuses a stage that already has a canary, and a stage that does not exist', async () => {
    // Prepare
    apigw.canary = { percentTraffic: 10, stageVariableOverrides: { lambda_version: '7' } };

    // Act / Assess
    await expect(router().prepare(release())).rejects.toMatchObject({ name: 'TargetNotReady', message: expect.stringContaining('already has a canary (10 % on lambda_version=7)') });
    await expect(router({ stageName: 'beta' }).prepare(release())).rejects.toMatchObject({ name: 'TargetNotReady', message: expect.stringContaining('stage beta of REST API a1b2c3d4e5 does not exist') });
  });

  it('NothingToRelease when $LATEST is what the stage serves', async () => {
    // Prepare: the artifact is already on version 1.
    const r = release('rel-1', { artifact: undefined });

    // Act / Assess
    await expect(router().prepare(r)).rejects.toMatchObject({ name: 'NothingToRelease', message: expect.stringContaining('stage a1b2c3d4e5/prod') });
  });
});

describe('setGreenPercent / rollback / currentSplit', () => {
  beforeEach(async () => {
    await router().prepare(release());
  });

  it('a canary share is the stage canary, pinned to the stage deployment, differing only by the variable', async () => {
    // Act
    const split = await router().setGreenPercent(green(), 10);

    // Assess
    expect(split).toEqual({ '1': 90, '2': 10 });
    expect(apigw.patches[0]).toEqual([
      { op: 'replace', path: '/variables/lambda_version', value: '1' },
      { op: 'replace', path: '/canarySettings/deploymentId', value: 'dep001' },
      { op: 'replace', path: '/canarySettings/stageVariableOverrides/lambda_version', value: '2' },
      { op: 'replace', path: '/canarySettings/percentTraffic', value: '10' },
    ]);
  });

  it('100 % sets the variable and removes the canary in one patch; repeating changes nothing', async () => {
    // Prepare
    await router().setGreenPercent(green(), 50);

    // Act
    const split = await router().setGreenPercent(green(), 100);
    const again = await router().setGreenPercent(green(), 100);

    // Assess
    expect([split, again]).toEqual([{ '2': 100 }, { '2': 100 }]);
    expect(apigw.patches).toHaveLength(2);
    expect(apigw.patches[1]).toEqual([
      { op: 'replace', path: '/variables/lambda_version', value: '2' },
      { op: 'remove', path: '/canarySettings' },
    ]);
    expect(apigw.canary).toBeUndefined();
  });

  it('rollback puts the previous value back and removes the canary, whatever the stage shows', async () => {
    // Prepare
    await router().setGreenPercent(green(), 50);

    // Act
    const split = await router().rollback(green());

    // Assess
    expect(split).toEqual({ '1': 100 });
    expect(apigw.variables.lambda_version).toBe('1');
    expect(apigw.canary).toBeUndefined();
    expect(await router().currentSplit()).toEqual({ '1': 100 });
  });

  it('ConcurrentModification when the stage now routes to a third version', async () => {
    // Prepare
    apigw.variables.lambda_version = '7';

    // Act / Assess
    await expect(router().setGreenPercent(green(), 100)).rejects.toMatchObject({ name: 'ConcurrentModification', message: expect.stringContaining('version 7') });
  });

  it('TrafficShiftFailed when the stage reads back otherwise', async () => {
    // Prepare: API Gateway accepts the UpdateStage but the stage does not change.
    apigw.mock.on(UpdateStageCommand).resolves({});

    // Act / Assess
    await expect(router().setGreenPercent(green(), 100)).rejects.toMatchObject({ name: 'TrafficShiftFailed', message: expect.stringContaining('shows {"1":100} after asking for {"2":100}') });
  });

  it('splitOfStage and stagePatch agree on every share', () => {
    for (const pct of [0, 0.5, 10, 33.33, 99.99, 100]) {
      const stage = { deploymentId: 'd', variables: { lambda_version: '1' } };
      const ops = stagePatch(stage, 'lambda_version', green(), pct);
      const variables: Record<string, string> = { ...stage.variables };
      let canary: { percentTraffic?: number; stageVariableOverrides?: Record<string, string> } | undefined;
      for (const op of ops) {
        if (op.path === '/variables/lambda_version') variables.lambda_version = op.value!;
        else if (op.path === '/canarySettings/percentTraffic') (canary ??= {}).percentTraffic = Number(op.value);
        else if (op.path === '/canarySettings/stageVariableOverrides/lambda_version') (canary ??= {}).stageVariableOverrides = { lambda_version: op.value! };
      }
      const split = splitOfStage({ variables, ...(canary ? { canarySettings: canary } : {}) }, 'lambda_version');
      const want = pct >= 100 ? { '2': 100 } : pct <= 0 ? { '1': 100 } : { '1': Math.round((100 - pct) * 100) / 100, '2': pct };
      expect(split).toEqual(want);
    }
  });
});

describe('decommission', () => {
  it('retires blue after a release as Lambda does: kept unless deleteVersion, deleted when allowed and unrouted', async () => {
    // Prepare
    await router().prepare(release());
    await router().setGreenPercent(green(), 100);
    delete lambda.aliases.live; // nothing else routes to version 1

    // Act
    const kept = await router().decommission(green(), 'blue', { deleteVersion: false });
    const removed = await router().decommission(green(), 'blue', { deleteVersion: true });

    // Assess
    expect(kept.kept).toEqual([{ what: 'ai-handler:1', why: 'decommission.deleteBlueVersion is false' }]);
    expect(removed.removed).toEqual(['ai-handler:1']);
  });

  it('never deletes a version the stage (or an alias) still routes to', async () => {
    // Prepare
    await router().prepare(release());

    // Act
    const blue = await router().decommission(green(), 'blue', { deleteVersion: true });

    // Assess
    expect(blue.removed).toEqual([]);
    expect(blue.kept).toEqual([{ what: 'ai-handler:1', why: 'stage a1b2c3d4e5/prod (variable lambda_version), alias live routes traffic to it' }]);
  });

  it('deletes a green this release created after a failure; discardOrphans finds it by description', async () => {
    // Prepare
    await router().prepare(release());

    // Act
    const orphans = await router().discardOrphans(release());

    // Assess
    expect(orphans.removed).toEqual(['ai-handler:2']);
    expect(lambda.versions.map((v) => v.version)).toEqual(['1']);
  });
});

describe('invoke and release alarms', () => {
  it('invokes the version directly (never through the stage)', async () => {
    // Act
    const out = await router().invoke(green(), 'blue', { text: 'hi' });

    // Assess
    expect(out.output).toEqual({ ok: true, version: '1' });
    expect(lambda.calls.find((c) => c.op === 'Invoke')!.input).toMatchObject({ FunctionName: 'ai-handler', Qualifier: '1' });
  });

  it('alarms on the version through Resource name:version (no alias, so no ExecutedVersion)', () => {
    // Act
    const alarms = router().releaseAlarms(release(), green(), { prefix: 'cutover-', errorRateThreshold: 0.05, latencyP95Ms: 10_000, periodSeconds: 600 });

    // Assess
    expect(alarms.map((a) => a.AlarmName)).toEqual(['cutover-rel-1-error-rate', 'cutover-rel-1-p95-latency', 'cutover-rel-1-output-schema']);
    expect(alarms[1]!.Dimensions).toEqual([
      { Name: 'FunctionName', Value: 'ai-handler' },
      { Name: 'Resource', Value: 'ai-handler:2' },
    ]);
    expect(alarms[0]!.Metrics![0]!.MetricStat!.Metric!.Dimensions).toEqual(alarms[1]!.Dimensions);
  });

  it('rethrows an unexpected AddPermission error', async () => {
    // Prepare
    lambda.mock.on(AddPermissionCommand).rejects(awsError('AccessDeniedException', 'no lambda:AddPermission', 403));

    // Act / Assess
    await expect(router().prepare(release())).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
