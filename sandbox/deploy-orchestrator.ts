/**
 * Deploys what `cdk synth` produces into a running sandbox, as CloudFormation
 * would deploy it on AWS: the ready stack CutoverStack (or a user's own stack
 * holding a ReleaseOrchestrator), synthesized in process (sandbox/synth.ts,
 * cached by a hash of its inputs) and its intrinsics resolved by
 * cfn-resolver-lib (sandbox/template-resolver.ts). From the template, as it is:
 *  - every IAM role with its inline policies and the AWS::IAM::Policy documents
 *    attached to it (what the IAM enforcement authorizes against);
 *  - the ledger table (its key schema and billing mode);
 *  - each function's Role, Runtime, Timeout, MemorySize and Environment; its
 *    code is the sandbox's bundle of the handler the construct names
 *    (`aws:cdk:path` → the Task → functions/<folder>/handler.ts), as asset
 *    bundling is skipped in the synthesis;
 *  - the state machine's definition with its DefinitionSubstitutions and role;
 *  - each EventBridge rule whose targets are all functions of the template
 *    (the reconciler's, on the state machine's own status changes), and each
 *    Lambda permission on such a function.
 * Not deployed (listed in `skipped`): log groups, the KMS key, SNS topics and
 * the notifications' rule that targets one (the sandbox has no CloudWatch Logs
 * and KMS; triggers are deployed by the tests that exercise them).
 *
 * The only values the sandbox adds are those the Lambda runtime provides on
 * AWS (`AWS_ENDPOINT_URL`, to reach the sandbox) and the knobs a caller passes
 * in `environment` (request timeouts, poll cadence), named in the result.
 * Running it again updates the functions and the state machine in place.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException as TableNotFound, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException as FunctionNotFound,
  UpdateFunctionConfigurationCommand,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand, type Target as RuleTarget } from '@aws-sdk/client-eventbridge';
import { RECONCILER_FUNCTION, TASK_FUNCTIONS, TRIGGER_FUNCTION } from '../infra/defaults';
import type { Sandbox } from './index';
import type { PolicyDocument } from './services/iam';
import { synthesizeStack, type StackSource } from './synth';
import { resolveTemplate, unresolvedIn, type ResolvedTemplate } from './template-resolver';

export interface DeployOrchestratorOptions {
  /** The stack to synthesize and deploy, with its context (managedFunctions, managedEndpoints, …). @default the ready stack, no context */
  readonly source?: StackSource;
  /** Folder of the sandbox's handler bundles, one sub-folder per task folder, relative to repoRoot. @default 'functions' (the TypeScript sources) */
  readonly functionsDir?: string;
  /** Where the trigger's handler is (its folder under it): `triggers`, or the sandbox's bundles of it. */
  readonly triggersDir?: string;
  /** Values added to every function's environment (sandbox knobs: a request timeout, a poll cadence). */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Start every function's execution environment now, so cold starts (about a
   * wall second each, i.e. timeScale seconds of virtual time) do not land
   * inside a rehearsal; a handler module that fails to load fails the deploy. @default true
   */
  readonly prewarm?: boolean;
}

export interface DeployedOrchestrator {
  readonly stackName: string;
  readonly stateMachineArn: string;
  readonly stateMachineRoleArn: string;
  readonly tableName: string;
  /** Function name per task folder (`validate-input`, …). */
  readonly functions: Readonly<Record<string, string>>;
  /** Execution role ARN per task folder. */
  readonly roles: Readonly<Record<string, string>>;
  /** Resources of the template the sandbox does not deploy: logical id → type. */
  readonly skipped: Readonly<Record<string, string>>;
  /** Whether the template came from the synthesis cache, and how long getting it took. */
  readonly synth: { readonly cached: boolean; readonly ms: number };
  /** The resolved template, for tests that read a role's policies. */
  readonly template: ResolvedTemplate;
}

