/**
 * Deploys the Cutover orchestrator into a running sandbox, the way the CDK
 * stack deploys it on AWS, through the same SDK calls:
 *  - the ledger table (pk S hash, sk S range, on-demand);
 *  - one Lambda function per task folder, `cutover-<folder>`, whose code is the
 *    local module `functions/<folder>/handler.ts`;
 *  - the state machine from `statemachine/release.asl.json`, each
 *    `${<Task>FunctionArn}` placeholder replaced by the matching function's ARN
 *    (SAM's DefinitionSubstitutions convention).
 * Running it again updates the functions and the state machine in place.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException as TableNotFound } from '@aws-sdk/client-dynamodb';
import { CreateFunctionCommand, LambdaClient, ResourceNotFoundException as FunctionNotFound, UpdateFunctionConfigurationCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { LEDGER_TABLE_KEYS } from '../functions/shared/ledger';
import type { Sandbox } from './index';
import type { PolicyDocument } from './services/iam';

/** The orchestrator's task folders under functions/ (see infra/defaults.ts). */
export const ORCHESTRATOR_FOLDERS = [
  'validate-input',
  'acquire-lock',
  'prepare-green',
  'check-green-ready',
  'smoke-test',
  'arm-alarms',
  'shift-traffic',
  'check-alarms',
  'roll-back',
  'decommission',
  'release-lock',
  'record-outcome',
] as const;

export interface DeployOrchestratorOptions {
  /** @default 'cutover-release' */
  readonly stateMachineName?: string;
  /** @default 'cutover-ledger' */
  readonly tableName?: string;
  /** ASL file, relative to the sandbox repoRoot. @default 'statemachine/release.asl.json' */
  readonly definitionPath?: string;
  /** Folder holding one sub-folder per task, relative to repoRoot. @default 'functions' */
  readonly functionsDir?: string;
  /** Task folders to deploy (those the ASL references are always deployed). @default ORCHESTRATOR_FOLDERS */
  readonly folders?: readonly string[];
  /** Function name prefix. @default 'cutover-' */
  readonly functionPrefix?: string;
  /** Extra environment variables for every function (e.g. CUTOVER_MANAGED_FUNCTIONS). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Values for placeholders other than `${…FunctionArn}`. */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Function timeout in seconds. @default 60 */
  readonly timeoutSeconds?: number;
  /**
   * Start every function's execution environment now, so cold starts (about a
   * wall second each, i.e. timeScale seconds of virtual time) do not land
   * inside a rehearsal; a handler module that fails to load fails the deploy. @default true
   */
  readonly prewarm?: boolean;
}

export interface DeployedOrchestrator {
  readonly stateMachineArn: string;
  readonly tableName: string;
  /** Function name per task folder. */
  readonly functions: Readonly<Record<string, string>>;
}

/** The state machine's role. */
export const ORCHESTRATOR_ROLE = 'arn:aws:iam::000000000000:role/cutover-sandbox';
const ROLE = ORCHESTRATOR_ROLE;
/** Each Task function's own execution role, as the CDK app gives each one (`cutover-sandbox-<folder>`). */
export const taskRole = (folder: string): string => `${ORCHESTRATOR_ROLE}-${folder}`;

/**
 * TEMPORARY BRIDGE (issue #10): this hand-written deployer gives the state
 * machine and each function a role of its own, registered here with an explicit
 * allow-all policy (unless already registered) so that IAM enforcement is on
 * without the template's roles. The
 * synthesized deployment (branch h/synth) replaces this with the template's own
 * roles and their policies; delete this with the hand-written task list.
 */
