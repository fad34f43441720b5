/**
 * The registry of target kinds: every place that needs to know the kinds
 * iterates over TARGET_KINDS or asks kindFacts(kind), instead of switching on
 * the kind's name. A new kind is one file here (and its router in targets/).
 */
import { z } from 'zod';
import { APIGATEWAY_STAGE, apiGatewayStageTarget } from './apigateway-stage';
import { LAMBDA_ALIAS, lambdaAliasTarget } from './lambda-alias';
import { SAGEMAKER_ENDPOINT, sagemakerEndpointTarget } from './sagemaker-endpoint';
import type { TargetKindFacts } from './types';

export type { TargetKindFacts } from './types';

/** Every kind, in the order the docs and errors list them. */
const KINDS = [LAMBDA_ALIAS, APIGATEWAY_STAGE, SAGEMAKER_ENDPOINT] as const;

const UNKNOWN_KIND = `unknown target kind: use ${KINDS.map((k) => `"${k.kind}" (with ${k.needs})`)
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1')}`;

export const targetSchema = z.discriminatedUnion('kind', [lambdaAliasTarget, apiGatewayStageTarget, sagemakerEndpointTarget], {
  error: (issue) => (issue.code === 'invalid_union' ? UNKNOWN_KIND : undefined),
});

export type Target = z.output<typeof targetSchema>;
export type TargetKind = Target['kind'];

export const TARGET_KINDS: readonly TargetKindFacts<Target>[] = KINDS as unknown as readonly TargetKindFacts<Target>[];

/** The facts of a kind named by unchecked data (an event, an execution's input), if it is one. */
export function findKind(kind: unknown): TargetKindFacts<Target> | undefined {
  return TARGET_KINDS.find((k) => k.kind === kind);
}

export function kindFacts(kind: TargetKind): TargetKindFacts<Target> {
  const facts = findKind(kind);
  if (!facts) throw new Error(`no target kind ${kind}`);
  return facts;
}

/** The ledger key of a target: one lock and one history per key. */
export function targetKey(target: Target): string {
  return kindFacts(target.kind).key(target);
}

/** `version 7` for a Lambda version, `variant green-model` for a SageMaker production variant. */
export function sideText(kind: TargetKind, id: string): string {
  return `${kindFacts(kind).side} ${id}`;
}

/** The kind whose keys look like `key`, if any. */
export function kindOfKey(key: string): TargetKind | undefined {
  return TARGET_KINDS.find((k) => k.keyPattern.test(key))?.kind;
}
