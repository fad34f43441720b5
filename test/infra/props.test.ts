/**
 * The construct's props: validation, and what each prop changes in the
 * template. Bundling is skipped (each test builds its own stack).
 */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BUILT_IN_RELEASE_DEFAULTS, CutoverStack, ReleaseOrchestrator, normalizeDefaults } from '../../infra';
import { releaseInputSchema } from '../../core/release-input';
import { ACCOUNT, REGION, allStatements, functionOf, grantsOf, orchestratorStack, roleOf } from './helpers';

const build = (props: Parameters<typeof orchestratorStack>[0] = {}) => {
  const { stack, orchestrator } = orchestratorStack(props, { bundle: false });
  return { template: Template.fromStack(stack), orchestrator };
};

describe('managedFunctions', () => {
  it('rejects an empty list with a clear error', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Empty');
    // Act
    const act = () => new ReleaseOrchestrator(stack, 'Orchestrator', { managedFunctions: [] });
    // Assess
    expect(act).toThrow(/managedFunctions must list at least one Lambda function/);
  });

  it('may be left out by an orchestrator of SageMaker endpoints only: no Lambda permission at all, and cdk-nag stays clean', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'EndpointsOnly', { env: { account: ACCOUNT, region: REGION } });

    // Act
    new ReleaseOrchestrator(stack, 'Orchestrator', { managedEndpoints: ['ai-endpoint'] });
    const template = Template.fromStack(stack);
    const nag = new AwsSolutionsChecks(app).validateScope(stack);

    // Assess
    // The state machine invokes its own Task functions; no Task may touch any other function.
    const lambdaGrants = allStatements(template).filter((s) => !s.role.includes('StateMachineRole') && s.actions.some((a) => a.startsWith('lambda:')));
    expect(lambdaGrants).toEqual([]);
    expect(JSON.parse(functionOf(template, 'ValidateInput').Environment.Variables.CUTOVER_MANAGED_FUNCTIONS)).toEqual([]);
    expect(nag.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('is still required with an API Gateway stage (its variable selects a version of a managed function)', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'StagesNoFunctions');
    // Act
    const act = () =>
      new ReleaseOrchestrator(stack, 'Orchestrator', { managedEndpoints: ['ai-endpoint'], managedStages: [{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }] });
    // Assess
    expect(act).toThrow(/managedFunctions must list at least one Lambda function/);
  });

  it('rejects a name that is not a Lambda function name (an ARN, a wildcard)', () => {
    // Act / Assess
    expect(() => orchestratorStack({ managedFunctions: ['arn:aws:lambda:eu-west-1:111111111111:function:x'] }, { bundle: false })).toThrow(
      /managedFunctions must be Lambda function names/,
    );
    expect(() => orchestratorStack({ managedFunctions: ['ai-*'] }, { bundle: false })).toThrow(/managedFunctions/);
  });

  it('scopes every Lambda statement to each managed function, and lists them for ValidateInput', () => {
    // Act
    const { template } = build({ managedFunctions: ['ai-handler', 'ranker', 'ai-handler'] });
    const grants = grantsOf(allStatements(template), roleOf(template, 'ShiftTraffic')).filter((g) => g.startsWith('lambda:UpdateAlias'));
    // Assess
    expect(JSON.parse(functionOf(template, 'ValidateInput').Environment.Variables.CUTOVER_MANAGED_FUNCTIONS)).toEqual(['ai-handler', 'ranker']);
    expect(grants).toEqual(
      ['ai-handler', 'ai-handler:*', 'ranker', 'ranker:*']
        .map((n) => `lambda:UpdateAlias arn:<AWS::Partition>:lambda:${REGION}:${ACCOUNT}:function:${n}`)
        .sort(),
    );
  });

  it('accepts functions (and manages the function behind a version or alias)', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'WithFunction', { env: { account: ACCOUNT, region: REGION } });
    const service = new lambda.Function(stack, 'Service', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1'),
    });
    const imported = lambda.Function.fromFunctionName(stack, 'Imported', 'ranker');
    // Act
    new ReleaseOrchestrator(stack, 'Orchestrator', { managedFunctions: [service.currentVersion, imported] });
    const template = Template.fromStack(stack);
    const serviceId = stack.getLogicalId(service.node.defaultChild as lambda.CfnFunction);
    const invoke = grantsOf(allStatements(template), roleOf(template, 'SmokeTest')).filter((g) => g.startsWith('lambda:'));
    // Assess
    expect(invoke).toEqual(
      [`lambda:InvokeFunction <${serviceId}.Arn>:*`, `lambda:InvokeFunction arn:<AWS::Partition>:lambda:${REGION}:${ACCOUNT}:function:ranker:*`].sort(),
    );
    const managed = functionOf(template, 'ValidateInput').Environment.Variables.CUTOVER_MANAGED_FUNCTIONS;
    expect(JSON.stringify(managed)).toContain(serviceId);
    expect(JSON.stringify(managed)).toContain('ranker');
  });
});

