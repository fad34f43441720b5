import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ReleaseInput } from '../../core/release-input';
import type { CliClients, CliConfig } from '../config';
import { followExecution, type ExecutionEnd, type ProgressEvent } from '../follow';
import { executionNameFor } from './release-input';

export type ReleaseOutcome = 'Succeeded' | 'RolledBack' | 'Failed' | 'Rejected' | 'InputRejected' | 'Running';

const ROLLED_BACK = new Set(['AlarmRollback', 'ManualRollback', 'RolledBackOnError']);

/** The release's outcome from how its execution ended. */
export function outcomeOf(end: ExecutionEnd): ReleaseOutcome {
  if (end.status === 'SUCCEEDED') return 'Succeeded';
  if (end.status === 'RUNNING') return 'Running';
  if (end.error && ROLLED_BACK.has(end.error)) return 'RolledBack';
  if (end.error === 'ReleaseInProgress') return 'Rejected';
  if (end.error === 'InvalidReleaseInput') return 'InputRejected';
  return 'Failed';
}

export interface StartedRelease {
  executionArn: string;
  name: string;
  /** False when StartExecution returned an execution already running with the same name and input. */
  started: boolean;
}

/** StartExecution with a name derived from the target and the time (or given), so a retried start is the same release. */
export async function startRelease(
  clients: CliClients,
  config: CliConfig,
  input: ReleaseInput,
  name = executionNameFor(input),
): Promise<StartedRelease> {
  const out = await clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: config.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn: out.executionArn! }));
  return { executionArn: out.executionArn!, name, started: described.status === 'RUNNING' };
}

export interface ReleaseRun {
  executionArn: string;
  outcome: ReleaseOutcome;
  end: ExecutionEnd;
}

export async function runRelease(
  clients: CliClients,
  config: CliConfig,
  input: ReleaseInput,
  options: { name?: string; wait?: boolean; pollMs?: number; onEvent?: (e: ProgressEvent) => void; onStarted?: (s: StartedRelease) => void } = {},
): Promise<ReleaseRun> {
  const started = await startRelease(clients, config, input, options.name);
  options.onStarted?.(started);
  if (options.wait === false) {
    const end: ExecutionEnd = { executionArn: started.executionArn, status: 'RUNNING' };
    return { executionArn: started.executionArn, outcome: 'Running', end };
  }
  const end = await followExecution(clients.sfn, started.executionArn, { pollMs: options.pollMs, onEvent: options.onEvent });
  return { executionArn: started.executionArn, outcome: outcomeOf(end), end };
}
