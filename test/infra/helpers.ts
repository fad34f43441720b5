import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { ReleaseOrchestrator, type ReleaseOrchestratorProps } from '../../infra';

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';

/**
 * A stack holding one ReleaseOrchestrator. `bundle: false` skips esbuild (the
 * CDK's `aws:cdk:bundling-stacks` context), for tests that only read IAM,
 * environment or nag findings.
 */
export function orchestratorStack(
  props: Partial<ReleaseOrchestratorProps> = {},
  options: { bundle?: boolean; app?: App } = {},
): { app: App; stack: Stack; orchestrator: ReleaseOrchestrator } {
  const app = options.app ?? new App({ context: options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {} });
  const stack = new Stack(app, 'CutoverTest', { env: { account: ACCOUNT, region: REGION } });
  const orchestrator = new ReleaseOrchestrator(stack, 'Orchestrator', { managedFunctions: ['ai-handler'], ...props });
  return { app, stack, orchestrator };
}

/** A CloudFormation value as one string: `Fn::Join`, `Ref` and `Fn::GetAtt` become `<…>` (as cdk-nag prints them). */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flat).join(',');
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Fn::Join' in o) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flat).join(delimiter);
    }
    if ('Ref' in o) return `<${String(o.Ref)}>`;
    if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(value);
}

export interface Statement {
  /** Logical id of the role the policy is attached to. */
  readonly role: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Every IAM statement of the template (attached policies and inline role policies), with resources flattened. */
export function allStatements(template: Template): Statement[] {
  const out: Statement[] = [];
  const add = (role: string, doc: { Statement?: unknown }) => {
    for (const s of list(doc.Statement) as Record<string, unknown>[]) {
      out.push({ role, effect: String(s.Effect), actions: list(s.Action).map(String), resources: list(s.Resource).map(flat) });
    }
  };
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    for (const role of list(policy.Properties.Roles) as { Ref: string }[]) add(role.Ref, policy.Properties.PolicyDocument);
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of list(role.Properties.Policies) as { PolicyDocument: { Statement?: unknown } }[]) add(id, inline.PolicyDocument);
  }
  return out;
}

/** Logical id of the execution role of the function built for `task` (e.g. `SmokeTest`). */
export function roleOf(template: Template, task: string): string {
  const matches = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith(`Orchestrator${task}`));
  if (matches.length !== 1) throw new Error(`expected one function for ${task}, found ${matches.length}`);
  return (matches[0][1].Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
}

/** The function resource (properties) built for `task`. */
export function functionOf(template: Template, task: string): Record<string, any> {
  const matches = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith(`Orchestrator${task}`));
  if (matches.length !== 1) throw new Error(`expected one function for ${task}, found ${matches.length}`);
  return matches[0][1].Properties;
}

/** Sorted `action resource` pairs granted to one role. */
export function grantsOf(statements: Statement[], role: string): string[] {
  return statements
    .filter((s) => s.role === role && s.effect === 'Allow')
    .flatMap((s) => s.actions.flatMap((a) => s.resources.map((r) => `${a} ${r}`)))
    .sort();
}
