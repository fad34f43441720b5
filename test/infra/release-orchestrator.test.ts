/**
 * The ReleaseOrchestrator as CloudFormation: one stack, built once (with real
 * esbuild bundling, about 20 s) and read by every test.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AssetStaging } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TASK_FUNCTIONS, type ReleaseOrchestrator } from '../../infra';
import { aslPlaceholders } from '../../infra/release-orchestrator';
import { ACCOUNT, REGION, allStatements, flat, functionOf, grantsOf, orchestratorStack, roleOf, type Statement } from './helpers';

const ASL_FILE = path.join(__dirname, '..', '..', 'statemachine', 'release.asl.json');
const FN = `arn:<AWS::Partition>:lambda:${REGION}:${ACCOUNT}:function:ai-handler`;
const FN_VERSIONS = `${FN}:*`;
const ALARMS = `arn:<AWS::Partition>:cloudwatch:${REGION}:${ACCOUNT}:alarm:cutover-*`;
const EXECUTIONS = `arn:<AWS::Partition>:states:${REGION}:${ACCOUNT}:execution:cutover-release:*`;
const DEFAULT_BUS = `arn:<AWS::Partition>:events:${REGION}:${ACCOUNT}:event-bus/default`;

let template: Template;
let orchestrator: ReleaseOrchestrator;
let statements: Statement[];
let tableArn: string;

beforeAll(() => {
  // Prepare
  const built = orchestratorStack();
  orchestrator = built.orchestrator;
  // Act
  template = Template.fromStack(built.stack);
  statements = allStatements(template);
  tableArn = `<${Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]}.Arn>`;
}, 180_000);

describe('state machine', () => {
  it('is a Standard state machine with X-Ray tracing, named by the prop default', () => {
    // Assess
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'cutover-release',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
    });
  });

  it('logs ALL events with execution data to /aws/vendedlogs/states/<name>', () => {
    // Prepare
    const [logGroupId] = Object.keys(
      template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: '/aws/vendedlogs/states/cutover-release' } }),
    );
    // Assess
    expect(logGroupId).toBeDefined();
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      },
    });
    expect(orchestrator.logGroup.logGroupName).toBeDefined();
  });

  it('binds every ${…} placeholder of the ASL file to a substitution, and every substitution to a placeholder', () => {
    // Prepare
    const asl = fs.readFileSync(ASL_FILE, 'utf8');
    const placeholders = aslPlaceholders(asl);
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    // Assess
    expect(placeholders.length).toBeGreaterThan(0);
    expect(Object.keys(substitutions).sort()).toEqual(placeholders);
    expect(placeholders).toEqual(TASK_FUNCTIONS.map((t) => t.substitution).sort());
  });

  it('points each substitution at the Lambda function of its Task', () => {
    // Prepare
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
    const functionIds = Object.keys(template.findResources('AWS::Lambda::Function'));
    // Assess
    for (const spec of TASK_FUNCTIONS) {
      const [id, attribute] = substitutions[spec.substitution]['Fn::GetAtt'];
      expect(attribute).toBe('Arn');
      expect(functionIds).toContain(id);
      expect(id.startsWith(`Orchestrator${spec.task}`)).toBe(true);
    }
  });

  it('uses direct Lambda ARN resources in every Task state of the ASL', () => {
    // Prepare
    const tasks: string[] = [];
    const walk = (states: Record<string, Record<string, unknown>>) => {
      for (const state of Object.values(states)) {
        if (state.Type === 'Task') tasks.push(String(state.Resource));
        for (const branch of (state.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? []) walk(branch.States);
        const iterator = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Record<string, unknown>> } | undefined;
        if (iterator) walk(iterator.States);
      }
    };
    // Act
    walk(JSON.parse(fs.readFileSync(ASL_FILE, 'utf8')).States);
    // Assess
    expect(tasks.length).toBeGreaterThanOrEqual(TASK_FUNCTIONS.length);
    for (const resource of tasks) expect(resource).toMatch(/^\$\{[A-Za-z]+FunctionArn\}$/);
  });

  it('may invoke exactly the Task functions (grantInvoke, since fromFile infers nothing)', () => {
    // Prepare
    const machineRole = (Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.RoleArn as {
      'Fn::GetAtt': string[];
    })['Fn::GetAtt'][0];
    const invoked = statements.filter((s) => s.role === machineRole && s.actions.includes('lambda:InvokeFunction')).flatMap((s) => s.resources);
    // Every function but the reconciler, which an EventBridge rule runs.
    const expected = Object.keys(template.findResources('AWS::Lambda::Function'))
      .filter((id) => !id.startsWith('OrchestratorReconcileRelease'))
      .flatMap((id) => [`<${id}.Arn>`, `<${id}.Arn>:*`]);
    // Assess
    expect(invoked.sort()).toEqual(expected.sort());
  });
});

describe('ledger table', () => {
  it('has pk/sk string keys, on-demand billing, PITR and AWS-managed encryption', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('is retained by default', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('functions', () => {
  it('builds one function per Task state and the reconciler: nodejs22.x, arm64, 256 MB, X-Ray active, own log group', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::Function', TASK_FUNCTIONS.length + 1);
    expect(Object.keys(orchestrator.functions).sort()).toEqual(TASK_FUNCTIONS.map((t) => t.folder).sort());
    for (const spec of TASK_FUNCTIONS) {
      const fn = functionOf(template, spec.task);
      expect(fn).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        Timeout: spec.folder === 'smoke-test' ? 300 : 30,
      });
      const logGroup = flat(fn.LoggingConfig.LogGroup);
      expect(logGroup).toMatch(/^<Orchestrator\w+Logs\w+>$/);
    }
  });

  it('gives each function its own role, without AWS managed policies', () => {
    // Prepare
    const roles = TASK_FUNCTIONS.map((t) => roleOf(template, t.task));
    // Assess
    expect(new Set(roles).size).toBe(TASK_FUNCTIONS.length);
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('sets the shared environment on every function', () => {
    // Prepare
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
    // Assess
    for (const spec of TASK_FUNCTIONS) {
      expect(functionOf(template, spec.task).Environment.Variables).toMatchObject({
        LEDGER_TABLE_NAME: { Ref: tableId },
        POWERTOOLS_SERVICE_NAME: 'cutover',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        CUTOVER_ALARM_PREFIX: 'cutover-',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      });
    }
  });

  it('tells ValidateInput which functions it may release, and sets no CUTOVER_DEFAULTS when none are given', () => {
    // Prepare
    const variables = functionOf(template, 'ValidateInput').Environment.Variables;
    // Assess
    expect(JSON.parse(variables.CUTOVER_MANAGED_FUNCTIONS)).toEqual(['ai-handler']);
    expect(variables.CUTOVER_ACCOUNT_ID).toEqual(ACCOUNT);
    expect(variables.CUTOVER_DEFAULTS).toBeUndefined();
    expect(functionOf(template, 'SmokeTest').Environment.Variables.CUTOVER_MANAGED_FUNCTIONS).toBeUndefined();
  });

  it('bundles every handler into a CommonJS file that loads on Node and exports `handler`', () => {
    // Prepare
    const bundles = Object.values(orchestrator.functions).map((fn) => {
      const staging = fn.node.findAll().find((c): c is AssetStaging => c instanceof AssetStaging);
      return path.join(staging!.absoluteStagedPath, 'index.js');
    });
    const probe = `for (const f of ${JSON.stringify(bundles)}) { const m = require(f); if (typeof m.handler !== 'function') { console.error(f); process.exit(1); } }`;
    // Act
    const run = () =>
      execFileSync(process.execPath, ['-e', probe], {
        env: { ...process.env, AWS_REGION: REGION, LEDGER_TABLE_NAME: 'ledger', POWERTOOLS_LOG_LEVEL: 'SILENT' },
        stdio: 'pipe',
      });
    // Assess
    expect(bundles).toHaveLength(TASK_FUNCTIONS.length);
    for (const bundle of bundles) expect(fs.existsSync(bundle)).toBe(true);
    expect(run).not.toThrow();
  });
});

describe('IAM', () => {
  const onOwnLogs = (task: string) => {
    const logGroup = flat(functionOf(template, task).LoggingConfig.LogGroup).replace(/>$/, '.Arn>');
    return [`logs:CreateLogStream ${logGroup}`, `logs:PutLogEvents ${logGroup}`];
  };
  const tracing = ['xray:PutTelemetryRecords *', 'xray:PutTraceSegments *'];
  const both = (action: string) => [`${action} ${FN}`, `${action} ${FN_VERSIONS}`];
  const ledger = (...actions: string[]) => actions.map((a) => `dynamodb:${a} ${tableArn}`);
  const putEvents = `events:PutEvents ${DEFAULT_BUS}`;

  const expected = (): Record<string, string[]> => ({
    ValidateInput: ['cloudwatch:DescribeAlarms *'],
    AcquireLock: [...ledger('GetItem', 'PutItem', 'UpdateItem'), `states:DescribeExecution ${EXECUTIONS}`, putEvents],
    PrepareGreen: [
      ...both('lambda:GetFunctionConfiguration'),
      ...both('lambda:GetAlias'),
      ...both('lambda:ListVersionsByFunction'),
      `lambda:UpdateFunctionConfiguration ${FN}`,
      `lambda:PublishVersion ${FN}`,
      ...ledger('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
    ],
    // Without managedEndpoints the readiness check may only write its ledger entry.
    CheckGreenReady: ledger('UpdateItem'),
    SmokeTest: [`lambda:InvokeFunction ${FN_VERSIONS}`, ...ledger('UpdateItem')],
    ArmAlarms: ['cloudwatch:DescribeAlarms *', `cloudwatch:PutMetricAlarm ${ALARMS}`, `cloudwatch:TagResource ${ALARMS}`, ...ledger('UpdateItem')],
    ShiftTraffic: [...both('lambda:GetAlias'), ...both('lambda:UpdateAlias'), ...ledger('GetItem', 'UpdateItem'), putEvents],
    CheckAlarms: ['cloudwatch:DescribeAlarms *', ...ledger('GetItem', 'UpdateItem')],
    RollBack: [...both('lambda:GetAlias'), ...both('lambda:UpdateAlias'), ...ledger('GetItem', 'UpdateItem'), putEvents],
    Decommission: [
      ...both('lambda:GetAlias'),
      ...both('lambda:ListAliases'),
      ...both('lambda:ListVersionsByFunction'),
      ...both('lambda:GetProvisionedConcurrencyConfig'),
      ...both('lambda:GetFunctionConfiguration'),
      `lambda:UpdateFunctionConfiguration ${FN}`,
      `lambda:DeleteFunction ${FN_VERSIONS}`,
      `lambda:DeleteProvisionedConcurrencyConfig ${FN_VERSIONS}`,
      'cloudwatch:DescribeAlarms *',
      `cloudwatch:DeleteAlarms ${ALARMS}`,
      ...ledger('GetItem', 'UpdateItem'),
      putEvents,
    ],
    ReleaseLock: ledger('DeleteItem', 'UpdateItem'),
    RecordOutcome: [...ledger('GetItem', 'UpdateItem'), putEvents],
  });

  it('grants each function exactly its statements: its task permissions, its own log group, X-Ray', () => {
    // Prepare
    const want = expected();
    // Assess
    for (const spec of TASK_FUNCTIONS) {
      const got = grantsOf(statements, roleOf(template, spec.task));
      expect({ task: spec.task, grants: got }).toEqual({
        task: spec.task,
        grants: [...want[spec.task], ...onOwnLogs(spec.task), ...tracing].sort(),
      });
    }
  });

  it('grants the reconciler what RollBack, Decommission, ReleaseLock and RecordOutcome may do, and reading its own executions\' history', () => {
    // Prepare
    const want = expected();
    const union = [...want.RollBack!, ...want.Decommission!, ...want.ReleaseLock!, ...want.RecordOutcome!, ...ledger('GetItem'), `states:GetExecutionHistory ${EXECUTIONS}`, `states:DescribeExecution ${EXECUTIONS}`];
    // Act
    const got = grantsOf(statements, roleOf(template, 'ReconcileRelease'));
    // Assess (GetAlias comes both with shifting and with retiring: two statements grant it)
    expect([...new Set(got)]).toEqual([...new Set([...union, ...onOwnLogs('ReconcileRelease'), ...tracing])].sort());
  });

  it('runs the reconciler on this state machine\'s ABORTED, TIMED_OUT and FAILED status changes, for up to 15 minutes', () => {
    // Prepare
    const machineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const reconciler = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('OrchestratorReconcileRelease'));
    // Assess
    expect(functionOf(template, 'ReconcileRelease').Timeout).toBe(900);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: machineId }], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [reconciler, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [reconciler, 'Arn'] } });
  });

  it('scopes UpdateAlias and PublishVersion to the managed function ARNs, never "*"', () => {
    // Prepare
    const scoped = statements.filter((s) => s.actions.some((a) => ['lambda:UpdateAlias', 'lambda:PublishVersion'].includes(a)));
    // Assess
    expect(scoped.length).toBeGreaterThanOrEqual(3);
    for (const s of scoped) {
      for (const r of s.resources) expect([FN, FN_VERSIONS]).toContain(r);
    }
  });

  it('deletes only versions (qualified ARNs) and only the release alarms', () => {
    // Prepare
    const deletes = statements.filter((s) => s.actions.some((a) => /:Delete/.test(a) && !a.startsWith('logs:') && !a.startsWith('dynamodb:')));
    // Assess
    for (const s of deletes) {
      for (const r of s.resources) expect([FN_VERSIONS, ALARMS]).toContain(r);
    }
  });

  it('scopes DescribeExecution to the executions of this state machine, for AcquireLock and the reconciler only', () => {
    // Prepare
    const describe = statements.filter((s) => s.actions.includes('states:DescribeExecution'));
    // Assess
    expect(describe.map((s) => s.role).sort()).toEqual([roleOf(template, 'AcquireLock'), roleOf(template, 'ReconcileRelease')].sort());
    for (const s of describe) expect(s.resources).toEqual([EXECUTIONS]);
  });

  it('grants no action with a wildcard, and nothing but read-only or service-required actions on "*"', () => {
    // Prepare
    // Allowed on "*" because the service has no resource-level permissions for them:
    const readOnly = [
      'cloudwatch:DescribeAlarms',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ];
    // Telemetry and log delivery the services themselves require (tracing, vended logs); they change no customer resource.
    const telemetry = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
    const stateMachineLogDelivery = ['logs:CreateLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:PutResourcePolicy'];
    const machineRole = (Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.RoleArn as {
      'Fn::GetAtt': string[];
    })['Fn::GetAtt'][0];
    const onAnything = statements.filter((s) => s.resources.includes('*'));
    // Assess
    for (const s of statements) for (const a of s.actions) expect(a).not.toContain('*');
    expect(onAnything.length).toBeGreaterThan(0);
    for (const s of onAnything) {
      const allowed = [...readOnly, ...telemetry, ...(s.role === machineRole ? stateMachineLogDelivery : [])];
      for (const action of s.actions) expect({ role: s.role, action, allowed: allowed.includes(action) }).toEqual({ role: s.role, action, allowed: true });
    }
  });

  it('gives no S3 access without golden-set buckets', () => {
    // Assess
    expect(statements.filter((s) => s.actions.some((a) => a.startsWith('s3:')))).toEqual([]);
  });
});
