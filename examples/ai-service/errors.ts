/**
 * Named errors of the example service. The Lambda runtime reports `error.name`
 * as the `errorType`, which is what the sandbox's metrics (and a Step Functions
 * `ErrorEquals`) see; so each failure mode gets its own class.
 *
 * The example is a separate deployable: it does not import Cutover's own
 * core/errors.ts.
 */

/** The event is not `{ text: string }` with 1 to 10,000 characters. The caller's fault. */
export class InvalidRequest extends Error {
  public override readonly name = 'InvalidRequest';
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** MODEL_URI is not set: the function was deployed without a model. */
export class ModelNotConfigured extends Error {
  public override readonly name = 'ModelNotConfigured';
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The artifact could not be read (missing S3 object or file, no permission, bad URI). */
export class ArtifactLoadFailed extends Error {
  public override readonly name = 'ArtifactLoadFailed';
  public constructor(
    message: string,
    public readonly uri: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The artifact was read but is not a model this code understands. */
export class InvalidArtifact extends Error {
  public override readonly name = 'InvalidArtifact';
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The model's tokenizer refuses the input (the `ascii-strict` tokenizer on non-ASCII text). */
export class UnsupportedInput extends Error {
  public override readonly name = 'UnsupportedInput';
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** startTraffic() was given no way to stop, a non-positive rate, or no inputs. */
export class InvalidTrafficOptions extends Error {
  public override readonly name = 'InvalidTrafficOptions';
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
