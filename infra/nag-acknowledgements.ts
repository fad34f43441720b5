/**
 * cdk-nag 3 acknowledgements, recorded with the CDK's own
 * `Validations.of(construct).acknowledge()` so the construct does not depend on
 * cdk-nag: an app that runs AwsSolutionsChecks sees them, others ignore them.
 *
 * cdk-nag 3 acknowledges each IAM5 finding on its own, as
 * `AwsSolutions-IAM5[Resource::<flattened ARN>]`; `nagFinding` flattens an ARN
 * token the way cdk-nag does (`${Token}` and `{"Ref": X}` become `<X>`,
 * `Fn::GetAtt` becomes `<Logical.Attr>`).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** An ARN (possibly a token) as cdk-nag prints it in a finding. */
export function flattenForNag(scope: IConstruct, value: string): string {
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
    if (o['Fn::GetAtt']) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
    if (o.Ref) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * Acknowledge AwsSolutions-IAM5 for each of these resources that contains a
 * wildcard (the others raise no finding), with one reason.
 */
export function acknowledgeWildcardResources(construct: IConstruct, resources: readonly string[], reason: string): void {
  const ids = new Set(
    resources.map((r) => flattenForNag(construct, r)).filter((r) => r.includes('*')).map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
  );
  for (const id of ids) Validations.of(construct).acknowledge({ id, reason });
}

/** Acknowledge one rule (or one finding, `Rule[Finding]`) with its reason. */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}
