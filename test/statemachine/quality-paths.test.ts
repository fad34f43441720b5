import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArtifact } from '../../examples/ai-service/artifact';
import { classify } from '../../examples/ai-service/classify';
import { clients } from '../../functions/kit/clients';
import { Ledger } from '../../core/ledger';
import { startLedgerTable } from '../support/dynalite';
import { FakeCloudWatch } from '../support/fake-cloudwatch';
import { FakeLambda } from '../support/fake-lambda';
import { releaseInput } from '../support/release-input';
import { runRelease } from '../support/run-release';

/**
 * AI-quality paths of the real release.asl.json: the versions answer with the
 * example service's real models (examples/ai-service/models), scored on its
 * real golden set.
 */
const EXAMPLE = path.join(__dirname, '../../examples/ai-service');
const TARGET = 'lambda-alias:ai-handler:production';
const GOLDEN_URI = 's3://cutover-golden/ai-handler/golden-set.jsonl';
let table: Awaited<ReturnType<typeof startLedgerTable>>;
let ledger: Ledger;
const lambda = new FakeLambda();
const cloudwatch = new FakeCloudWatch();
const s3 = mockClient(S3Client);
mockClient(SFNClient).on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });

/** s3://models/ai-handler/v3.json → the committed artifact v3. */
const artifactOf = (uri: string) => parseArtifact(JSON.parse(readFileSync(path.join(EXAMPLE, 'models', path.basename(uri)), 'utf8')));

beforeAll(async () => {
  table = await startLedgerTable('cutover-quality-test');
  ledger = new Ledger(clients.dynamo(), table.tableName);
  const golden = readFileSync(path.join(EXAMPLE, 'golden-set.jsonl'), 'utf8');
  s3.on(GetObjectCommand, { Bucket: 'cutover-golden', Key: 'ai-handler/golden-set.jsonl' }).callsFake(() => ({
    Body: { transformToString: async () => golden },
  }));
});
afterAll(async () => {
  clients.dynamo().destroy();
  await table.stop();
});

let blue: string;
beforeEach(() => {
  Object.assign(lambda, { versions: [], aliases: {}, calls: [] });
  lambda.reset();
  lambda.behaviour = (v, payload) => classify(artifactOf(v.env.MODEL_URI), payload as { text: string });
  blue = lambda.seed('production', { MODEL_URI: 's3://models/ai-handler/v2.json' });
  lambda.calls = [];
  cloudwatch.alarms.clear();
  cloudwatch.describeCalls = 0;
  cloudwatch.onDescribe = () => undefined;
});

const withGoldenSet = (modelUri: string) =>
  releaseInput({
    artifact: { uri: modelUri, envVar: 'MODEL_URI' },
    smokeTest: { cases: [], goldenSet: { uri: GOLDEN_URI } },
    alarms: { names: [], releaseAlarms: true, errorRateThreshold: 0.05, periodSeconds: 60, latencyP95Ms: 10_000, blockOnPreexistingAlarms: false },
  });

describe('AI-quality paths', () => {
  it('quality gate: a subtly worse model (no errors) is stopped before any traffic moves, with the figures', async () => {
    // Prepare: blue serves v2; green would serve v3 (lower accuracy, valid outputs).
    // Act
    const run = await runRelease(withGoldenSet('s3://models/ai-handler/v3.json'));
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('QualityGateFailed');
    expect(run.cause).toMatch(/pass rate: green 0\.\d+ vs blue 0\.\d+ on 100 cases \(allowed drop 0\.02\); worst: \S+ label: expected/);
    expect(run.cause).toContain(`No traffic moved. 100 % of traffic is on version ${blue}.`);
    expect(lambda.calls.filter((c) => c.op === 'UpdateAlias')).toEqual([]);
    expect(lambda.split()).toEqual({ [blue]: 100 });
    const item = (await ledger.listReleases(TARGET, 1))[0];
    const quality = item.quality as { report: { green: { passRate: number }; blue: { passRate: number } } };
    expect(quality.report.green.passRate).toBeLessThan(quality.report.blue.passRate - 0.02);
  });

  it('quality gate: a better model passes the golden set and is released', async () => {
    // Prepare: blue on v1, green v2.
    blue = lambda.seed('production', { MODEL_URI: 's3://models/ai-handler/v1.json' });
    // Act
    const run = await runRelease(withGoldenSet('s3://models/ai-handler/v2.json'));
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    const smoke = run.output?.smoke as { quality: { verdict: { passed: boolean; summary: string } } };
    expect(smoke.quality.verdict.passed).toBe(true);
    expect(smoke.quality.verdict.summary).toMatch(/pass rate green 0\.9\d vs blue 0\.8\d/);
  });

  it('schema-failure release alarm during bake rolls back to blue', async () => {
    // Prepare: blue on v1, green v2; the release alarm on OutputSchemaValidationFailures fires at the 2nd bake poll.
    blue = lambda.seed('production', { MODEL_URI: 's3://models/ai-handler/v1.json' });
    cloudwatch.onDescribe = (n) => {
      const name = [...cloudwatch.alarms.keys()].find((a) => a.endsWith('-output-schema'));
      if (n === 2 && name) cloudwatch.set(name, 'ALARM', 'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0)');
    };
    // Act
    const run = await runRelease(withGoldenSet('s3://models/ai-handler/v2.json'));
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AlarmRollback');
    expect(run.cause).toMatch(/output-schema is ALARM/);
    expect(lambda.split()).toEqual({ [blue]: 100 });
    expect([...cloudwatch.alarms.keys()]).toEqual([]); // release alarms deleted at the end
  });
});