const ALLOW_ALL: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** `roll-back` → `RollBack`. */
export function pascalCase(folder: string): string {
  return folder
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/**
 * The task folder a `${XFunctionArn}` placeholder names: the folder whose
 * PascalCase is X, else the longest folder whose PascalCase starts X (so
 * `RollBackToBlueFunctionArn` still finds `roll-back`).
 */
export function folderForPlaceholder(placeholder: string, folders: readonly string[]): string | undefined {
  const stem = placeholder.replace(/FunctionArn$/, '');
  const exact = folders.find((f) => pascalCase(f) === stem);
  if (exact) return exact;
  return [...folders].filter((f) => stem.startsWith(pascalCase(f))).sort((a, b) => b.length - a.length)[0];
}

export async function deployOrchestrator(sandbox: Sandbox, options: DeployOrchestratorOptions = {}): Promise<DeployedOrchestrator> {
  const stateMachineName = options.stateMachineName ?? 'cutover-release';
  const tableName = options.tableName ?? 'cutover-ledger';
  const prefix = options.functionPrefix ?? 'cutover-';
  const repoRoot = sandbox.repoRoot;
  const functionsDir = options.functionsDir ?? 'functions';
  const definitionFile = path.join(repoRoot, options.definitionPath ?? 'statemachine/release.asl.json');
  const handlerFile = (folder: string) => ['.ts', '.js', '.mjs', '.cjs'].map((ext) => path.join(repoRoot, functionsDir, folder, `handler${ext}`)).find((f) => existsSync(f));

  if (!existsSync(definitionFile)) throw new Error(`deployOrchestrator: no state machine definition at ${definitionFile}`);
  const definitionTemplate = readFileSync(definitionFile, 'utf8');
  const available = existsSync(path.join(repoRoot, functionsDir))
    ? readdirSync(path.join(repoRoot, functionsDir), { withFileTypes: true }).filter((d) => d.isDirectory() && handlerFile(d.name)).map((d) => d.name)
    : [];

  // Which folder each placeholder needs, failing early with the list of what is missing.
  const placeholders = [...new Set([...definitionTemplate.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))];
  const substitutions: Record<string, string> = { LedgerTableName: tableName, TableName: tableName, ...options.substitutions };
  const functionPlaceholders = new Map<string, string>();
  const unresolved: string[] = [];
  for (const p of placeholders) {
    if (p in substitutions) continue;
    const folder = p.endsWith('FunctionArn') ? folderForPlaceholder(p, available) : undefined;
    if (folder) functionPlaceholders.set(p, folder);
    else unresolved.push(p);
  }
  if (unresolved.length) {
    throw new Error(
      `deployOrchestrator: no value for placeholder(s) ${unresolved.map((p) => `\${${p}}`).join(', ')} in ${definitionFile} ` +
        `(function folders with a handler under ${functionsDir}/: ${available.join(', ') || 'none'}; pass other values in options.substitutions)`,
    );
  }
  const folders = [...new Set([...(options.folders ?? ORCHESTRATOR_FOLDERS).filter((f) => available.includes(f)), ...functionPlaceholders.values()])];

  if (!sandbox.iam.role(ROLE)) sandbox.iam.putRole(ROLE, [ALLOW_ALL]);
  const config = { ...sandbox.clientConfig, maxAttempts: 3 };
  const dynamo = new DynamoDBClient(config);
  const lambda = new LambdaClient(config);
  const sfn = new SFNClient(config);
  try {
    try {
      await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (err) {
      if (!(err instanceof TableNotFound)) throw err;
      await dynamo.send(
        new CreateTableCommand({ TableName: tableName, ...LEDGER_TABLE_KEYS, BillingMode: 'PAY_PER_REQUEST' }),
      );
    }

    const functions: Record<string, string> = {};
    for (const folder of folders) {
      if (!sandbox.iam.role(taskRole(folder))) sandbox.iam.putRole(taskRole(folder), [ALLOW_ALL]);
      const name = `${prefix}${folder}`;
      // AWS_REGION and credentials are provided by the (sandbox) Lambda runtime, as on AWS, where they are reserved keys.
      const settings = {
        Handler: `${functionsDir}/${folder}/handler.handler`,
        Runtime: 'nodejs22.x' as const,
        Role: taskRole(folder),
        Timeout: options.timeoutSeconds ?? 60,
        MemorySize: 512,
        Environment: {
          Variables: {
            LEDGER_TABLE_NAME: tableName,
            POWERTOOLS_SERVICE_NAME: 'cutover',
            POWERTOOLS_LOG_LEVEL: 'WARN',
            CUTOVER_ALARM_PREFIX: 'cutover-',
            CUTOVER_ACCOUNT_ID: sandbox.account,
            AWS_ENDPOINT_URL: sandbox.url,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...options.environment,
          },
        },
      };
      try {
        await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...settings }));
      } catch (err) {
        if (!(err instanceof FunctionNotFound)) throw err;
        await lambda.send(new CreateFunctionCommand({ FunctionName: name, ...settings, Code: {}, Description: `Cutover task ${folder} (sandbox)` }));
      }
      functions[folder] = name;
    }

    if (options.prewarm !== false) {
      const results = await Promise.all(Object.values(functions).map(async (name) => ({ name, result: await sandbox.lambda.prewarm(name) })));
      const broken = results.flatMap(({ name, result }) => (result.ok ? [] : [`${name}: ${result.error.errorType}: ${result.error.errorMessage}`]));
      if (broken.length) throw new Error(`deployOrchestrator: handler module(s) failed to load:\n  ${broken.join('\n  ')}`);
    }

    let definition = definitionTemplate;
    for (const [p, folder] of functionPlaceholders) definition = definition.split(`\${${p}}`).join(sandbox.lambda.functionArn(`${prefix}${folder}`));
    for (const [p, value] of Object.entries(substitutions)) definition = definition.split(`\${${p}}`).join(value);

    const existing = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find((m) => m.name === stateMachineName);
    let stateMachineArn: string;
    if (existing?.stateMachineArn) {
      await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: existing.stateMachineArn, definition, roleArn: ROLE }));
      stateMachineArn = existing.stateMachineArn;
    } else {
      stateMachineArn = (await sfn.send(new CreateStateMachineCommand({ name: stateMachineName, definition, roleArn: ROLE, type: 'STANDARD' }))).stateMachineArn as string;
    }
    return { stateMachineArn, tableName, functions };
  } finally {
    dynamo.destroy();
    lambda.destroy();
    sfn.destroy();
  }
}
