import { createHash } from 'node:crypto';

/**
 * Execution names for releases started by events. The name is the release id
 * (it names the release alarms and the ledger entry), and Step Functions
 * treats it as an idempotency key: StartExecution with a name already used
 * returns the running execution (same input) or fails with
 * ExecutionAlreadyExists. So the name must derive from the artifact alone:
 * the same artifact gives the same name, however often its event arrives.
 *
 * `<readable part>-<12 hex of SHA-256(identity)>`, at most 80 characters,
 * letters, digits and `-` only (valid as an execution name, an alarm name
 * and a SageMaker resource name part). The readable part is the sanitized
 * artifact (its tail when too long); the hash always follows, because
 * sanitizing is lossy (`a/b` and `a-b` read the same) and truncating drops
 * text: the hash keeps two different artifacts apart.
 */

export const MAX_EXECUTION_NAME = 80;
const HASH_LENGTH = 12;

/** Letters, digits and single `-`; everything else becomes `-`. */
export function sanitizeNamePart(text: string): string {
  return text
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function shortHash(identity: string): string {
  return createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/** `readable` sanitized (its tail when too long) + `-` + hash of `identity`. */
export function executionName(readable: string, identity: string): string {
  const hash = shortHash(identity);
  const room = MAX_EXECUTION_NAME - HASH_LENGTH - 1;
  let head = sanitizeNamePart(readable);
  if (head.length > room) head = head.slice(head.length - room).replace(/^-+/, '');
  return head ? `${head}-${hash}` : hash;
}

/** Step Functions' own rule for execution names (1–80 characters, none of these). */
export const EXECUTION_NAME_RULE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u;
