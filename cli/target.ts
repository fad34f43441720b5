import type { Ledger } from '../core/ledger';
import { TARGET_KINDS, targetSchema, targetKey, type Target } from '../core/release-input';
import { UsageError } from './errors';

const OTHER_KINDS = 'for a SageMaker endpoint or an API Gateway stage give "target" in --input';

/**
 * `ai-handler:production` or `lambda-alias:ai-handler:production` → a target.
 * The long form is the ledger's target key, so history output can be pasted back.
 */
export function parseTarget(text: string): Target {
  const parts = text.split(':');
  const [kind, functionName, alias] = parts.length === 2 ? ['lambda-alias', ...parts] : parts;
  const parsed = targetSchema.safeParse({ kind, functionName, alias });
  if (parts.length < 2 || parts.length > 3 || !parsed.success) {
    throw new UsageError(`target "${text}": use FUNCTION:ALIAS (e.g. ai-handler:production) or lambda-alias:FUNCTION:ALIAS; ${OTHER_KINDS}`);
  }
  return parsed.data;
}

/**
 * What `status`, `history` and `rollback` name: a Lambda alias as above, or
 * the target key of the other kinds (`sagemaker-endpoint:ENDPOINT`,
 * `apigateway-stage:RESTAPI:STAGE`), whose full target is read from the
 * ledger (the last release of that key recorded it).
 */
export interface TargetRef {
  key: string;
  target?: Target;
}

export function parseTargetRef(text: string): TargetRef {
  // A Lambda alias is named in full (FUNCTION:ALIAS); the other kinds by their key, their target read from the ledger.
  const byKey = TARGET_KINDS.filter((k) => k.kind !== 'lambda-alias');
  if (byKey.some((k) => k.keyPattern.test(text))) return { key: text };
  const meant = byKey.find((k) => text.startsWith(`${k.kind}:`));
  if (meant) throw new UsageError(`target "${text}": use ${meant.keyForm} (the target key cutover history prints)`);
  const target = parseTarget(text);
  return { key: targetKey(target), target };
}

/** The full target of a reference: given, or as the last release of its key recorded it. */
export async function resolveTarget(ref: TargetRef, ledger: Ledger): Promise<Target> {
  if (ref.target) return ref.target;
  const [last] = await ledger.listReleases(ref.key, 1);
  const parsed = targetSchema.safeParse(last?.target);
  if (!parsed.success) throw new UsageError(`no release of ${ref.key} in the ledger: Cutover knows a ${ref.key.split(':')[0]} target once it has released it`);
  return parsed.data;
}

export { targetKey };
