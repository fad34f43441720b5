import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cliClients, type CliClients } from '../../cli/config';
import { runRelease, type ReleaseRun } from '../../cli/commands/release';
import { ALIAS, BUCKET, FUNCTION, modelUri } from '../../examples/ai-service/sandbox-service';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { deployTarget, ENDPOINT, STAGE, type TargetRig } from '../../rehearsal/targets';
import { BUNDLE_DIR } from '../../sandbox/bundle';
import { fastScenarios } from './fast-scenarios';

/**
 * A client that nobody here wrote: the AWS CLI v2 (Debian's awscli, botocore
 * inside) pointed at the sandbox after one release ran to the end, reading
 * what the release did the way a person on call would. Its requests are
 * botocore's, not the SDK v3's: CloudWatch over the query protocol (XML),
 * S3 ListBuckets, its own pagination, headers and members. Every call runs as
 * a child process and is asserted on its answer.
 */
const AWS = '/usr/bin/aws';
const HANDLER = `${BUNDLE_DIR}/examples/ai-service/handler.handler`;
const present = existsSync(AWS);
if (!present) {
  const reason = `${AWS} is missing (Debian's awscli package: apt-get install awscli)`;
  // On CI the CLI is installed by .ci/run: its absence is a failure, not a skip.
  if (process.env.CI === 'true') {
    test('the AWS CLI is installed', () => {
      throw new Error(`${reason}; .ci/run installs it`);
    });
  } else {
    console.log(`skipping test/e2e/aws-cli.test.ts: ${reason}`);
  }
}
const describeWithCli = present ? describe : describe.skip;

let stack: RehearsalStack;
let clients: CliClients;
let endpoint: TargetRig;
let stage: TargetRig;
let release: ReleaseRun;
let cliMs = 0;
let cliCalls = 0;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A user's own alarm, created and read back through the CLI, checked by the release (which reads it over awsJson1_0). */
const USER_ALARM = 'ai-handler-errors';
const RULE = 'cutover-release-events';

/** Runs `aws <args>` against the sandbox as a person would; resolves to its stdout, rejects with its stderr. */
function awsText(...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    ...stack.sandbox.env,
    AWS_PAGER: '',
    // Nothing from a developer's own configuration.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  // awscli 2.9 predates AWS_ENDPOINT_URL (read from 2.13 on): the endpoint goes on the command line.
  const argv = ['--endpoint-url', stack.sandbox.url, ...args, '--output', 'json', '--no-cli-pager'];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(AWS, argv, { env, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      cliMs += Date.now() - started;
      cliCalls += 1;
      if (err) return reject(new Error(`aws ${args.join(' ')} failed (exit ${(err as { code?: unknown }).code}): ${stderr || stdout}`));
      resolve(stdout);
    });
  });
}

let described: Promise<Json> | undefined;
/** `aws stepfunctions describe-execution` of the release, asked once; its `output` parsed as `result`. */
function describedRelease(): Promise<Json> {
  described ??= aws('stepfunctions', 'describe-execution', '--execution-arn', release.executionArn).then((d) => ({ ...d, result: JSON.parse(d.output as string) as Json }));
  return described;
}

/** `aws <args> --output json`, parsed (an operation without output prints nothing: `{}`). */
async function aws(...args: string[]): Promise<Json> {
  const stdout = await awsText(...args);
  return stdout.trim() ? (JSON.parse(stdout) as Json) : {};
}

