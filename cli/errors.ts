/** Exit codes: scripts branch on them (documented in the README). */
export const EXIT = {
  succeeded: 0,
  error: 1,
  usage: 2,
  rejected: 3,
  rolledBack: 4,
  failed: 5,
  running: 6,
} as const;

/** A wrong flag, a missing setting, an input that fails validation: nothing was started. */
export class UsageError extends Error {
  public readonly name = 'UsageError';
}

/** No release is running on the target, so there is nothing to roll back in place. */
export class NoRunningRelease extends Error {
  public readonly name = 'NoRunningRelease';
}

export function exitCodeOf(status: string | undefined): number {
  switch (status) {
    case 'Succeeded':
      return EXIT.succeeded;
    case 'RolledBack':
      return EXIT.rolledBack;
    case 'Rejected':
      return EXIT.rejected;
    case 'Running':
      return EXIT.running;
    default:
      return EXIT.failed;
  }
}
