/**
 * How a release's outcome is shown to people, in the CLI and the rehearsal report: the outcome's
 * own words and a mark of its own, so a release that was rolled back never reads as "failed".
 */
export const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  Succeeded: 'succeeded',
  RolledBack: 'rolled back',
  Failed: 'failed',
  Rejected: 'rejected',
  /** A release ended by a newer one (no Task records it yet; named so it never falls back to "failed"). */
  Superseded: 'superseded',
  InputRejected: 'input rejected',
  Running: 'running',
};

export const OUTCOME_MARKS: Readonly<Record<string, string>> = {
  Succeeded: '✔',
  RolledBack: '↩',
  Failed: '✘',
  Rejected: '⊘',
  Superseded: '↷',
  InputRejected: '⊘',
  Running: '…',
};

/** "RolledBack" → "rolled back"; an outcome not listed is split at its capitals. */
export function outcomeWords(outcome: string): string {
  return OUTCOME_WORDS[outcome] ?? outcome.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();
}

export function outcomeMark(outcome: string): string {
  return OUTCOME_MARKS[outcome] ?? '•';
}
