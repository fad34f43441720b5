import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { cliClients } from '../../cli/config';
import { modelUri } from '../../examples/ai-service/sandbox-service';
import { BUNDLE_DIR } from '../../sandbox/bundle';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { ENDPOINT, type TargetRig } from '../../rehearsal/targets';
import { jsonLines, runCutover } from './cli-run';

/**
 * The `cutover` command for the other two target kinds, as a user runs it: a
 * separate process pointed at the sandbox, the release input in a file (as
 * pasted in the console), `status`, `history` and `rollback` by target key.
 * One sandbox holds the example service as a SageMaker endpoint and behind an
 * API Gateway stage.
 */
/** The example service as bundled for the sandbox: the models' image names it. */
const HANDLER = `${BUNDLE_DIR}/examples/ai-service/handler.handler`;
let stack: RehearsalStack;
let stage: TargetRig;
let dir: string;
let clients: ReturnType<typeof cliClients>;

/** Polls (in process, bounded) until `read` gives a value. */
async function waitFor<T>(read: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const cutover = (...args: string[]) => runCutover(stack.sandbox, ...args);
const inputFile = (name: string, input: unknown) => {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(input));
  return file;
};
const fast = { bake: { seconds: 120, pollSeconds: 30 }, retention: { seconds: 20, pollSeconds: 10 }, alarms: { periodSeconds: 60 } };
const sagemakerTarget = (model: string) => ({
  kind: 'sagemaker-endpoint',
  endpointName: ENDPOINT,
  greenModel: { image: `sandbox.local/${HANDLER}:latest`, modelDataUrl: modelUri(model), executionRoleArn: 'arn:aws:iam::000000000000:role/ai-service-model' },
  readyPollSeconds: 20,
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cutover-cli-targets-'));
  // The orchestrator manages both routes (its synthesized context), as a team's own orchestrator would.
  stack = await startRehearsalStack({ timeScale: 40, target: 'sagemaker-endpoint', extraTargets: ['apigateway-stage'] });
  clients = cliClients(stack.config);
  stage = stack.extraRigs['apigateway-stage']!;
}, 180_000);
afterAll(async () => {
  clients?.destroy();
  await stack?.stop();
});

describe('cutover CLI with a SageMaker endpoint and an API Gateway stage', () => {
  it('release --input (SageMaker): follows the readiness loop to Succeeded; status and history by target key', async () => {
    // Act
    const run = await cutover('--json', 'release', '--input', inputFile('sm-v2', { target: sagemakerTarget('v2'), ...fast }), '--poll-ms', '100');
    const status = await cutover('--json', 'status', `sagemaker-endpoint:${ENDPOINT}`);
    const history = await cutover('history', `sagemaker-endpoint:${ENDPOINT}`);

    // Assess
    expect([run.code, run.stderr]).toEqual([0, '']);
    const lines = jsonLines(run.stdout);
    expect(lines.filter((l) => l.kind === 'state').map((l) => l.state)).toEqual(expect.arrayContaining(['PrepareGreen', 'CheckGreenReady', 'SmokeTestGreen', 'ShiftTraffic', 'Decommission']));
    expect(lines[lines.length - 1]).toMatchObject({ kind: 'result', outcome: 'Succeeded' });
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as { target: string; split: Record<string, number>; running: unknown; last: { status: string } };
    expect(s).toMatchObject({ target: `sagemaker-endpoint:${ENDPOINT}`, running: null, last: { status: 'Succeeded' } });
    expect(Object.entries(s.split)).toEqual([[expect.stringMatching(/^cutover-ai-endpoint-/), 100]]);
    expect(history.stdout).toContain('ai-service-v1→cutover-ai-endpoint-');
    expect(history.stdout).toContain('✔ succeeded'); // the outcome's own words (issue #17)
  }, 180_000);

  it('rollback by target key (SageMaker): 100 % on blue now, the running release ends RolledBack', async () => {
    // Prepare: a release with a long bake holds the endpoint; wait (in process) until it has prepared green.
    const first = await cutover('--json', 'release', '--input', inputFile('sm-v2-retrained', { target: sagemakerTarget('v2-retrained'), ...fast, bake: { seconds: 3000, pollSeconds: 10 } }), '--no-wait');
    expect(first.code).toBe(6);
    const executionArn = String(jsonLines(first.stdout)[0]!.executionArn);
    const key = `sagemaker-endpoint:${ENDPOINT}`;
    const prepared = await waitFor(async () => (await clients.ledger.listReleases(key, 1))[0]?.greenVersion, 90_000);
    expect(prepared).toBeTruthy();

    // Act: a rollback that finds the endpoint mid-update is recorded (the release finishes it): ask again then.
    let rollback = await cutover('rollback', key, '--reason', 'test over', '--by', 'jest');
    for (let i = 0; i < 5 && rollback.code !== 0; i++) rollback = await cutover('rollback', key, '--reason', 'test over', '--by', 'jest');
    const ended = await waitFor(async () => {
      const d = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d.status;
    }, 90_000);
    const status = await cutover('--json', 'status', key);

    // Assess
    expect([rollback.code, rollback.stderr]).toEqual([0, '']);
    expect(rollback.stdout).toMatch(/variant cutover-ai-endpoint-\S+: 100 %/);
    expect(ended).toBe('FAILED');
    expect(JSON.parse(status.stdout)).toMatchObject({ running: null, last: { status: 'RolledBack' } });
  }, 240_000);

  it('release --input (API Gateway stage): Succeeded, and the stage serves the new version', async () => {
    // Prepare
    const restApiId = stage.label.split(' ')[1]!.split('/')[0]!;
    const target = { kind: 'apigateway-stage', restApiId, stageName: 'prod', functionName: 'ai-handler' };

    // Act
    const run = await cutover('release', '--input', inputFile('stage-v2', { target, artifact: { uri: modelUri('v2') }, strategy: { type: 'canary', steps: [50], stepSeconds: 120 }, ...fast }), '--poll-ms', '100');
    const status = await cutover('--json', 'status', `apigateway-stage:${restApiId}:prod`);

    // Assess
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/✔ succeeded/);
    expect(JSON.parse(status.stdout)).toMatchObject({ target: `apigateway-stage:${restApiId}:prod`, split: { '2': 100 }, last: { status: 'Succeeded' } });
    expect(await stage.isAllOn('2')).toBe(true);
  }, 180_000);

  it('names the form of the key it was given when that key is malformed (exit code 2)', async () => {
    // Act
    const run = await cutover('status', 'sagemaker-endpoint:bad_name');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('use sagemaker-endpoint:ENDPOINT (the target key cutover history prints)');
  }, 60_000);
});
