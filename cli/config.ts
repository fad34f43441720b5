import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Ledger } from '../core/ledger';
import type { RouterClients } from '../targets';
import { UsageError } from './errors';
import { askSandbox, isLoopbackEndpoint, SANDBOX_CREDENTIALS, type SandboxClock, type SandboxHealth } from './sandbox-endpoint';

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
  /** Set when the endpoint is the Cutover sandbox: its times and durations are on this (virtual) clock. */
  sandbox?: SandboxClock;
}

/** The sandbox's fixed account (sandbox/index.ts) and default names (sandbox/deploy-orchestrator.ts). */
const SANDBOX_ACCOUNT = '000000000000';
/**
 * The ledger table of the ready stack as the sandbox deploys it (`<stack>-<logical id>`, from the
 * synthesized template; test/sandbox/deploy-orchestrator.test.ts checks it): the default against a sandbox.
 */
export const SANDBOX_LEDGER_TABLE = 'Cutover-OrchestratorLedgerFA9BED81';

/**
 * Flags win over the environment. On the sandbox (`sandbox` given, from its health route) the
 * sandbox's own region and deployment win over the environment, which may name your real AWS.
 */
export function resolveConfig(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env, sandbox?: SandboxHealth, readAtWallMs = Date.now()): CliConfig {
  const endpoint = o.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
  const region = o.region ?? sandbox?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  if (!region) throw new UsageError('no AWS region: pass --region or set AWS_REGION');
  const stateMachineArn =
    o.stateMachineArn ??
    sandbox?.outputs?.StateMachineArn ??
    env.CUTOVER_STATE_MACHINE_ARN ??
    (endpoint ? `arn:aws:states:${region}:${SANDBOX_ACCOUNT}:stateMachine:cutover-release` : undefined);
  if (!stateMachineArn) {
    throw new UsageError('no state machine: pass --state-machine-arn or set CUTOVER_STATE_MACHINE_ARN (the StateMachineArn output of the Cutover stack)');
  }
  const tableName = o.table ?? sandbox?.outputs?.LedgerTableName ?? env.CUTOVER_LEDGER_TABLE ?? (endpoint ? SANDBOX_LEDGER_TABLE : undefined);
  if (!tableName) throw new UsageError('no ledger table: pass --table or set CUTOVER_LEDGER_TABLE (the LedgerTableName output of the Cutover stack)');
  return {
    region,
    endpoint,
    stateMachineArn,
    tableName,
    json: Boolean(o.json),
    ...(sandbox ? { sandbox: { timeScale: sandbox.timeScale, readNowMs: Date.parse(sandbox.now), readAtWallMs } } : {}),
  };
}

/** resolveConfig, after asking a loopback endpoint whether it is the sandbox (AWS endpoints are not asked). */
export async function loadConfig(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<CliConfig> {
  const endpoint = o.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
  const sandbox = endpoint && isLoopbackEndpoint(endpoint) ? await askSandbox(endpoint) : undefined;
  return resolveConfig(o, env, sandbox);
}

/** AWS clients for the CLI: the same SDK calls against AWS or the sandbox. */
export function cliClients(config: CliConfig) {
  const base = {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // The sandbox takes its operator key; no credential chain (nothing may be configured in a new terminal).
    ...(config.sandbox ? { credentials: { ...SANDBOX_CREDENTIALS } } : {}),
  };
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
