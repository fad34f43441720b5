import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Ledger } from '../../core/ledger';
import { ALIAS, BUCKET, FUNCTION } from '../../examples/ai-service/sandbox-service';
import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PolicyDocument, PolicyStatementDoc } from '../../sandbox/services/iam';
import { fastScenarios } from './fast-scenarios';

/**
 * IAM is enforced on the orchestrator's own functions: each Task may do what
 * infra/ grants it and nothing more, so removing one action a Task needs makes
 * the release fail with the AccessDenied that names the action and the function.
 *
 * The sandbox deploys the synthesized ready stack (sandbox/deploy-orchestrator.ts):
 * each Task function runs under its role from the template, with that role's
 * policies, and the state machine's role must allow invoking each function.
 * "Removing an action from infra/" is that action taken out of every statement
 * of the template's policies; each test puts the template's policies back first.
 * The denial names the function through its session: `assumed-role/<role>/<function name>`.
 */
const TARGET_KEY = `lambda-alias:${FUNCTION}:${ALIAS}`;
let stack: RehearsalStack;
let sfn: SFNClient;
let n = 0;
let original: Map<string, PolicyDocument[]>;

/** Every role of the deployed template with its policies as synthesized, less `without` if given (in `folder`'s role only, when given). */
function grantTemplatePolicies(without?: string, folder?: string): void {
  for (const [role, policies] of original) {
    const strip = !folder || role === stack.deployed.roles[folder];
    stack.sandbox.iam.putRole(
      role,
      policies.map((doc) => ({
        ...doc,
        Statement: ([doc.Statement].flat() as (PolicyStatementDoc & { Action?: string | string[] })[])
          .map((st) => (st.Action === undefined || !strip ? st : { ...st, Action: [st.Action].flat().filter((a) => a !== without) }))
          .filter((st) => st.Action === undefined || st.Action.length > 0),
      })),
    );
  }
}

/**
 * What a person does after a release that could not restore blue (a denied rollback keeps the lock, marked as
 * needing a person): 100 % back on blue and the lock freed, as `cutover rollback` would.
 */
async function freeTarget(): Promise<void> {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...stack.sandbox.clientConfig, maxAttempts: 2 }));
  try {
    const ledger = new Ledger(dynamo, stack.deployed.tableName);
    const lock = await ledger.getLock(TARGET_KEY);
    if (lock) await ledger.releaseLock(TARGET_KEY, lock.ownerExecutionArn);
    await stack.aws.lambda.send(new UpdateAliasCommand({ FunctionName: FUNCTION, Name: ALIAS, FunctionVersion: stack.blue, RoutingConfig: { AdditionalVersionWeights: {} } }));
  } finally {
    dynamo.destroy();
  }
}

/** Runs one release of v2's model under a new key (a fresh artifact each time, fast durations) to its end; its history as text. */
async function release(): Promise<{ status: string; history: string }> {
  await freeTarget();
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

/** AWS's denial text for the function of a task folder: its role's session, named after the function. */
function denial(folder: string, action: string): string {
  const role = stack.deployed.roles[folder]!;
  return `User: arn:aws:sts::000000000000:assumed-role/${role.slice(role.lastIndexOf('/') + 1)}/${stack.deployed.functions[folder]} is not authorized to perform: ${action}`;
}

beforeAll(async () => {
  stack = await startRehearsalStack({ timeScale: 50 });
  sfn = new SFNClient({ ...stack.sandbox.clientConfig, maxAttempts: 2 });
  original = new Map([stack.deployed.stateMachineRoleArn, ...Object.values(stack.deployed.roles)].map((role) => [role, [...stack.sandbox.iam.role(role)!.policies]]));
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await stack?.stop();
});

it('a release succeeds with exactly the policies of the synthesized template', async () => {
  // Prepare
  grantTemplatePolicies();

  // Act
  const { status, history } = await release();

  // Assess
  expect(history).not.toContain('is not authorized to perform');
  expect(status).toBe('SUCCEEDED');
}, 90_000);

it.each([
  // The bug this issue found: ShiftTraffic reads the ledger, and its role had only UpdateItem (every release rolled back).
  ['ShiftTraffic', 'shift-traffic', 'dynamodb:GetItem'],
  ['PrepareGreen', 'prepare-green', 'lambda:PublishVersion'],
  ['ArmAlarms', 'arm-alarms', 'cloudwatch:PutMetricAlarm'],
])('without one action %s needs, the release fails with the AccessDenied naming the action and the function', async (_task, folder, action) => {
  // Prepare: the action taken out of that function's role only (other Tasks need it too: GetItem fences every traffic mover)
  grantTemplatePolicies(action, folder);

  // Act
  const { status, history } = await release();

  // Assess
  expect(history).toContain(denial(folder, action));
  expect(status).not.toBe('SUCCEEDED');
}, 90_000);
