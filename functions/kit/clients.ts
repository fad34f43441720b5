import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
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

/**
 * Per-attempt timeout of the control-plane calls (alias, version, alarm,
 * ledger, execution, golden-set reads). These answer in well under a second;
 * 5 s is ten times that, and 3 attempts of 5 s plus back-off (about 16 s) still
 * fit inside the handlers' 30 s function timeout and RollBackToBlue's 30 s
 * Task timeout. So a hung call surfaces as a TimeoutError → TransientAwsError
 * and the state's Retry, instead of the function being killed with nothing
 * recorded. Without `throwOnRequestTimeout` the SDK only logs a warning.
 * Invoking the AI service is bounded by its own function timeout instead
 * (see the Lambda router). CUTOVER_AWS_REQUEST_TIMEOUT_MS overrides it (the
 * fault matrix uses a shorter one so that its latency cases stay quick).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

// Short SDK-level retries: Step Functions retries the Task itself.
function base() {
  const requestTimeout = Number(process.env.CUTOVER_AWS_REQUEST_TIMEOUT_MS) || DEFAULT_REQUEST_TIMEOUT_MS;
  return { maxAttempts: 3, requestHandler: { requestTimeout, connectionTimeout: Math.min(requestTimeout, 3_000), throwOnRequestTimeout: true } };
}

export const clients = {
  lambda: () => once('lambda', () => new LambdaClient(base())),
  cloudwatch: () => once('cloudwatch', () => new CloudWatchClient(base())),
  sfn: () => once('sfn', () => new SFNClient(base())),
  eventbridge: () => once('eventbridge', () => new EventBridgeClient(base())),
  apigateway: () => once('apigateway', () => new APIGatewayClient(base())),
  sagemaker: () => once('sagemaker', () => new SageMakerClient(base())),
  // InvokeEndpoint is bounded per call by the SageMaker router (requestTimeout 0: the model's own 60 s limit applies).
  sagemakerRuntime: () => once('sagemakerRuntime', () => new SageMakerRuntimeClient(base())),
  s3: () =>
    once('s3', () => new S3Client({ ...base(), forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3) })),
  dynamo: () =>
    once('dynamo', () =>
      DynamoDBDocumentClient.from(new DynamoDBClient(base()), { marshallOptions: { removeUndefinedValues: true } }),
    ),
};

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the CDK construct sets it)`);
  return value;
}
