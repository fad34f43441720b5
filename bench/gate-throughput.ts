/**
 * What the gate chain costs per request, in a bounded loop:
 *  - in process: requests/s through normalize() + the gates, without HTTP;
 *  - over HTTP: requests/s of SDK v3 calls (Lambda GetAlias, restJson1;
 *    DynamoDB GetItem via dynalite, awsJson1_0) against a sandbox with no
 *    gates (the body is not even buffered), with a no-op gate (buffering,
 *    replay and normalizing) and with model validation.
 *
 * Run: `npx tsx bench/gate-throughput.ts [iterations]` (default 2000 per case in process, 500 over HTTP).
 */
import type { IncomingMessage } from 'node:http';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { startSandbox } from '../sandbox';
import { runGates, type RequestGate } from '../sandbox/gate';
import { validationGate } from '../sandbox/models/validate';
import { destination, normalize } from '../sandbox/normalize';

const ITERATIONS = Number(process.argv[2] ?? 2000);

async function inProcess(label: string, gates: RequestGate[], method: string, path: string, headers: Record<string, string>, body: string): Promise<void> {
  const url = new URL(path, 'http://127.0.0.1');
  const req = { method, url: path, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-1/x/aws4_request, SignedHeaders=host, Signature=0', ...headers } } as unknown as IncomingMessage;
  const raw = Buffer.from(body);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i += 1) {
    const dest = destination(req, url);
    if (!dest) throw new Error('no destination');
    await runGates(gates, normalize(dest, req, url, raw)).catch(() => undefined);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`in process  ${label.padEnd(58)} ${Math.round(ITERATIONS / seconds).toString().padStart(8)} req/s\n`);
}

type Mode = 'no gates' | 'a no-op gate' | 'validation';

async function overHttp(mode: Mode): Promise<void> {
  const sandbox = await startSandbox({ quiet: true, validateRequests: mode === 'validation' });
  if (mode === 'a no-op gate') sandbox.useGate(() => undefined);
  const config = { ...sandbox.clientConfig, maxAttempts: 1 };
  const lambda = new LambdaClient(config);
  const dynamo = new DynamoDBClient(config);
  try {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'bench', Role: 'arn:aws:iam::000000000000:role/bench', Runtime: 'nodejs20.x', Handler: 'test/sandbox/fixtures/handlers/echo.handler', Code: {} }));
    await lambda.send(new PublishVersionCommand({ FunctionName: 'bench' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'bench', Name: 'live', FunctionVersion: '1' }));
    await dynamo.send(new CreateTableCommand({ TableName: 'bench', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
    const n = Math.max(50, Math.round(ITERATIONS / 4));
    for (const [label, call] of [
      ['Lambda GetAlias (restJson1)', () => lambda.send(new GetAliasCommand({ FunctionName: 'bench', Name: 'live' }))],
      ['DynamoDB GetItem (awsJson1_0, dynalite)', () => dynamo.send(new GetItemCommand({ TableName: 'bench', Key: { pk: { S: 'x' } } }))],
    ] as const) {
      for (let i = 0; i < 20; i += 1) await call(); // warm-up
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i += 1) await call();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(`over HTTP   ${`${label}, ${mode}`.padEnd(58)} ${Math.round(n / seconds).toString().padStart(8)} req/s\n`);
    }
  } finally {
    lambda.destroy();
    dynamo.destroy();
    await sandbox.stop();
  }
}

async function main(): Promise<void> {
  const validation = [validationGate()];
  const updateAlias = JSON.stringify({ FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } }, RevisionId: 'r1' });
  const endpointConfig = JSON.stringify({ EndpointConfigName: 'release-42-green', ProductionVariants: [{ VariantName: 'green', ModelName: 'model-42', InitialInstanceCount: 1, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 }], Tags: [{ Key: 'cutover:release', Value: 'r-42' }] });
  for (const [label, gates] of [['normalize only', []], ['normalize + validation', validation]] as const) {
    await inProcess(`Lambda UpdateAlias, ${label}`, [...gates], 'PUT', '/2015-03-31/functions/checkout/aliases/live', {}, updateAlias);
    await inProcess(`SageMaker CreateEndpointConfig, ${label}`, [...gates], 'POST', '/', { 'x-amz-target': 'SageMaker.CreateEndpointConfig', 'content-type': 'application/x-amz-json-1.1' }, endpointConfig);
  }
  for (const mode of ['no gates', 'a no-op gate', 'validation'] as const) await overHttp(mode);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
