import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One client of each kind per process, created on first use so that a cold
 * start pays only for what the handler calls. Endpoints come from the
 * environment (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>), which is how the
 * sandbox redirects the same code to localhost.
 */
const cache = new Map<string, unknown>();

function once<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

// Short SDK-level retries: Step Functions retries the Task itself.
const base = { maxAttempts: 3 };

export const clients = {
  lambda: () => once('lambda', () => new LambdaClient(base)),
  cloudwatch: () => once('cloudwatch', () => new CloudWatchClient(base)),
  sfn: () => once('sfn', () => new SFNClient(base)),
  s3: () =>
    once('s3', () => new S3Client({ ...base, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3) })),
  dynamo: () =>
    once('dynamo', () =>
      DynamoDBDocumentClient.from(new DynamoDBClient(base), { marshallOptions: { removeUndefinedValues: true } }),
    ),
};

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the CDK construct sets it)`);
  return value;
}
