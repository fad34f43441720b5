/** Shared helpers for the sandbox contract tests: real SDK v3 clients pointed at a sandbox. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateFunctionCommand, LambdaClient, type CreateFunctionCommandInput } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Sandbox } from '../../sandbox';

export const ROLE = 'arn:aws:iam::000000000000:role/sandbox-test';
export const FIXTURES = 'test/sandbox/fixtures';

/**
 * The contract tests' own execution roles may do anything: these files test the
 * services, test/sandbox/iam.test.ts tests IAM (enforced by default).
 */
export const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] };
export const ALL_ALLOWED_ROLES = [ROLE, 'arn:aws:iam::000000000000:role/sagemaker-test'];

/** One client per service; `maxAttempts: 1` so an injected fault is seen, not retried away. */
export function clientsFor(sandbox: Sandbox) {
  for (const role of ALL_ALLOWED_ROLES) sandbox.iam.putRole(role, [ALLOW_ALL]);
  const config = { ...sandbox.clientConfig, maxAttempts: 1 };
  const clients = {
    lambda: new LambdaClient(config),
    sfn: new SFNClient(config),
    cloudwatch: new CloudWatchClient(config),
    dynamo: new DynamoDBClient(config),
    s3: new S3Client(config),
    eventbridge: new EventBridgeClient(config),
    destroy(): void {
      for (const c of [clients.lambda, clients.sfn, clients.cloudwatch, clients.dynamo, clients.s3, clients.eventbridge]) c.destroy();
    },
  };
  return clients;
}

/** Creates a function whose code is a fixture module under test/sandbox/fixtures/handlers. */
export async function createFixtureFunction(
  lambda: LambdaClient,
  name: string,
  fixture: string,
  extra: Partial<CreateFunctionCommandInput> = {},
): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: ROLE,
      Runtime: 'nodejs22.x',
      Handler: `${FIXTURES}/handlers/${fixture}.handler`,
      Code: {},
      ...extra,
    }),
  );
}

/** Polls until `accept` holds (bounded in wall time); returns the last value either way. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}

/** An SDK service exception: its name, HTTP status and modelled members. */
export type SdkError = Error & { $metadata?: { httpStatusCode?: number }; [member: string]: unknown };

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export function json(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}
