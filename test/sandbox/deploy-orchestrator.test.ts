/**
 * deployOrchestrator: what `cdk synth` produces for the ready stack, deployed
 * into the sandbox as CloudFormation would deploy it (its roles and policies,
 * table, functions and state machine, as the template has them); and the
 * foreground runner that does it for `cutover sandbox`.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, GetPolicyCommand } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { SANDBOX_LEDGER_TABLE } from '../../cli/config';
import { RECONCILER_FUNCTION, TASK_FUNCTIONS } from '../../infra/defaults';
import { FUNCTION, GOLDEN_SET_LOCATION } from '../../examples/ai-service/sandbox-service';
import { startSandbox, type Sandbox } from '../../sandbox';
import { runSandboxForeground } from '../../sandbox/cli-entry';
import { deployOrchestrator, folderOfConstructPath, rolePolicies, type DeployedOrchestrator } from '../../sandbox/deploy-orchestrator';
import type { PolicyStatementDoc } from '../../sandbox/services/iam';
import { clientsFor } from './helpers';

describe('folderOfConstructPath', () => {
  it('finds the handler folder of a Task function, and of the trigger, from its construct path', () => {
    // Act & Assess
    expect(folderOfConstructPath('Cutover/Orchestrator/ValidateInput/Resource')).toBe('validate-input');
    expect(folderOfConstructPath('App/Releases/RollBack/Resource')).toBe('roll-back');
    expect(folderOfConstructPath('App/Trigger/StartRelease/Function/Resource')).toBe('start-release');
    expect(folderOfConstructPath('App/Custom/LogRetention/Resource')).toBeUndefined();
  });
});

describe('deployOrchestrator (the synthesized ready stack)', () => {
  let sandbox: Sandbox;
  let c: ReturnType<typeof clientsFor>;
  let deployed: DeployedOrchestrator;
  // The rehearsal's own context (the same template, cached once for the whole suite).
  const context = { managedFunctions: FUNCTION, goldenSetBuckets: GOLDEN_SET_LOCATION };

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true });
    c = clientsFor(sandbox);
    // Pre-warming all twelve would cost ~1 s of CPU each; the rehearsal tests run them.
    deployed = await deployOrchestrator(sandbox, { source: { context }, prewarm: false });
  }, 120_000);

  afterAll(async () => {
    c.destroy();
    await sandbox.stop();
  });

  const resourceOf = (type: string, predicate: (props: Record<string, unknown>) => boolean = () => true) =>
    Object.entries(deployed.template.resources).find(([, r]) => r.Type === type && predicate(r.Properties ?? {}));

  it('deploys one function per Task, each with the Role, Runtime, Timeout, MemorySize and Environment of the template', async () => {
    // Act
    const configs = await Promise.all(Object.entries(deployed.functions).map(async ([folder, name]) => [folder, await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))] as const));

    // Assess
    expect(Object.keys(deployed.functions).sort()).toEqual([...TASK_FUNCTIONS, RECONCILER_FUNCTION].map((t) => t.folder).sort());
    const validate = configs.find(([folder]) => folder === 'validate-input')![1];
    expect(JSON.parse(validate.Environment!.Variables!.CUTOVER_MANAGED_FUNCTIONS!)).toEqual([FUNCTION]);
    for (const [folder, config] of configs) {
      const [, fn] = resourceOf('AWS::Lambda::Function', (p) => p.Description === config.Description)!;
      const p = fn.Properties as { Role: string; Runtime: string; Timeout: number; MemorySize: number; Environment: { Variables: Record<string, string> } };
      expect({ folder, Role: config.Role, Runtime: config.Runtime, Timeout: config.Timeout, MemorySize: config.MemorySize }).toEqual({ folder, Role: p.Role, Runtime: p.Runtime, Timeout: p.Timeout, MemorySize: p.MemorySize });
      // The template's variables, resolved (the table's name, the managed functions), plus only the sandbox's endpoint.
      expect(config.Environment?.Variables).toEqual({ ...p.Environment.Variables, AWS_ENDPOINT_URL: sandbox.url });
      expect(config.Environment?.Variables?.LEDGER_TABLE_NAME).toBe(deployed.tableName);
    }
  });

  it("registers every role with the template's policies: ShiftTraffic may GetItem the ledger, ValidateInput may not write it", () => {
    // Act
    const statements = (folder: string) => sandbox.iam.role(deployed.roles[folder]!)!.policies.flatMap((p) => [p.Statement].flat() as PolicyStatementDoc[]);
    const actions = (folder: string) => statements(folder).flatMap((s) => [s.Action ?? []].flat());

    // Assess
    expect(actions('shift-traffic')).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'lambda:UpdateAlias']));
    expect(actions('validate-input').filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(statements('shift-traffic').find((s) => [s.Action].flat().includes('dynamodb:GetItem'))?.Resource).toEqual(`arn:aws:dynamodb:${sandbox.region}:000000000000:table/${deployed.tableName}`);
    expect(sandbox.iam.role(deployed.stateMachineRoleArn)).toBeDefined();
  });

  it("creates the template's table and the state machine from its definition and substitutions, under its role", async () => {
    // Act
    const table = await c.dynamo.send(new DescribeTableCommand({ TableName: deployed.tableName }));
    const machine = await c.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: deployed.stateMachineArn }));

    // Assess
    expect(table.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(deployed.stateMachineArn).toBe(`arn:aws:states:${sandbox.region}:000000000000:stateMachine:cutover-release`);
    expect(deployed.tableName).toBe(SANDBOX_LEDGER_TABLE); // what the CLI assumes against a sandbox
    expect(machine.roleArn).toBe(deployed.stateMachineRoleArn);
    expect(machine.definition).not.toMatch(/\$\{/);
    for (const spec of TASK_FUNCTIONS) expect(machine.definition).toContain(sandbox.lambda.functionArn(deployed.functions[spec.folder]!));
    // The notifications' rule targets the SNS topic, which is not deployed; the reconciler's rule is.
    expect(new Set(Object.values(deployed.skipped))).toEqual(new Set(['AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'AWS::Events::Rule']));
  });

  it("deploys the reconciler's rule on the state machine's own status changes, to the reconciler, with EventBridge's permission to invoke it", async () => {
    // Act
    const rules = (await c.eventbridge.send(new ListRulesCommand({}))).Rules ?? [];
    const rule = rules.find((r) => r.Name?.includes('ReconcileOnEnd'));
    const targets = await c.eventbridge.send(new ListTargetsByRuleCommand({ Rule: rule!.Name! }));
    const policy = await c.lambda.send(new GetPolicyCommand({ FunctionName: deployed.functions['reconcile-release'] }));

    // Assess
    expect(JSON.parse(rule!.EventPattern!)).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [deployed.stateMachineArn], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    });
    expect(targets.Targets?.map((t) => t.Arn)).toEqual([sandbox.lambda.functionArn(deployed.functions['reconcile-release']!)]);
    expect(JSON.parse(policy.Policy!).Statement).toEqual([expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Action: 'lambda:InvokeFunction' })]);
  });

  it('deploys again in place, from the synthesis cache', async () => {
    // Act
    const again = await deployOrchestrator(sandbox, { source: { context }, prewarm: false });

    // Assess
    expect(again.synth.cached).toBe(true);
    expect(again.stateMachineArn).toBe(deployed.stateMachineArn);
    expect(again.functions).toEqual(deployed.functions);
  });
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
      deployOptions: { prewarm: false, source: { context: { managedFunctions: FUNCTION, goldenSetBuckets: GOLDEN_SET_LOCATION } } },
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
  }, 120_000);
});

describe('rolePolicies', () => {
  it("attaches a template's managed policies (the CDK's OverflowPolicy) to the roles they name, and not AWS managed ones", () => {
    // Prepare: a resolved template as the CDK writes one for a role whose statements overflowed
    const doc = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
    const t = {
      resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] } },
        Default: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'Default', PolicyDocument: doc('lambda:GetAlias'), Roles: ['S-Role'] } },
        Overflow: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc('lambda:PublishVersion'), Roles: ['S-Role'] } },
      },
      names: { Role: 'S-Role', Default: 'Default', Overflow: 'S-Overflow' },
      refs: { Role: 'S-Role', Default: 'Default', Overflow: 'arn:aws:iam::000000000000:policy/S-Overflow' },
      attributes: { Role: { Arn: 'arn:aws:iam::000000000000:role/S-Role' } },
    };

    // Act
    const roles = rolePolicies(t);

    // Assess
    expect([...roles.values()]).toEqual([{ arn: 'arn:aws:iam::000000000000:role/S-Role', policies: [doc('lambda:GetAlias'), doc('lambda:PublishVersion')] }]);
  });

  it('attaches a managed policy once when the role lists it and the policy names the role', () => {
    // Prepare
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:PublishVersion', Resource: '*' }] };
    const arn = 'arn:aws:iam::000000000000:policy/S-Shared';
    const t = {
      resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: [arn] } },
        Shared: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: doc, Roles: ['S-Role'] } },
      },
      names: { Role: 'S-Role', Shared: 'S-Shared' },
      refs: { Role: 'S-Role', Shared: arn },
      attributes: { Role: { Arn: 'arn:aws:iam::000000000000:role/S-Role' } },
    };

    // Act
    const roles = rolePolicies(t);

    // Assess
    expect(roles.get('Role')!.policies).toEqual([doc]);
  });
});
