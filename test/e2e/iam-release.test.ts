import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { TASK_FUNCTIONS } from '../../infra/defaults';
import { ledgerStatements, statementsFor, type PermissionScope } from '../../infra/permissions';
import { FUNCTION, GOLDEN_SET_URI, BUCKET } from '../../rehearsal/service';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ORCHESTRATOR_ROLE, taskRole } from '../../sandbox/deploy-orchestrator';
import type { PolicyDocument, PolicyStatementDoc } from '../../sandbox/services/iam';
import { fastScenarios } from './fast-scenarios';

/**
 * IAM is enforced on the orchestrator's own functions: each Task may do what
 * infra/ grants it and nothing more, so removing one action a Task needs makes
 * the release fail with the AccessDenied that names the action and the function.
 *
 * Until the sandbox deploys the synthesized template (issue #10 item 1), the
 * hand-written deployer gives each Task function a role of its own; this test
 * puts on each the statements infra/permissions.ts builds for that Task
 * (ledger, Lambda, CloudWatch, S3, EventBridge), and on the state machine's
 * role lambda:InvokeFunction on the Task functions. The denial names the
 * function through its session: `assumed-role/<role>/<function name>`.
 */
let stack: RehearsalStack;
let sfn: SFNClient;
let n = 0;

/** Each Task's statements from infra/ (less one action), scoped to the sandbox's ARNs, on its function's role. */
function grantInfraPolicies(without?: string): void {
  const { region, account } = stack.sandbox;
  const fn = `arn:aws:lambda:${region}:${account}:function:${FUNCTION}`;
  const scope: PermissionScope = {
    tableArn: `arn:aws:dynamodb:${region}:${account}:table/${stack.deployed.tableName}`,
    executionsArn: `arn:aws:states:${region}:${account}:execution:cutover-release:*`,
    functionArns: [fn],
    functionVersionArns: [`${fn}:*`],
    releaseAlarmsArn: `arn:aws:cloudwatch:${region}:${account}:alarm:cutover-*`,
    goldenSetObjectArns: [`arn:aws:s3:::${BUCKET}/${GOLDEN_SET_URI.slice(`s3://${BUCKET}/`.length, GOLDEN_SET_URI.lastIndexOf('/') + 1)}*`],
    eventBusArn: `arn:aws:events:${region}:${account}:event-bus/default`,
  };
  for (const spec of TASK_FUNCTIONS) {
    const policy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [...ledgerStatements(spec.ledger, scope), ...spec.permissions.flatMap((p) => statementsFor(p, scope))].map((s) => {
      const json = s.toStatementJson() as PolicyStatementDoc & { Action: string | string[] };
      const actions = [json.Action].flat().filter((a) => a !== without);
      return { ...json, Action: actions };
    }).filter((s) => s.Action.length > 0),
    };
    stack.sandbox.iam.putRole(taskRole(spec.folder), [policy]);
  }
  const stateMachine: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: Object.values(stack.deployed.functions).map((name) => `arn:aws:lambda:${region}:${account}:function:${name}`) }],
  };
  stack.sandbox.iam.putRole(ORCHESTRATOR_ROLE, [stateMachine]);
}

/** Runs one release of v2's model under a new key (a fresh artifact each time, fast durations) to its end; its history as text. */
async function release(): Promise<{ status: string; history: string }> {
  const key = `ai-handler/models/iam-${++n}.json`;
  await stack.aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(path.join(__dirname, '../../examples/ai-service/models/v2.json'), 'utf8') }));
  const base = fastScenarios().find((s) => s.name === 'v2')!.input;
  const input = { ...base, artifact: { ...base.artifact, uri: `s3://${BUCKET}/${key}` } };
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: stack.deployed.stateMachineArn, name: `iam-${n}-${Date.now()}`, input: JSON.stringify(input) }));
  const deadline = Date.now() + 60_000;
  let status = 'RUNNING';
  while (status === 'RUNNING' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
  }
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return { status, history: JSON.stringify(history.events) };
}

const denial = (fn: string, action: string) =>
  `User: arn:aws:sts::000000000000:assumed-role/cutover-sandbox-${fn.replace(/^cutover-/, '')}/${fn} is not authorized to perform: ${action}`;

beforeAll(async () => {
  stack = await startRehearsalStack({ timeScale: 50 });
  sfn = new SFNClient({ ...stack.sandbox.clientConfig, maxAttempts: 2 });
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await stack?.stop();
});

// Fixed product bug (issue #10): ShiftTraffic reads the ledger (GetItem); infra/defaults.ts now grants it.
// the sandbox denies what the template does not grant, as AWS would (ShiftTraffic reads the ledger: dynamodb:GetItem, granted since the ledger-grants fix).
it('a release succeeds with exactly the statements infra/ grants the Tasks (ShiftTraffic reads the ledger: dynamodb:GetItem)', async () => {
  // Prepare
  grantInfraPolicies();

  // Act
  const { status, history } = await release();

  // Assess
  expect(history).not.toContain('is not authorized to perform');
  expect(status).toBe('SUCCEEDED');
}, 90_000);

it.each([
  ['PrepareGreen', 'cutover-prepare-green', 'lambda:PublishVersion'],
  ['ArmAlarms', 'cutover-arm-alarms', 'cloudwatch:PutMetricAlarm'],
])('without one action %s needs, the release fails with the AccessDenied naming the action and the function', async (_task, fn, action) => {
  // Prepare
  grantInfraPolicies(action);

  // Act
  const { status, history } = await release();

  // Assess
  expect(history).toContain(denial(fn, action));
  expect(status).not.toBe('SUCCEEDED');
}, 90_000);
