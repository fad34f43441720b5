import { targetSchema, targetKey, type Target } from '../functions/shared/release-input';
import { UsageError } from './errors';

/**
 * `ai-handler:production` or `lambda-alias:ai-handler:production` → a target.
 * The long form is the ledger's target key, so history output can be pasted back.
 */
export function parseTarget(text: string): Target {
  const parts = text.split(':');
  const [kind, functionName, alias] = parts.length === 2 ? ['lambda-alias', ...parts] : parts;
  const parsed = targetSchema.safeParse({ kind, functionName, alias });
  if (parts.length < 2 || parts.length > 3 || !parsed.success) {
    throw new UsageError(`target "${text}": use FUNCTION:ALIAS (e.g. ai-handler:production) or lambda-alias:FUNCTION:ALIAS`);
  }
  return parsed.data;
}

export { targetKey };