beforeAll(async () => {
  if (!present) return;
  const t0 = Date.now();
  // Prepare: the orchestrator, the example service behind its alias, a SageMaker endpoint and an API Gateway stage.
  stack = await startRehearsalStack({ timeScale: 40 });
  clients = cliClients(stack.config);
  const ctx = { sandbox: stack.sandbox, lambda: stack.aws.lambda, lambdaBlue: stack.blue, exampleHandler: HANDLER };
  [endpoint, stage] = await Promise.all([deployTarget('sagemaker-endpoint', ctx), deployTarget('apigateway-stage', ctx)]);
  // The user's alarm on the service, made with the CLI (query protocol) and named in the release.
  await aws(
    'cloudwatch', 'put-metric-alarm', '--alarm-name', USER_ALARM, '--namespace', 'AWS/Lambda', '--metric-name', 'Errors',
    '--dimensions', `Name=FunctionName,Value=${FUNCTION}`, '--statistic', 'Sum', '--period', '60', '--evaluation-periods', '1',
    '--threshold', '0', '--comparison-operator', 'GreaterThanThreshold', '--treat-missing-data', 'notBreaching',
  );
  await aws('cloudwatch', 'set-alarm-state', '--alarm-name', USER_ALARM, '--state-value', 'OK', '--state-reason', 'checked by hand');
  // One release of v2 to the end: a 50 % canary step, a short bake and retention.
  const v2 = fastScenarios().find((s) => s.name === 'v2')!.input;
  const input = { ...v2, alarms: { ...v2.alarms!, names: [USER_ALARM] }, bake: { ...v2.bake!, seconds: 120 }, retention: { seconds: 20, pollSeconds: 10 } };
  release = await runRelease(clients, stack.config, input, { name: `aws-cli-v2-${t0}`, pollMs: 100 });
  console.log(`aws-cli.test: sandbox, three targets and one release (${release.outcome}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, 120_000);
afterAll(async () => {
  if (present) console.log(`aws-cli.test: ${cliCalls} aws CLI calls, ${(cliMs / 1000).toFixed(1)} s in all`);
  clients?.destroy();
  endpoint?.destroy();
  stage?.destroy();
  await stack?.stop();
});

describeWithCli('the AWS CLI against the sandbox after one release', () => {
  it('stepfunctions: list-executions, describe-execution and get-execution-history tell the release succeeded and how', async () => {
    // Act
    const list = await aws('stepfunctions', 'list-executions', '--state-machine-arn', stack.deployed.stateMachineArn);
    const described = await describedRelease();
    const history = await aws('stepfunctions', 'get-execution-history', '--execution-arn', release.executionArn);

    // Assess
    expect(list.executions).toEqual([expect.objectContaining({ executionArn: release.executionArn, status: 'SUCCEEDED', startDate: expect.any(String), stopDate: expect.any(String) })]);
    expect(described).toMatchObject({ executionArn: release.executionArn, stateMachineArn: stack.deployed.stateMachineArn, status: 'SUCCEEDED' });
    const output = described.result as Json;
    expect(output.outcome).toEqual({ status: 'Succeeded' });
    expect(output.green).toMatchObject({ blue: stack.blue, green: expect.stringMatching(/^\d+$/) });
    expect(output.alarms.names).toContain(USER_ALARM);
    expect(JSON.parse(described.input as string)).toMatchObject({ artifact: { uri: modelUri('v2') } });
    const events = history.events as Json[];
    expect(events[0]!.type).toBe('ExecutionStarted');
    expect(events[events.length - 1]!.type).toBe('ExecutionSucceeded');
    const entered = events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails.name as string);
    expect(entered).toEqual(expect.arrayContaining(['ValidateInput', 'AcquireLock', 'PrepareGreen', 'SmokeTestGreen', 'ArmAlarms', 'ShiftTraffic', 'CheckAlarms', 'Decommission', 'ReleaseLock', 'RecordOutcome']));
    expect(entered.filter((n) => n === 'ShiftTraffic')).toHaveLength(2); // 50 %, then 100 %
  }, 60_000);

  it('lambda: get-alias points at the new version, list-versions-by-function shows it published with the new model', async () => {
    // Act
    const alias = await aws('lambda', 'get-alias', '--function-name', FUNCTION, '--name', ALIAS);
    const versions = await aws('lambda', 'list-versions-by-function', '--function-name', FUNCTION);

    // Assess
    const green = (await describedRelease()).result.green.green as string;
    expect(green).not.toBe(stack.blue);
    expect(alias).toMatchObject({ Name: ALIAS, FunctionVersion: green, AliasArn: `arn:aws:lambda:${stack.sandbox.region}:${stack.sandbox.account}:function:${FUNCTION}:${ALIAS}` });
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
    const byVersion = new Map((versions.Versions as Json[]).map((v) => [v.Version as string, v]));
    expect([...byVersion.keys()]).toEqual(['$LATEST', stack.blue, green]);
    expect(byVersion.get(green)!.Environment.Variables.MODEL_URI).toBe(modelUri('v2'));
    expect(byVersion.get(stack.blue)!.Environment.Variables.MODEL_URI).toBe(modelUri('v1'));
  }, 60_000);

  it('cloudwatch (query protocol): the user alarm is there and OK, the release alarms are gone, the golden set ran on green', async () => {
    // Act
    const alarms = await aws('cloudwatch', 'describe-alarms', '--alarm-names', USER_ALARM);
    const releaseAlarms = await aws('cloudwatch', 'describe-alarms', '--alarm-name-prefix', 'cutover-');
    const described = await describedRelease();
    const output = described.result as Json;
    const from = new Date(Date.parse(described.startDate as string) - 60_000).toISOString();
    const to = new Date(Date.parse(described.stopDate as string) + 60_000).toISOString();
    const invocations = await aws(
      'cloudwatch', 'get-metric-statistics', '--namespace', 'AWS/Lambda', '--metric-name', 'Invocations',
      '--dimensions', `Name=FunctionName,Value=${FUNCTION}`, `Name=Resource,Value=${FUNCTION}:${output.green.green}`,
      '--start-time', from, '--end-time', to, '--period', '60', '--statistics', 'Sum',
    );

    // Assess
    expect(alarms.MetricAlarms).toEqual([
      expect.objectContaining({
        AlarmName: USER_ALARM,
        AlarmArn: `arn:aws:cloudwatch:${stack.sandbox.region}:${stack.sandbox.account}:alarm:${USER_ALARM}`,
        StateValue: 'OK',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: FUNCTION }],
        Period: 60,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [],
        StateUpdatedTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/),
      }),
    ]);
    expect(releaseAlarms.MetricAlarms).toEqual([]);
    expect(output.decommission.removed).toEqual(expect.arrayContaining([expect.stringMatching(/^alarm cutover-.*-error-rate$/)]));
    // The golden set's 100 cases plus the smoke case ran on green (by version: no live traffic here).
    const sum = (invocations.Datapoints as Json[]).reduce((n, d) => n + (d.Sum as number), 0);
    expect(invocations.Label).toBe('Invocations');
    expect(sum).toBeGreaterThanOrEqual(101);
  }, 60_000);

  it('dynamodb scan of the ledger: one release item, Succeeded, blue and green versions, the lock released', async () => {
    // Act
    const scan = await aws('dynamodb', 'scan', '--table-name', stack.deployed.tableName);

    // Assess
    const items = scan.Items as Json[];
    expect(scan.Count).toBe(items.length);
    expect(items.filter((i) => i.sk.S === 'LOCK')).toEqual([]);
    const releases = items.filter((i) => (i.sk.S as string).startsWith('RELEASE#'));
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({
      pk: { S: `TARGET#lambda-alias:${FUNCTION}:${ALIAS}` },
      executionArn: { S: release.executionArn },
      outcome: { M: { status: { S: 'Succeeded' } } },
      blueVersion: { S: stack.blue },
      greenVersion: { S: expect.stringMatching(/^\d+$/) },
      greenPercent: { N: '100' },
    });
  }, 60_000);

  it('s3 ls: the bucket and the model artifacts the release read', async () => {
    // Act
    const buckets = await awsText('s3', 'ls');
    const models = await awsText('s3', 'ls', `s3://${BUCKET}/ai-handler/models/`);

    // Assess
    expect(buckets).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${BUCKET}$`, 'm'));
    for (const v of ['v1', 'v2', 'v3', 'v4']) expect(models).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\d+ ${v}\\.json$`, 'm'));
  }, 60_000);

  it('sagemaker describe-endpoint: the SageMaker rig is InService on its first variant', async () => {
    // Act
    const described = await aws('sagemaker', 'describe-endpoint', '--endpoint-name', ENDPOINT);

    // Assess
    expect(described).toMatchObject({
      EndpointName: ENDPOINT,
      EndpointArn: `arn:aws:sagemaker:${stack.sandbox.region}:${stack.sandbox.account}:endpoint/${ENDPOINT}`,
      EndpointConfigName: `${ENDPOINT}-v1`,
      EndpointStatus: 'InService',
      CreationTime: expect.any(String),
    });
    expect(described.ProductionVariants).toEqual([expect.objectContaining({ VariantName: endpoint.blue, CurrentWeight: 1, CurrentInstanceCount: 2 })]);
  }, 60_000);

  it('apigateway get-rest-apis and get-stage: the API Gateway rig serves the first version through its stage variable', async () => {
    // Act
    const apis = await aws('apigateway', 'get-rest-apis');
    const api = (apis.items as Json[]).find((a) => a.name === 'ai-service');
    const got = await aws('apigateway', 'get-stage', '--rest-api-id', String(api?.id), '--stage-name', STAGE);

    // Assess
    expect(api).toBeDefined();
    expect(got).toMatchObject({ stageName: STAGE, deploymentId: expect.any(String), variables: { lambda_version: stack.blue } });
  }, 60_000);

  it('events put-rule and list-rules: a rule on the release events is listed as EventBridge lists it', async () => {
    // Prepare
    const pattern = { source: ['cutover'], 'detail-type': ['Cutover Release State Change'] };
    const put = await aws('events', 'put-rule', '--name', RULE, '--event-pattern', JSON.stringify(pattern), '--description', 'release state changes');

    // Act
    const listed = await aws('events', 'list-rules', '--name-prefix', 'cutover-');

    // Assess
    const arn = `arn:aws:events:${stack.sandbox.region}:${stack.sandbox.account}:rule/${RULE}`;
    expect(put.RuleArn).toBe(arn);
    expect(listed.Rules).toEqual([expect.objectContaining({ Name: RULE, Arn: arn, State: 'ENABLED', EventBusName: 'default', Description: 'release state changes' })]);
    expect(JSON.parse(listed.Rules[0].EventPattern as string)).toEqual(pattern);
  }, 60_000);
});
