import { CreateAliasCommand, CreateFunctionCommand, PublishVersionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PolicyDocument } from '../../sandbox/services/iam';

/** Where the rehearsal keeps the example service's artifacts and golden set (sandbox S3). */
export const BUCKET = 'cutover-rehearsal';
export const FUNCTION = 'ai-handler';
export const ALIAS = 'production';
export const GOLDEN_SET_URI = `s3://${BUCKET}/ai-handler/golden-set.jsonl`;
/** Where the orchestrator may read golden sets (`-c goldenSetBuckets`): the example service's prefix. */
export const GOLDEN_SET_LOCATION = `${BUCKET}/ai-handler/`;
export const modelUri = (name: string) => `s3://${BUCKET}/ai-handler/models/${name}.json`;

const EXAMPLE = __dirname;

/** The example service's Lambda execution role and its SageMaker model execution role. */
export const HANDLER_ROLE = 'arn:aws:iam::000000000000:role/ai-handler';
export const MODEL_ROLE = 'arn:aws:iam::000000000000:role/ai-service-model';

/**
 * What the example service's code needs, as a user's CDK stack would grant it
 * (`bucket.grantRead(fn, 'ai-handler/models/*')`): load-artifact.ts reads its
 * model with s3:GetObject; metrics go out as EMF log lines, not API calls.
 */
export const EXAMPLE_SERVICE_ROLES: Readonly<Record<string, readonly PolicyDocument[]>> = Object.fromEntries(
  [HANDLER_ROLE, MODEL_ROLE].map((role) => [
    role,
    [{ Version: '2012-10-17', Statement: [{ Sid: 'ReadModels', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/ai-handler/models/*` }] }],
  ]),
);

/**
 * Upload the example service's model artifacts and golden set, then deploy it
 * the way a team would before adopting Cutover: v1 published and behind the
 * `production` alias (blue). `v2-retrained` is v2's artifact under another
 * key: a release that passes every gate, used to show a manual rollback.
 */
export async function deployExampleService(
  clients: { s3: S3Client; lambda: LambdaClient; iam?: { putRole(arn: string, policies: readonly PolicyDocument[]): unknown } },
  handler = 'examples/ai-service/handler.handler',
): Promise<{ blue: string }> {
  for (const [role, policies] of Object.entries(EXAMPLE_SERVICE_ROLES)) clients.iam?.putRole(role, policies);
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const put = (key: string, body: string) => clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  for (const v of ['v1', 'v2', 'v3', 'v4']) await put(`ai-handler/models/${v}.json`, readFileSync(path.join(EXAMPLE, 'models', `${v}.json`), 'utf8'));
  await put('ai-handler/models/v2-retrained.json', readFileSync(path.join(EXAMPLE, 'models', 'v2.json'), 'utf8'));
  await put('ai-handler/golden-set.jsonl', readFileSync(path.join(EXAMPLE, 'golden-set.jsonl'), 'utf8'));
  await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: FUNCTION,
      Runtime: 'nodejs22.x',
      Role: HANDLER_ROLE,
      Handler: handler,
      Code: {},
      Timeout: 10,
      Environment: { Variables: { MODEL_URI: modelUri('v1'), POWERTOOLS_METRICS_NAMESPACE: 'Cutover' } },
    }),
  );
  const v1 = await clients.lambda.send(new PublishVersionCommand({ FunctionName: FUNCTION, Description: 'v1' }));
  await clients.lambda.send(new CreateAliasCommand({ FunctionName: FUNCTION, Name: ALIAS, FunctionVersion: v1.Version! }));
  return { blue: v1.Version! };
}