/** The folder under functions/ of a function, from its construct path (`Cutover/Orchestrator/ValidateInput/Resource`). */
export function folderOfConstructPath(cdkPath: string): string | undefined {
  const parts = cdkPath.split('/');
  const task = [...TASK_FUNCTIONS, RECONCILER_FUNCTION].find((t) => parts.at(-2) === t.task);
  if (task) return task.folder;
  if (parts.at(-3) === TRIGGER_FUNCTION.construct && parts.at(-2) === TRIGGER_FUNCTION.function) return TRIGGER_FUNCTION.folder;
  return undefined;
}

type Props = Record<string, unknown>;
const props = (r: { Properties?: Props }): Props => r.Properties ?? {};

/**
 * Each role's policies: its inline Policies, every AWS::IAM::Policy and AWS::IAM::ManagedPolicy naming it
 * in Roles, and the template's managed policies its ManagedPolicyArns name (the CDK moves statements
 * into an "OverflowPolicy" ManagedPolicy when a role's policy would pass IAM's size limit). AWS managed
 * policies (arn:aws:iam::aws:policy/…) are not attached: the sandbox has none of their services (Logs).
 */
export function rolePolicies(t: Pick<ResolvedTemplate, 'resources' | 'names' | 'refs' | 'attributes'>): Map<string, { arn: string; policies: PolicyDocument[] }> {
  const roles = new Map<string, { arn: string; policies: PolicyDocument[] }>();
  const byName = new Map<string, string>();
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    const inline = ((props(r).Policies as { PolicyDocument: PolicyDocument }[] | undefined) ?? []).map((p) => p.PolicyDocument);
    roles.set(id, { arn: roleArnOf(t, id), policies: inline });
    byName.set(t.names[id] as string, id);
  }
  const managedByArn = new Map<string, PolicyDocument>();
  for (const [id, r] of Object.entries(t.resources)) if (r.Type === 'AWS::IAM::ManagedPolicy') managedByArn.set(t.refs[id] as string, props(r).PolicyDocument as PolicyDocument);
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    for (const arn of (props(r).ManagedPolicyArns as string[] | undefined) ?? []) {
      const doc = managedByArn.get(arn);
      if (doc) roles.get(id)!.policies.push(doc);
    }
  }
  for (const r of Object.values(t.resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    for (const roleName of (props(r).Roles as string[] | undefined) ?? []) {
      const id = byName.get(roleName);
      if (!id) throw new Error(`deployOrchestrator: policy ${String(props(r).PolicyName ?? props(r).ManagedPolicyName ?? '')} is attached to role ${roleName}, which the template does not create`);
      roles.get(id)!.policies.push(props(r).PolicyDocument as PolicyDocument);
    }
  }
  // A managed policy may name the role in its Roles and be in the role's ManagedPolicyArns too: attached once.
  for (const role of roles.values()) role.policies = [...new Set(role.policies)];
  return roles;
}

function roleArnOf(t: Pick<ResolvedTemplate, 'attributes'>, id: string): string {
  const arn = t.attributes[id]?.Arn;
  if (!arn) throw new Error(`deployOrchestrator: no ARN for role ${id}`);
  return arn;
}

const SKIPPED_TYPES = new Set(['AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'AWS::CDK::Metadata']);
const HANDLED_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::DynamoDB::Table',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::StepFunctions::StateMachine',
  'AWS::Events::Rule',
]);

