/**
 * A synthesized template with its intrinsics resolved for the sandbox, by
 * cfn-resolver-lib (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::If, …):
 * pseudo parameters are the sandbox's (AWS::AccountId 000000000000, its
 * region, partition `aws`, URL suffix amazonaws.com), template parameters take
 * the values given (else their Default), and each resource gets a
 * deterministic physical name: its own name property when set, else
 * `<stack name>-<logical id>` cut to the type's length limit (CloudFormation's
 * own pattern without its random suffix), from which its Ref and ARN follow.
 */
import { createHash } from 'node:crypto';
import type { CfnResource, CfnTemplate } from './synth';

// cfn-resolver-lib (ISC) ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NodeEvaluator = require('cfn-resolver-lib') as new (template: unknown, params: unknown) => { evaluateNodes(): CfnTemplate };

export interface ResolveContext {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** Values of the template's parameters. */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface ResolvedTemplate {
  readonly resources: Record<string, CfnResource>;
  /** Physical name per logical id (for the types the sandbox names). */
  readonly names: Readonly<Record<string, string>>;
  /** What `Ref` returns per logical id. */
  readonly refs: Readonly<Record<string, string>>;
  /** What `Fn::GetAtt` returns per logical id and attribute (`Arn`, …). */
  readonly attributes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

interface Naming {
  /** The property that names the resource, when the template sets it. */
  readonly nameProperty?: string;
  readonly maxLength: number;
  /** Ref and attributes from the physical name. */
  readonly attributes: (name: string, c: ResolveContext, props: Record<string, unknown>) => { ref: string; attrs: Record<string, string> };
}

const arn = (c: ResolveContext, service: string, resource: string, region = c.region, account = c.account) => `arn:aws:${service}:${region}:${account}:${resource}`;

/** The types whose names and ARNs the deployer needs; any other resource's Ref is its generated name. */
const NAMING: Record<string, Naming> = {
  'AWS::Lambda::Function': { nameProperty: 'FunctionName', maxLength: 64, attributes: (n, c) => ({ ref: n, attrs: { Arn: arn(c, 'lambda', `function:${n}`) } }) },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    maxLength: 64,
    attributes: (n, c, p) => ({ ref: n, attrs: { Arn: arn(c, 'iam', `role${typeof p.Path === 'string' ? p.Path : '/'}${n}`, ''), RoleId: `AROA${hashOf(n, 17).toUpperCase()}` } }),
  },
  'AWS::IAM::Policy': { nameProperty: 'PolicyName', maxLength: 128, attributes: (n) => ({ ref: n, attrs: {} }) },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: 'ManagedPolicyName',
    maxLength: 128,
    attributes: (n, c) => ({ ref: arn(c, 'iam', `policy/${n}`, ''), attrs: { PolicyArn: arn(c, 'iam', `policy/${n}`, '') } }),
  },
  'AWS::DynamoDB::Table': { nameProperty: 'TableName', maxLength: 255, attributes: (n, c) => ({ ref: n, attrs: { Arn: arn(c, 'dynamodb', `table/${n}`), StreamArn: arn(c, 'dynamodb', `table/${n}/stream/1970-01-01T00:00:00.000`) } }) },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    maxLength: 80,
    attributes: (n, c) => ({ ref: arn(c, 'states', `stateMachine:${n}`), attrs: { Arn: arn(c, 'states', `stateMachine:${n}`), Name: n } }),
  },
  'AWS::SNS::Topic': { nameProperty: 'TopicName', maxLength: 256, attributes: (n, c) => ({ ref: arn(c, 'sns', n), attrs: { TopicArn: arn(c, 'sns', n), TopicName: n } }) },
  'AWS::Events::Rule': {
    nameProperty: 'Name',
    maxLength: 64,
    attributes: (n, c, p) => {
      const bus = typeof p.EventBusName === 'string' && p.EventBusName !== 'default' ? `${p.EventBusName}/` : '';
      return { ref: n, attrs: { Arn: arn(c, 'events', `rule/${bus}${n}`) } };
    },
  },
  'AWS::Events::EventBus': { nameProperty: 'Name', maxLength: 256, attributes: (n, c) => ({ ref: n, attrs: { Arn: arn(c, 'events', `event-bus/${n}`), Name: n } }) },
  // A key id is a UUID chosen by KMS: derived from the logical id here, so it is stable.
  'AWS::KMS::Key': { maxLength: 36, attributes: (n, c) => ({ ref: n, attrs: { Arn: arn(c, 'kms', `key/${n}`), KeyId: n } }) },
  'AWS::Logs::LogGroup': { nameProperty: 'LogGroupName', maxLength: 512, attributes: (n, c) => ({ ref: n, attrs: { Arn: arn(c, 'logs', `log-group:${n}:*`) } }) },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    maxLength: 63,
    attributes: (n, c) => ({ ref: n, attrs: { Arn: `arn:aws:s3:::${n}`, DomainName: `${n}.s3.amazonaws.com`, RegionalDomainName: `${n}.s3.${c.region}.amazonaws.com` } }),
  },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    maxLength: 80,
    attributes: (n, c) => ({ ref: `https://sqs.${c.region}.amazonaws.com/${c.account}/${n}`, attrs: { Arn: arn(c, 'sqs', n), QueueName: n, QueueUrl: `https://sqs.${c.region}.amazonaws.com/${c.account}/${n}` } }),
  },
};

