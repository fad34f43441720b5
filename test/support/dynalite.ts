import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Ledger, LEDGER_TABLE_KEYS } from '../../core/ledger';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (opts: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => import('node:http').Server;

/**
 * A real (in-memory) DynamoDB for the ledger, so conditional writes behave as
 * on AWS. Points the SDK at it through AWS_ENDPOINT_URL_DYNAMODB.
 */
export async function startLedgerTable(tableName = 'cutover-ledger-test') {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.LEDGER_TABLE_NAME = tableName;
  const ddb = new DynamoDBClient({ endpoint });
  await ddb.send(
    new CreateTableCommand({ TableName: tableName, BillingMode: 'PAY_PER_REQUEST', ...LEDGER_TABLE_KEYS }),
  );
  ddb.destroy();
  return {
    endpoint,
    tableName,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A Ledger over its own in-memory table for the whole test file (jest
 * beforeAll/afterAll); call `ledger()` inside tests.
 */
export function useLedger(tableName: string): { ledger: () => Ledger } {
  let table: Awaited<ReturnType<typeof startLedgerTable>>;
  let client: DynamoDBClient;
  let ledger: Ledger;
  beforeAll(async () => {
    table = await startLedgerTable(tableName);
    client = new DynamoDBClient({ endpoint: table.endpoint });
    ledger = new Ledger(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }), table.tableName);
  });
  afterAll(async () => {
    client.destroy();
    await table.stop();
  });
  return { ledger: () => ledger };
}