export async function deployOrchestrator(sandbox: Sandbox, options: DeployOrchestratorOptions = {}): Promise<DeployedOrchestrator> {
  const synthesized = synthesizeStack(sandbox.repoRoot, options.source ?? {});
  const t = resolveTemplate(synthesized.template, { stackName: synthesized.stackName, account: sandbox.account, region: sandbox.region });
  const skipped: Record<string, string> = {};
  const functionArns = functionArnsOf(t);
  for (const [id, r] of Object.entries(t.resources)) {
    // A rule to a target the sandbox does not deploy (the notifications' SNS topic) is not deployed either.
    if (r.Type === 'AWS::Events::Rule' && !ruleTargetsAreFunctions(functionArns, r)) skipped[id] = r.Type;
    else if (HANDLED_TYPES.has(r.Type)) {
      const left = unresolvedIn(r.Type === 'AWS::IAM::Role' ? { ...props(r), AssumeRolePolicyDocument: undefined } : props(r));
      if (left.length) throw new Error(`deployOrchestrator: ${id} (${r.Type}) still holds unresolved intrinsics at ${left.join(', ')}`);
    } else if (SKIPPED_TYPES.has(r.Type)) skipped[id] = r.Type;
    else throw new Error(`deployOrchestrator: the template has a ${r.Type} (${id}) the sandbox cannot deploy: deploy it in the test, or teach the sandbox`);
  }

  // Roles first, as CloudFormation orders them (functions DependsOn their role and its policy).
  const roles = rolePolicies(t);
  for (const { arn, policies } of roles.values()) sandbox.iam.putRole(arn, policies);

  const config = { ...sandbox.clientConfig, maxAttempts: 3 };
  const dynamo = new DynamoDBClient(config);
  const lambda = new LambdaClient(config);
  const sfn = new SFNClient(config);
  const eventbridge = new EventBridgeClient(config);
  try {
    let tableName = '';
    for (const [id, r] of Object.entries(t.resources)) {
      if (r.Type !== 'AWS::DynamoDB::Table') continue;
      const p = props(r);
      tableName = t.names[id] as string;
      try {
        await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
      } catch (err) {
        if (!(err instanceof TableNotFound)) throw err;
        await dynamo.send(
          new CreateTableCommand({
            TableName: tableName,
            KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
            AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
            BillingMode: (p.BillingMode as CreateTableCommandInput['BillingMode']) ?? 'PROVISIONED',
            ...(p.ProvisionedThroughput ? { ProvisionedThroughput: p.ProvisionedThroughput as CreateTableCommandInput['ProvisionedThroughput'] } : {}),
          }),
        );
      }
    }

    const functions: Record<string, string> = {};
    const functionRoles: Record<string, string> = {};
    const functionsDir = options.functionsDir ?? 'functions';
    const triggersDir = options.triggersDir ?? 'triggers';
    for (const [id, r] of Object.entries(t.resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const p = props(r);
      const cdkPath = String((r.Metadata ?? {})['aws:cdk:path'] ?? '');
      const folder = folderOfConstructPath(cdkPath);
      if (!folder) throw new Error(`deployOrchestrator: function ${id} (${cdkPath || 'no aws:cdk:path'}) is no Cutover handler the sandbox can bundle`);
      const name = t.names[id] as string;
      const variables = (p.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
      const settings = {
        // The sandbox's bundle of the handler NodejsFunction bundles (`index.handler` in the asset).
        Handler: `${folder === TRIGGER_FUNCTION.folder ? triggersDir : functionsDir}/${folder}/handler.handler`,
        Runtime: p.Runtime as Runtime,
        Role: p.Role as string,
        Timeout: (p.Timeout as number | undefined) ?? 3,
        MemorySize: (p.MemorySize as number | undefined) ?? 128,
        Environment: { Variables: { ...variables, AWS_ENDPOINT_URL: sandbox.url, ...options.environment } },
        ...(typeof p.Description === 'string' ? { Description: p.Description } : {}),
      };
      try {
        await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...settings }));
      } catch (err) {
        if (!(err instanceof FunctionNotFound)) throw err;
        await lambda.send(new CreateFunctionCommand({ FunctionName: name, ...settings, Code: {} }));
      }
      functions[folder] = name;
      functionRoles[folder] = settings.Role;
    }

    if (options.prewarm !== false) {
      const results = await Promise.all(Object.values(functions).map(async (name) => ({ name, result: await sandbox.lambda.prewarm(name) })));
      const broken = results.flatMap(({ name, result }) => (result.ok ? [] : [`${name}: ${result.error.errorType}: ${result.error.errorMessage}`]));
      if (broken.length) throw new Error(`deployOrchestrator: handler module(s) failed to load:\n  ${broken.join('\n  ')}`);
    }

    const machines = Object.entries(t.resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    if (machines.length !== 1) throw new Error(`deployOrchestrator: the template has ${machines.length} state machines, expected 1`);
    const [machineId, machine] = machines[0]!;
    const p = props(machine);
    let definition = String(p.DefinitionString);
    for (const [key, value] of Object.entries((p.DefinitionSubstitutions as Record<string, string> | undefined) ?? {})) definition = definition.split(`\${${key}}`).join(value);
    const stateMachineName = t.names[machineId] as string;
    const roleArn = p.RoleArn as string;
    const existing = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines?.find((m) => m.name === stateMachineName);
    let stateMachineArn: string;
    if (existing?.stateMachineArn) {
      await sfn.send(new UpdateStateMachineCommand({ stateMachineArn: existing.stateMachineArn, definition, roleArn }));
      stateMachineArn = existing.stateMachineArn;
    } else {
      stateMachineArn = (await sfn.send(new CreateStateMachineCommand({ name: stateMachineName, definition, roleArn, type: (p.StateMachineType as 'STANDARD' | undefined) ?? 'STANDARD' }))).stateMachineArn as string;
    }
    await deployRules(t, functionArns, skipped, eventbridge, lambda);
    return {
      stackName: synthesized.stackName,
      stateMachineArn,
      stateMachineRoleArn: roleArn,
      tableName,
      functions,
      roles: functionRoles,
      skipped,
      synth: { cached: synthesized.cached, ms: synthesized.ms },
      template: t,
    };
  } finally {
    dynamo.destroy();
    lambda.destroy();
    sfn.destroy();
    eventbridge.destroy();
  }
}

