/**
 * Named errors. Step Functions matches `ErrorEquals` against the Lambda
 * `errorType`, which the Node.js runtime takes from `error.name`; so every
 * name here is also a row of the error table in statemachine/README.md.
 */
export abstract class CutoverError extends Error {
  public abstract override readonly name: string;
}

/** The release input (or a handler's input) does not match the schema. Nothing was changed. */
export class InvalidReleaseInput extends CutoverError {
  public readonly name = 'InvalidReleaseInput';
  public constructor(
    message: string,
    public readonly issues: readonly { field: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another execution holds the target's lock. */
export class ReleaseInProgress extends CutoverError {
  public readonly name = 'ReleaseInProgress';
  public constructor(
    message: string,
    public readonly ownerExecutionArn: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The target (function, alias, endpoint, stage) is missing or not in a state Cutover can release. */
export class TargetNotReady extends CutoverError {
  public readonly name = 'TargetNotReady';
}

/**
 * The target is in the middle of an update it must finish first (a SageMaker
 * endpoint is Updating: SageMaker rejects another update until it is
 * InService). Retried by the state machine; it goes away by itself.
 */
export class TargetBusy extends CutoverError {
  public readonly name = 'TargetBusy';
}

/**
 * The function's environment variables cannot be read: they are encrypted with
 * a customer managed KMS key and the caller may not kms:Decrypt with it, so
 * GetFunctionConfiguration answers `Environment.Error` without `Variables`.
 * Setting the artifact would then replace the whole map and wipe them, so
 * nothing is changed; the message names the key and what to grant.
 */
export class EnvironmentUnreadable extends CutoverError {
  public readonly name = 'EnvironmentUnreadable';
}

/**
 * A canary needs an alias weighted between blue and green, and Lambda allows
 * that only when both versions have the same execution role and the same
 * dead-letter queue configuration. Refused before any traffic moves.
 */
export class IncompatibleCanaryVersions extends CutoverError {
  public readonly name = 'IncompatibleCanaryVersions';
}

/** A smoke-test case failed against green; no traffic has moved. */
export class SmokeTestFailed extends CutoverError {
  public readonly name = 'SmokeTestFailed';
  public constructor(
    message: string,
    public readonly failedCase: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Green scored worse than the gates allow on the golden set; no traffic has moved. */
export class QualityGateFailed extends CutoverError {
  public readonly name = 'QualityGateFailed';
}

/** The golden set cannot be read, is malformed, or is larger than Cutover evaluates. */
export class GoldenSetInvalid extends CutoverError {
  public readonly name = 'GoldenSetInvalid';
}

/** Green would be the version blue already is: nothing changed since the live version was published. */
export class NothingToRelease extends CutoverError {
  public readonly name = 'NothingToRelease';
}

/** Someone else changed the router between our read and our write (RevisionId mismatch). */
export class ConcurrentModification extends CutoverError {
  public readonly name = 'ConcurrentModification';
}

/** Alarms already in ALARM before the release and `blockOnPreexistingAlarms` is set. */
export class PreexistingAlarm extends CutoverError {
  public readonly name = 'PreexistingAlarm';
}

/** The router did not end at the weights asked for (it is verified after every switch). */
export class TrafficShiftFailed extends CutoverError {
  public readonly name = 'TrafficShiftFailed';
}

/** Rolling back could not put 100 % of traffic on blue: a person must look now. */
export class RollbackFailed extends CutoverError {
  public readonly name = 'RollbackFailed';
}

/**
 * This execution no longer holds the target's lock (it was taken over after the execution was stopped, or the
 * execution was redriven after its release had been ended): it must not move traffic.
 */
export class LockLost extends CutoverError {
  public readonly name = 'LockLost';
}

/** Message of any thrown value, for records and logs. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * An AWS call that failed for a reason worth retrying (throttling, 5xx, a
 * timeout) after the SDK's own retries. One name, so that the state machine's
 * Retry does not have to list every service's throttling exception.
 */
export class TransientAwsError extends CutoverError {
  public readonly name = 'TransientAwsError';
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** SDK v3 errors carry `$metadata.httpStatusCode` and `$retryable`; network errors carry a code. */
export function isTransientAwsError(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof CutoverError) return false;
  const e = err as Error & { $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string };
  if (THROTTLING.has(e.name) || e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return ['TimeoutError', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e.name) || ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(e.code ?? '');
}
