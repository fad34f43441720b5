import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Ledger } from '../functions/shared/ledger';
import type { RouterClients } from '../functions/shared/routers';
import { UsageError } from './errors';

/** Options every command shares; flags win over the environment. */
export interface GlobalOptions {
  endpoint?: string;
  region?: string;
  stateMachineArn?: string;
  table?: string;
  json?: boolean;
}

export interface CliConfig {
  region: string;
  endpoint?: string;
  stateMachineArn: string;
  tableName: string;
  json: boolean;
}

/** The sandbox's fixed account (sandbox/index.ts) and default names (sandbox/deploy-orchestrator.ts). */
const SANDBOX_ACCOUNT = '000000000000';
/**
 * The ledger table of the ready stack as the sandbox deploys it (`<stack>-<logical id>`, from the
 * synthesized template; test/sandbox/deploy-orchestrator.test.ts checks it): the default against a sandbox.
 */
export const SANDBOX_LEDGER_TABLE = 'Cutover-OrchestratorLedgerFA9BED81';

export function resolveConfig(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const endpoint = o.endpoint ?? env.AWS_ENDPOINT_URL;
  const region = o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  if (!region) throw new UsageError('no AWS region: pass --region or set AWS_REGION');
  const stateMachineArn =
    o.stateMachineArn ??
    env.CUTOVER_STATE_MACHINE_ARN ??
    (endpoint ? `arn:aws:states:${region}:${SANDBOX_ACCOUNT}:stateMachine:cutover-release` : undefined);
  if (!stateMachineArn) {
    throw new UsageError('no state machine: pass --state-machine-arn or set CUTOVER_STATE_MACHINE_ARN (the StateMachineArn output of the Cutover stack)');
  }
  const tableName = o.table ?? env.CUTOVER_LEDGER_TABLE ?? (endpoint ? SANDBOX_LEDGER_TABLE : undefined);
  if (!tableName) throw new UsageError('no ledger table: pass --table or set CUTOVER_LEDGER_TABLE (the LedgerTableName output of the Cutover stack)');
  return { region, endpoint, stateMachineArn, tableName, json: Boolean(o.json) };
}

/** AWS clients for the CLI: the same SDK calls against AWS or the sandbox. */
export function cliClients(config: CliConfig) {
  const base = { region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}) };
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(base), { marshallOptions: { removeUndefinedValues: true } });
  const lambda = new LambdaClient(base);
  // The router clients of the other target kinds, made on first use.
  const lazy = new Map<string, { destroy(): void }>();
  const once = <T extends { destroy(): void }>(key: string, make: () => T) => () => (lazy.get(key) ?? lazy.set(key, make()).get(key)) as T;
  const routers: RouterClients = {
    lambda: () => lambda,
    apigateway: once('apigateway', () => new APIGatewayClient(base)),
    sagemaker: once('sagemaker', () => new SageMakerClient(base)),
    sagemakerRuntime: once('sagemakerRuntime', () => new SageMakerRuntimeClient(base)),
  };
  return {
    sfn: new SFNClient(base),
    lambda,
    dynamo,
    ledger: new Ledger(dynamo, config.tableName),
    /** What routerFor needs, for any target kind. */
    routers,
    destroy() {
      this.sfn.destroy();
      lambda.destroy();
      dynamo.destroy();
      for (const c of lazy.values()) c.destroy();
    },
  };
}
export type CliClients = ReturnType<typeof cliClients>;