describe('goldenSetBuckets', () => {
  it('lets only the smoke test read the golden-set objects, under the prefix', () => {
    // Act
    const { template } = build({ goldenSetBuckets: [{ bucketName: 'golden', prefix: '/sets/' }, { bucketName: 'other-golden' }] });
    const s3 = allStatements(template).filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    // Assess
    expect(s3).toHaveLength(1);
    expect(s3[0].role).toBe(roleOf(template, 'SmokeTest'));
    expect(s3[0].actions).toEqual(['s3:GetObject']);
    expect(s3[0].resources).toEqual(['arn:<AWS::Partition>:s3:::golden/sets/*', 'arn:<AWS::Partition>:s3:::other-golden/*']);
  });

  it('rejects a bucket ARN or a wildcard prefix', () => {
    // Act / Assess
    expect(() => build({ goldenSetBuckets: [{ bucketName: 'arn:aws:s3:::golden' }] })).toThrow(/bucketName must be an S3 bucket name/);
    expect(() => build({ goldenSetBuckets: [{ bucketName: 'golden', prefix: 'a*' }] })).toThrow(/prefix must not contain wildcards/);
  });
});

describe('stateMachineName and alarmPrefix', () => {
  it('name the state machine, its log group, the executions AcquireLock may describe, and the alarms', () => {
    // Act
    const { template } = build({ stateMachineName: 'ranker-release', alarmPrefix: 'rel-' });
    const statements = allStatements(template);
    // Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'ranker-release' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/ranker-release' });
    expect(grantsOf(statements, roleOf(template, 'AcquireLock'))).toContain(
      `states:DescribeExecution arn:<AWS::Partition>:states:${REGION}:${ACCOUNT}:execution:ranker-release:*`,
    );
    expect(grantsOf(statements, roleOf(template, 'Decommission'))).toContain(
      `cloudwatch:DeleteAlarms arn:<AWS::Partition>:cloudwatch:${REGION}:${ACCOUNT}:alarm:rel-*`,
    );
    expect(functionOf(template, 'ArmAlarms').Environment.Variables.CUTOVER_ALARM_PREFIX).toBe('rel-');
  });

  it('rejects an alarm prefix that would widen the alarm permissions', () => {
    // Act / Assess
    expect(() => build({ alarmPrefix: '' })).toThrow(/alarmPrefix/);
    expect(() => build({ alarmPrefix: '*' })).toThrow(/alarmPrefix/);
  });

  it('refuses at synth time a prefix that makes release alarm names longer than CloudWatch takes (AlarmName max 255)', () => {
    // Act / Assess: 161 + an 80-character execution name + "-output-schema" is 255.
    expect(() => build({ alarmPrefix: 'p'.repeat(200) })).toThrow(/alarmPrefix must be at most 161 characters.*got 200 characters.*shorten it/);
    expect(() => build({ alarmPrefix: 'p'.repeat(161) })).not.toThrow();
  });
});

