/**
 * deployOrchestrator and the foreground runner: a fixture orchestrator (two
 * task folders, a Wait loop, handlers that use DynamoDB through the sandbox)
 * deployed and run end to end; and the real orchestrator files deployed, when
 * they exist.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startSandbox, type Sandbox } from '../../sandbox';
import { runSandboxForeground } from '../../sandbox/cli-entry';
import { deployOrchestrator, folderForPlaceholder, ORCHESTRATOR_FOLDERS } from '../../sandbox/deploy-orchestrator';
import { clientsFor, FIXTURES } from './helpers';

const fixture = { definitionPath: `${FIXTURES}/release.asl.json`, functionsDir: `${FIXTURES}/functions`, folders: [] };

describe('folderForPlaceholder', () => {
  it('maps ${<Task>FunctionArn} to the folder in PascalCase, or the longest folder prefix', () => {
    // Act & Assess
    expect(folderForPlaceholder('ValidateInputFunctionArn', ORCHESTRATOR_FOLDERS)).toBe('validate-input');
    expect(folderForPlaceholder('RollBackFunctionArn', ORCHESTRATOR_FOLDERS)).toBe('roll-back');
    expect(folderForPlaceholder('RollBackToBlueFunctionArn', ORCHESTRATOR_FOLDERS)).toBe('roll-back');
    expect(folderForPlaceholder('SmokeTestGreenFunctionArn', ORCHESTRATOR_FOLDERS)).toBe('smoke-test');
    expect(folderForPlaceholder('UnknownFunctionArn', ORCHESTRATOR_FOLDERS)).toBeUndefined();
  });
});

describe('deployOrchestrator (fixture)', () => {
  let sandbox: Sandbox;
  let c: ReturnType<typeof clientsFor>;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true, timeScale: 600 });
    c = clientsFor(sandbox);
  });

  afterAll(async () => {
    c.destroy();
    await sandbox.stop();
  });

  it('creates the table, the functions and the state machine, which then runs a Wait loop to success', async () => {
    // Act
    const deployed = await deployOrchestrator(sandbox, fixture);
    const redeployed = await deployOrchestrator(sandbox, fixture);
    const { executionArn } = await c.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deployed.stateMachineArn, name: 'r1', input: JSON.stringify({ release: 'r1', waitSeconds: 300 }) }),
    );
    const status = await sandbox.stepfunctions.waitFor(executionArn as string, 20_000);
    const described = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = (await c.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
    const ledger = await c.dynamo.send(new GetItemCommand({ TableName: 'cutover-ledger', Key: { pk: { S: 'release#r1' }, sk: { S: 'state' } } }));
    const config = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'cutover-check-step' }));

    // Assess
    expect(deployed).toEqual({ stateMachineArn: `arn:aws:states:${sandbox.region}:000000000000:stateMachine:cutover-release`, tableName: 'cutover-ledger', functions: { 'prepare-step': 'cutover-prepare-step', 'check-step': 'cutover-check-step' } });
    expect(redeployed.stateMachineArn).toBe(deployed.stateMachineArn);
    expect(status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output as string).progress).toEqual({ next: 'Done', waitSeconds: 300, polls: 3 });
    expect(events.filter((e) => e.type === 'WaitStateEntered')).toHaveLength(3);
    expect(events.find((e) => e.type === 'LambdaFunctionScheduled')?.lambdaFunctionScheduledEventDetails?.resource).toBe(sandbox.lambda.functionArn('cutover-prepare-step'));
    expect(ledger.Item?.polls?.N).toBe('3');
    expect(config.Environment?.Variables).toMatchObject({ LEDGER_TABLE_NAME: 'cutover-ledger', AWS_ENDPOINT_URL: sandbox.url, POWERTOOLS_LOG_LEVEL: 'WARN' });
  });

  it('names the placeholders it cannot fill', async () => {
    // Act
    const attempt = deployOrchestrator(sandbox, { ...fixture, functionsDir: `${FIXTURES}/no-such-dir`, stateMachineName: 'other' });

    // Assess
    await expect(attempt).rejects.toThrow(/no value for placeholder\(s\) \$\{PrepareStepFunctionArn\}, \$\{CheckStepAgainFunctionArn\}/);
  });
});

const repoRoot = path.resolve(__dirname, '../..');
const realFilesExist = existsSync(path.join(repoRoot, 'statemachine/release.asl.json')) && ORCHESTRATOR_FOLDERS.every((f) => existsSync(path.join(repoRoot, 'functions', f, 'handler.ts')));

(realFilesExist ? describe : describe.skip)('deployOrchestrator (the real orchestrator files)', () => {
  it('deploys every task function and a state machine with no placeholder left; a real handler loads in a worker', async () => {
    // Prepare
    const sandbox = await startSandbox({ quiet: true });
    const c = clientsFor(sandbox);
    try {
      // Act: pre-warming all eleven would cost ~1 s of CPU each; one proves the real handler stack loads.
      const deployed = await deployOrchestrator(sandbox, { prewarm: false });
      const machine = await c.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: deployed.stateMachineArn }));
      const warm = await sandbox.lambda.prewarm('cutover-validate-input');

      // Assess
      expect(Object.keys(deployed.functions).sort()).toEqual([...ORCHESTRATOR_FOLDERS].sort());
      expect(machine.definition).not.toMatch(/\$\{/);
      expect(warm).toEqual({ ok: true });
    } finally {
      c.destroy();
      await sandbox.stop();
    }
  }, 60_000);
});

describe('runSandboxForeground', () => {
  it('starts, deploys, prints the environment to export, and stops when signalled', async () => {
    // Prepare
    const controller = new AbortController();
    let printed = '';
    let health = 0;

    // Act
    await runSandboxForeground({
      port: 0,
      quiet: true,
      deployOptions: fixture,
      signal: controller.signal,
      out: (text) => (printed += text),
      onReady: (sandbox) => {
        void fetch(`${sandbox.url}/_sandbox/health`)
          .then((res) => (health = res.status))
          .finally(() => controller.abort());
      },
    });

    // Assess
    expect(health).toBe(200);
    expect(printed).toMatch(/export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+/);
    expect(printed).toContain('export CUTOVER_STATE_MACHINE_ARN=arn:aws:states:');
    expect(printed).toContain('Stopping the sandbox');
  });
});
