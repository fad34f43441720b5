import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TriggerConfig } from './config';
import { mapEvent } from './mapper';

/**
 * Starts the release an EventBridge event asks for. EventBridge cannot name a
 * Step Functions execution, so this function does it: the name derives from
 * the artifact (see execution-name.ts), and a duplicated event is harmless.
 * StartExecution with a name already used either returns the running
 * execution (same input) or fails with ExecutionAlreadyExists (it ended, or
 * the input differs): both mean "this artifact has already been released",
 * which is logged and is not an error.
 */

export interface StartReleaseLog {
  info(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export interface StartReleaseDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  config: TriggerConfig;
  log: StartReleaseLog;
}

export type StartReleaseResult =
  /** StartExecution accepted it (a new execution, or the same one still running for an identical event). */
  | { status: 'started'; name: string; executionArn: string }
  /** An execution with this name exists already and has ended, or has another input: nothing started. */
  | { status: 'duplicate'; name: string; executionArn: string }
  | { status: 'ignored'; reason: string }
  /** For this trigger, but not a valid release: logged as an error; retrying cannot help, so not thrown. */
  | { status: 'rejected'; reason: string };

/** `arn:…:stateMachine:M` + `N` → `arn:…:execution:M:N`. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function startRelease(event: unknown, deps: StartReleaseDeps): Promise<StartReleaseResult> {
  const mapped = mapEvent(event, deps.config);
  if (mapped.action === 'ignore') {
    deps.log.info('event ignored', { reason: mapped.reason });
    return { status: 'ignored', reason: mapped.reason };
  }
  if (mapped.action === 'reject') {
    deps.log.error('event rejected: it cannot start a release', { reason: mapped.reason });
    return { status: 'rejected', reason: mapped.reason };
  }
  try {
    const out = await deps.sfn.send(
      new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name: mapped.name, input: JSON.stringify(mapped.input) }),
    );
    const executionArn = out.executionArn ?? executionArnOf(deps.stateMachineArn, mapped.name);
    deps.log.info('release started', { name: mapped.name, executionArn, startedBy: mapped.input.startedBy });
    return { status: 'started', name: mapped.name, executionArn };
  } catch (err) {
    if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    const executionArn = executionArnOf(deps.stateMachineArn, mapped.name);
    deps.log.info('duplicate event: this artifact already has a release', { name: mapped.name, executionArn });
    return { status: 'duplicate', name: mapped.name, executionArn };
  }
}
