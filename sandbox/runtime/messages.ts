/** Messages between the sandbox and a Lambda execution environment (worker thread). */
import type { ClockState } from '../clock';

/** What the Lambda Node.js runtime reports for a failed invocation. */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export interface WorkerData {
  /** Absolute path of the handler module, or undefined when it could not be found. */
  handlerFile: string | undefined;
  /** Export path after the module (`handler`, or `nested.handler`). */
  handlerExport: string;
  /** The Handler setting as given (for error messages). */
  handlerSetting: string;
  clock: ClockState;
}

export interface InvokeContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  /** Wall-clock epoch ms at which the invocation times out. */
  deadlineMs: number;
  clientContext?: unknown;
}

export type ToWorker =
  | { type: 'invoke'; id: number; event: string; context: InvokeContext }
  | { type: 'clock'; clock: ClockState };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; error: LambdaErrorPayload; logs: string }
  | { type: 'result'; id: number; ok: true; payload: string; logs: string; durationMs: number }
  | { type: 'result'; id: number; ok: false; error: LambdaErrorPayload; logs: string; durationMs: number };
