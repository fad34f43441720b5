/**
 * deployOrchestrator with a user's own stack (`source.module`): the sandbox
 * deploys what that app synthesizes, under its names and with its IAM, and a
 * release of the function it manages runs through it.
 */
import { CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, GetFunctionConfigurationCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { TASK_FUNCTIONS } from '../../infra/defaults';
import { startSandbox, type Sandbox } from '../../sandbox';
import { bundleForSandbox } from '../../sandbox/bundle';
import { deployOrchestrator, type DeployedOrchestrator } from '../../sandbox/deploy-orchestrator';
import { ALIAS, FIXTURE_HANDLER, fixtureRelease } from '../../bench/scenarios/concurrency';
import { clientsFor } from './helpers';

const STACK = 'TeamModels';
const MANAGED = 'team-classifier';

describe("deployOrchestrator (a user's own stack)", () => {
  let sandbox: Sandbox;
  let c: ReturnType<typeof clientsFor>;
  let deployed: DeployedOrchestrator;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true, timeScale: 1000 });
    c = clientsFor(sandbox);
    const { functionsDir, triggersDir } = await bundleForSandbox(sandbox.repoRoot);
    deployed = await deployOrchestrator(sandbox, {
      functionsDir,
      triggersDir,
      source: { module: 'test/sandbox/fixtures/stacks/team-stack.ts', props: { stackName: STACK, functionName: MANAGED } },
    });
    await c.lambda.send(
      new CreateFunctionCommand({
        FunctionName: MANAGED,
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::000000000000:role/team',
        Handler: FIXTURE_HANDLER,
        Code: {},
        Environment: { Variables: { MODEL_URI: 's3://fixtures/team/v1.json' } },
      }),
    );
    const v1 = await c.lambda.send(new PublishVersionCommand({ FunctionName: MANAGED }));
    await c.lambda.send(new CreateAliasCommand({ FunctionName: MANAGED, Name: ALIAS, FunctionVersion: v1.Version! }));
  }, 180_000);

  afterAll(async () => {
    c.destroy();
    await sandbox.stop();
  });

  it("deploys the user's stack under its own names: every Task's function, the table and the state machine", async () => {
    // Act
    const functions = Object.keys(deployed.functions).sort();
    const validate = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: deployed.functions['validate-input']! }));

    // Assess
    expect(deployed.stackName).toBe(STACK);
    expect(functions).toEqual(expect.arrayContaining(TASK_FUNCTIONS.map((t) => t.folder)));
    expect(Object.values(deployed.functions).every((name) => name.startsWith(`${STACK}-Releases`))).toBe(true);
    expect(deployed.tableName).toMatch(new RegExp(`^${STACK}-Releases`));
    expect(deployed.stateMachineArn).toContain(`:stateMachine:`);
    expect(validate.Environment?.Variables?.LEDGER_TABLE_NAME).toBe(deployed.tableName);
  });

  it('runs a release of the function that stack manages, with that stack\'s IAM, to Succeeded', async () => {
    // Prepare
    const input = { ...fixtureRelease(MANAGED, 'v2'), artifact: { uri: 's3://fixtures/team/v2.json', envVar: 'MODEL_URI' } };
    input.smokeTest = { cases: [{ name: 'echo', input: {}, expect: [{ path: 'model', equals: 's3://fixtures/team/v2.json' }] }] };

    // Act
    const { executionArn } = await c.sfn.send(new StartExecutionCommand({ stateMachineArn: deployed.stateMachineArn, name: 'team-v2', input: JSON.stringify(input) }));
    await sandbox.stepfunctions.waitFor(executionArn!, 120_000);
    const execution = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const alias = await c.lambda.send(new GetAliasCommand({ FunctionName: MANAGED, Name: ALIAS }));
    const live = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: MANAGED, Qualifier: alias.FunctionVersion }));

    // Assess
    expect([execution.status, execution.error]).toEqual(['SUCCEEDED', undefined]);
    expect(live.Environment?.Variables?.MODEL_URI).toBe('s3://fixtures/team/v2.json');
  }, 120_000);

  it('refuses a release of a function that stack does not manage before anything changes, naming what it manages', async () => {
    // Prepare
    const other = 'team-unmanaged';
    await c.lambda.send(new CreateFunctionCommand({ FunctionName: other, Runtime: 'nodejs22.x', Role: 'arn:aws:iam::000000000000:role/team', Handler: FIXTURE_HANDLER, Code: {} }));
    const v1 = await c.lambda.send(new PublishVersionCommand({ FunctionName: other }));
    await c.lambda.send(new CreateAliasCommand({ FunctionName: other, Name: ALIAS, FunctionVersion: v1.Version! }));
    const input = fixtureRelease(other, 'v2');

    // Act
    const { executionArn } = await c.sfn.send(new StartExecutionCommand({ stateMachineArn: deployed.stateMachineArn, name: 'team-unmanaged-v2', input: JSON.stringify(input) }));
    await sandbox.stepfunctions.waitFor(executionArn!, 120_000);
    const execution = await c.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const alias = await c.lambda.send(new GetAliasCommand({ FunctionName: other, Name: ALIAS }));

    // Assess
    expect([execution.status, execution.error]).toEqual(['FAILED', 'InvalidReleaseInput']);
    expect(execution.cause).toContain(`team-unmanaged is not managed by this orchestrator (it manages ${MANAGED})`);
    expect(alias.FunctionVersion).toBe(v1.Version);
  }, 120_000);
});