describe('defaults', () => {
  it('are handed to ValidateInput as CUTOVER_DEFAULTS, without empty groups', () => {
    // Act
    const { template } = build({ defaults: { bake: { seconds: 900 }, retention: {}, alarms: { errorRateThreshold: 0.02, latencyP95Ms: 4000 } } });
    const variables = functionOf(template, 'ValidateInput').Environment.Variables;
    // Assess
    expect(JSON.parse(variables.CUTOVER_DEFAULTS)).toEqual({ bake: { seconds: 900 }, alarms: { errorRateThreshold: 0.02, latencyP95Ms: 4000 } });
    expect(functionOf(template, 'CheckAlarms').Environment.Variables.CUTOVER_DEFAULTS).toBeUndefined();
  });

  it('are omitted when every group is empty', () => {
    // Act / Assess
    expect(normalizeDefaults({ bake: {}, alarms: {} })).toBeUndefined();
    expect(normalizeDefaults(undefined)).toBeUndefined();
  });

  it('are checked against the release input bounds at synth time', () => {
    // Act / Assess
    expect(() => normalizeDefaults({ alarms: { errorRateThreshold: 5 } })).toThrow(/errorRateThreshold must be a number strictly between 0 and 1/);
    expect(() => normalizeDefaults({ bake: { pollSeconds: 0 } })).toThrow(/bake.pollSeconds/);
    expect(() => normalizeDefaults({ retention: { seconds: 1.5 } })).toThrow(/must be an integer/);
    expect(() => normalizeDefaults({ alarms: { periodSeconds: 45 } })).toThrow(/multiple of 60/);
    expect(() => normalizeDefaults({ alarms: { periodSeconds: 30 } })).toThrow(/defaults.alarms.periodSeconds must be a multiple of 60 .*1-minute metrics.*got 30: use 60/);
    expect(() => normalizeDefaults({ canary: {} } as never)).toThrow(/defaults.canary is not a release default/);
    // The release alarms cannot judge a bake shorter than their period + 60 s (ValidateInput's rule, at synth time).
    expect(() => normalizeDefaults({ bake: { seconds: 60 } })).toThrow(/defaults.bake.seconds 60 is too short .*alarms.periodSeconds 60: use at least 120/);
    expect(() => normalizeDefaults({ alarms: { periodSeconds: 600 } })).toThrow(/defaults.bake.seconds 600 is too short .*use at least 660, or a shorter defaults.alarms.periodSeconds/);
    expect(normalizeDefaults({ bake: { seconds: 0 } })).toEqual({ bake: { seconds: 0 } });
  });

  it('take their bounds from the release input schema, so a default no release input may have fails cdk synth', () => {
    // Act / Assess: the release input caps retention at 14 days (the execution times out after 21)
    expect(() => normalizeDefaults({ retention: { seconds: 20 * 86_400 } })).toThrow(/defaults.retention.seconds must be an integer from 0 to 1209600; got 1728000/);
    expect(normalizeDefaults({ retention: { seconds: 14 * 86_400 } })).toEqual({ retention: { seconds: 1_209_600 } });
    expect(() => normalizeDefaults({ alarms: { latencyP95Ms: 0 } })).toThrow(/defaults.alarms.latencyP95Ms must be an integer greater than 0 and at most 900000; got 0/);
  });

  it('documents the built-in defaults as the release input schema applies them', () => {
    // Act
    const parsed = releaseInputSchema.parse({ target: { kind: 'lambda-alias', functionName: 'f', alias: 'live' } });

    // Assess
    expect(BUILT_IN_RELEASE_DEFAULTS).toEqual({
      bake: { seconds: parsed.bake.seconds, pollSeconds: parsed.bake.pollSeconds },
      retention: { seconds: parsed.retention.seconds, pollSeconds: parsed.retention.pollSeconds },
      alarms: { errorRateThreshold: parsed.alarms.errorRateThreshold, periodSeconds: parsed.alarms.periodSeconds, latencyP95Ms: parsed.alarms.latencyP95Ms },
    });
  });
});

describe('logLevel and removalPolicy', () => {
  it('set POWERTOOLS_LOG_LEVEL and the ledger removal policy', () => {
    // Act
    const { template } = build({ logLevel: 'DEBUG', removalPolicy: RemovalPolicy.DESTROY });
    // Assess
    expect(functionOf(template, 'RecordOutcome').Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });
});

describe('allowUnwatchedReleases', () => {
  it('tells ValidateInput only when the owner allows releases nothing watches', () => {
    // Act
    const allowed = build({ allowUnwatchedReleases: true }).template;
    const byDefault = build({}).template;
    // Assess
    expect(functionOf(allowed, 'ValidateInput').Environment.Variables.CUTOVER_ALLOW_UNWATCHED).toBe('true');
    expect(functionOf(byDefault, 'ValidateInput').Environment.Variables.CUTOVER_ALLOW_UNWATCHED).toBeUndefined();
  });
});

describe('CutoverStack', () => {
  it('reads the managed functions and golden-set buckets from the context', () => {
    // Prepare
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [], managedFunctions: 'ai-handler, ranker', goldenSetBuckets: 's3://golden/sets/,plain' },
    });
    // Act
    const template = Template.fromStack(new CutoverStack(app, 'Cutover'));
    const s3 = allStatements(template).find((s) => s.actions.includes('s3:GetObject'));
    // Assess
    expect(JSON.parse(functionOf(template, 'ValidateInput').Environment.Variables.CUTOVER_MANAGED_FUNCTIONS)).toEqual(['ai-handler', 'ranker']);
    expect(s3?.resources).toEqual(['arn:<AWS::Partition>:s3:::golden/sets/*', 'arn:<AWS::Partition>:s3:::plain/*']);
    template.hasOutput('StateMachineArn', {});
    template.hasOutput('LedgerTableName', {});
  });

  it('manages ai-handler when the context names nothing', () => {
    // Act
    const template = Template.fromStack(new CutoverStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Cutover'));
    // Assess
    expect(JSON.parse(functionOf(template, 'ValidateInput').Environment.Variables.CUTOVER_MANAGED_FUNCTIONS)).toEqual(['ai-handler']);
  });
});