const functionArnsOf = (t: Pick<ResolvedTemplate, 'resources' | 'attributes'>): Set<string> =>
  new Set(Object.entries(t.resources).flatMap(([id, r]) => (r.Type === 'AWS::Lambda::Function' && t.attributes[id]?.Arn ? [t.attributes[id]!.Arn!] : [])));

function ruleTargetsAreFunctions(arns: ReadonlySet<string>, rule: { Properties?: Props }): boolean {
  const targets = (props(rule).Targets as { Arn?: unknown }[] | undefined) ?? [];
  return targets.length > 0 && targets.every((target) => typeof target.Arn === 'string' && arns.has(target.Arn));
}

/** The rules on the template's own functions (PutRule, PutTargets) and the permissions that let EventBridge invoke them. */
async function deployRules(t: ResolvedTemplate, arns: ReadonlySet<string>, skipped: Record<string, string>, eventbridge: EventBridgeClient, lambda: LambdaClient): Promise<void> {
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== 'AWS::Events::Rule' || skipped[id]) continue;
    const p = props(r);
    const name = t.names[id] as string;
    const bus = typeof p.EventBusName === 'string' ? { EventBusName: p.EventBusName } : {};
    await eventbridge.send(
      new PutRuleCommand({
        Name: name,
        ...bus,
        EventPattern: JSON.stringify(p.EventPattern),
        State: (p.State as 'ENABLED' | 'DISABLED' | undefined) ?? 'ENABLED',
        ...(typeof p.Description === 'string' ? { Description: p.Description } : {}),
      }),
    );
    await eventbridge.send(new PutTargetsCommand({ Rule: name, ...bus, Targets: p.Targets as RuleTarget[] }));
  }
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== 'AWS::Lambda::Permission') continue;
    const p = props(r);
    if (typeof p.FunctionName !== 'string' || !arns.has(p.FunctionName)) {
      skipped[id] = r.Type;
      continue;
    }
    try {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: p.FunctionName,
          StatementId: id,
          Action: p.Action as string,
          Principal: p.Principal as string,
          ...(typeof p.SourceArn === 'string' ? { SourceArn: p.SourceArn } : {}),
          ...(typeof p.SourceAccount === 'string' ? { SourceAccount: p.SourceAccount } : {}),
        }),
      );
    } catch (err) {
      // Deployed again: the statement is there already.
      if (!(err instanceof ResourceConflictException)) throw err;
    }
  }
}
