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
import { startLedgerTable } from '../support/dynalite';
import { FakeApiGateway } from '../support/fake-apigateway';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda } from '../support/fake-lambda';
import { releaseInput } from '../support/release-input';
import { runRelease } from '../support/run-release';

/**
 * The real release.asl.json for an API Gateway stage whose integration calls
 * `ai-handler:${stageVariables.lambda_version}`: the same workflow, the stage
 * variable as the switch. Lambda, API Gateway, CloudWatch, S3 and Step
 * Functions are fakes; the ledger is dynalite.
 */
const EXAMPLE = path.join(__dirname, '../../examples/ai-service');
const TARGET = { kind: 'apigateway-stage', restApiId: 'a1b2c3d4e5', stageName: 'prod', variable: 'lambda_version', functionName: 'ai-handler' } as const;
const KEY = 'apigateway-stage:a1b2c3d4e5:prod';
const GOLDEN_URI = 's3://cutover-golden/ai-handler/golden-set.jsonl';
let table: Awaited<ReturnType<typeof startLedgerTable>>;
let ledger: Ledger;
const lambda = new FakeLambda();
const apigw = new FakeApiGateway();
const cloudwatch = new FakeCloudWatch();
const s3 = mockClient(S3Client);
mockClient(SFNClient).on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
const artifactOf = (uri: string) => parseArtifact(JSON.parse(readFileSync(path.join(EXAMPLE, 'models', path.basename(uri)), 'utf8')));
const input = (extra: Partial<ReleaseInput> = {}): ReleaseInput => releaseInput({ target: TARGET, ...extra });
const latestRelease = async () => (await ledger.listReleases(KEY, 1))[0]!;

beforeAll(async () => {
  table = await startLedgerTable('cutover-apigw-paths');
  ledger = new Ledger(clients.dynamo(), table.tableName);
  const golden = readFileSync(path.join(EXAMPLE, 'golden-set.jsonl'), 'utf8');
  s3.on(GetObjectCommand, { Bucket: 'cutover-golden', Key: 'ai-handler/golden-set.jsonl' }).callsFake(() => ({ Body: { transformToString: async () => golden } }));
});
afterAll(async () => {
  clients.dynamo().destroy();
  await table.stop();
});

let blue: string;
beforeEach(() => {
  lambda.startOver();
  lambda.behaviour = (v) => ({ ok: true, version: v.version });
  blue = lambda.seed('unused');
  delete lambda.aliases.unused; // the stage alone routes to the function
  lambda.calls = [];
  apigw.reset();
  apigw.seed(blue);
  cloudwatch.startOver();
  cloudwatch.set('ai-handler-errors', 'OK');
});

describe('API Gateway stage: release paths', () => {
  it('happy canary: green published with its permission, the stage canary at 10 % then 50 %, then the variable at 100 %', async () => {
    // Act
    const run = await runRelease(input({ strategy: { type: 'canary', steps: [10, 50], stepSeconds: 120 } }));

    // Assess
    expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(apigw.split()).toEqual({ '2': 100 });
    expect(apigw.canary).toBeUndefined();
    expect(apigw.patches.map((ops) => ops.find((o) => o.path?.endsWith('percentTraffic'))?.value ?? ops.map((o) => `${o.op} ${o.path}`).join(', '))).toEqual([
      '10',
      '50',
      'replace /variables/lambda_version, remove /canarySettings',
    ]);
    expect(lambda.permissions['2']).toEqual([`cutover-${run.output && (run.output as { release: { id: string } }).release.id}`]);
    expect(run.visited).toContain('IsGreenReady');
    expect(run.visited).not.toContain('WaitForGreen');
    expect(await latestRelease()).toMatchObject({ status: 'Succeeded', blueVersion: blue, greenVersion: '2' });
    expect(lambda.versions.map((v) => v.version)).toEqual([blue, '2']); // deleteBlueVersion defaults to false
  });

  it('quality gate: a subtly worse model is stopped before the stage changes; green is removed', async () => {
    // Prepare: blue serves v2, green would serve v3.
    lambda.behaviour = (v, payload) => classify(artifactOf(v.env.MODEL_URI!), payload as { text: string });
    Object.assign(lambda, { versions: [] });
    blue = lambda.seed('unused', { MODEL_URI: 's3://models/ai-handler/v2.json' });
    delete lambda.aliases.unused;
    apigw.seed(blue);

    // Act
    const run = await runRelease(input({ artifact: { uri: 's3://models/ai-handler/v3.json', envVar: 'MODEL_URI' }, smokeTest: { cases: [], goldenSet: { uri: GOLDEN_URI } } }));

    // Assess
    expect(run.error).toBe('QualityGateFailed');
    expect(run.cause).toContain(`No traffic moved. 100 % of traffic is on version ${blue}.`);
    expect(apigw.patches).toEqual([]);
    expect(lambda.versions.map((v) => v.version)).toEqual([blue]);
  });

  it('alarm during the bake: the variable goes back to blue, green is removed, the lock released', async () => {
    // Prepare: ValidateInput and ArmAlarms read once each, then the 1st bake poll sees ALARM.
    cloudwatch.onDescribe = (n) => n === 3 && cloudwatch.set('ai-handler-errors', 'ALARM', 'Threshold crossed');

    // Act
    const run = await runRelease(input());

    // Assess
    expect(run.error).toBe('AlarmRollback');
    expect(run.cause).toContain(`100 % of traffic is on version ${blue}`);
    expect(apigw.split()).toEqual({ [blue]: 100 });
    expect(lambda.versions.map((v) => v.version)).toEqual([blue]);
    expect(await ledger.getLock(KEY)).toBeUndefined();
  });

  it('manual rollback during retention through the router (as `cutover rollback` does): RolledBack at the next poll', async () => {
    // Prepare: 2 reads before the switch + 4 bake polls; at the 1st retention poll a person rolls back.
    const target = releaseInputSchema.parse(input()).target;
    let manual: Promise<unknown> | undefined;
    cloudwatch.onDescribe = (n) => {
      if (n === 7) manual = manualRollback(target, { by: 'carol', reason: 'latency feels off' }, { ledger, router: (t) => routerFor(t, clients) });
    };

    // Act: a long retention, so the request is recorded well before it would end.
    const run = await runRelease(input({ retention: { seconds: 30_000, pollSeconds: 300 } }));
    await manual;

    // Assess
    expect(run.error).toBe('ManualRollback');
    expect(run.cause).toContain('manual rollback by carol: latency feels off');
    expect(apigw.split()).toEqual({ [blue]: 100 });
    expect((await latestRelease()).status).toBe('RolledBack');
  });
});