function hashOf(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function generatedName(type: string, logicalId: string, c: ResolveContext, maxLength: number): string {
  if (type === 'AWS::KMS::Key') {
    const h = hashOf(`${c.stackName}/${logicalId}`, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }
  const name = `${c.stackName}-${logicalId}`.slice(0, maxLength);
  return type === 'AWS::S3::Bucket' ? name.toLowerCase() : name;
}

function evaluate(template: CfnTemplate, refResolvers: Record<string, unknown>, getAtt: Record<string, Record<string, string>>): CfnTemplate {
  // The library warns on the console for every GetAtt it is not told; the unresolved ones are reported by the caller.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return new NodeEvaluator(template, { RefResolvers: refResolvers, 'Fn::GetAttResolvers': getAtt }).evaluateNodes();
  } finally {
    console.warn = warn;
  }
}

export function resolveTemplate(template: CfnTemplate, c: ResolveContext): ResolvedTemplate {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': c.account,
    'AWS::Region': c.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': c.stackName,
    'AWS::StackId': arn(c, 'cloudformation', `stack/${c.stackName}/${hashOf(c.stackName, 8)}-0000-0000-0000-000000000000`),
    'AWS::NoValue': '',
  };
  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    const value = c.parameters?.[name] ?? p.Default;
    if (value === undefined) throw new Error(`deployOrchestrator: template parameter ${name} has no value and no Default: pass it in options.parameters`);
    parameters[name] = value;
  }

  // Pass 1: pseudo parameters and parameters only, for the name properties that use them.
  const first = evaluate(template, { ...pseudo, ...parameters }, {});
  const names: Record<string, string> = {};
  const refs: Record<string, string> = {};
  const getAtt: Record<string, Record<string, string>> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    const naming = NAMING[resource.Type];
    const props = (first.Resources[id]?.Properties ?? {}) as Record<string, unknown>;
    const own = naming?.nameProperty ? props[naming.nameProperty] : undefined;
    const name = typeof own === 'string' ? own : generatedName(resource.Type, id, c, naming?.maxLength ?? 128);
    const { ref, attrs } = naming ? naming.attributes(name, c, props) : { ref: name, attrs: {} };
    names[id] = name;
    refs[id] = ref;
    getAtt[id] = attrs;
  }
  // Fn::Sub's `${Resource}` and `${Resource.Attribute}` read the same map as Ref.
  const subKeys = Object.fromEntries(Object.entries(getAtt).flatMap(([id, attrs]) => Object.entries(attrs).map(([a, v]) => [`${id}.${a}`, v])));
  const resolved = evaluate(template, { ...pseudo, ...parameters, ...refs, ...subKeys }, getAtt);
  return { resources: resolved.Resources, names, refs, attributes: getAtt, outputs: Object.fromEntries(Object.entries(resolved.Outputs ?? {}).map(([k, o]) => [k, (o as { Value: unknown }).Value])) };
}

/** The paths under `value` still holding an intrinsic (`Ref`, `Fn::…`) or a `${…}` of Fn::Sub: what could not be resolved. */
export function unresolvedIn(value: unknown, at = ''): string[] {
  if (typeof value === 'string') return /\$\{[^}]+\}/.test(value) && /\$\{(AWS::|[A-Za-z0-9]+\.)/.test(value) ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unresolvedIn(v, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return [at];
    return Object.entries(value).flatMap(([k, v]) => unresolvedIn(v, at ? `${at}.${k}` : k));
  }
  return [];
}
