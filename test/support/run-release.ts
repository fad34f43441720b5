import '../../sandbox/polyfills';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lambdaContext } from '../../bench/hostile/lambda-context';

export const ASL_PATH = path.join(__dirname, '../../statemachine/release.asl.json');
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** `ValidateInputFunctionArn` → `validate-input`. */
export function folderOf(substitution: string): string {
  return substitution
    .replace(/FunctionArn$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** The real definition with every `${XFunctionArn}` replaced, and which folder each Task state runs. */
export function loadDefinition(): { definition: StateMachineDefinition; taskFolders: Record<string, string> } {
  const raw = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as { States: Record<string, { Type: string; Resource?: string }> };
  const taskFolders: Record<string, string> = {};
  for (const [name, state] of Object.entries(raw.States)) {
    const m = /^\$\{(\w+)\}$/.exec(state.Resource ?? '');
    if (state.Type === 'Task' && m) taskFolders[name] = folderOf(m[1]);
  }
  const text = readFileSync(ASL_PATH, 'utf8').replace(
    /\$\{(\w+)FunctionArn\}/g,
    (_, task: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:cutover-${folderOf(task)}`,
  );
  return { definition: JSON.parse(text), taskFolders };
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const fakeContext = (folder: string): Context => lambdaContext(folder, `req-${Math.random().toString(16).slice(2)}`, { region: REGION, account: ACCOUNT });

export interface EngineEvent {
  type: string;
  state?: { name: string; type: string };
  Error?: string;
  Cause?: unknown;
  retry?: unknown;
}

export interface ReleaseRun {
  status: 'SUCCEEDED' | 'FAILED';
  output?: Record<string, unknown>;
  error?: string;
  cause?: string;
  events: EngineEvent[];
  /** State names in the order they were entered. */
  visited: string[];
  /** Task invocations, retries included. */
  attempts: Record<string, number>;
  /** Execution history events as Step Functions would count them. */
  historyEvents: number;
}

export interface RunOptions {
  name?: string;
  /** Make a Task's invocation fail before its handler runs (e.g. a Lambda service error). */
  inject?: (state: string, attempt: number) => Error | undefined | Promise<Error | undefined>;
}

/**
 * Events Step Functions would write for what the engine did: a Lambda Task
 * writes TaskStateEntered, then Scheduled/Started/Succeeded-or-Failed per
 * attempt, then TaskStateExited; Wait, Choice and Succeed write
 * Entered/Exited; Fail writes FailStateEntered; the execution writes its start and end.
 */
export function countHistoryEvents(events: EngineEvent[], attempts: Record<string, number>): number {
  let n = 0;
  for (const e of events) {
    if (e.type === 'ExecutionStarted' || e.type === 'ExecutionSucceeded' || e.type === 'ExecutionFailed') n += 1;
    if (e.type === 'StateEntered') n += 1;
    if (e.type === 'StateExited' && e.state?.type !== 'Fail') n += 1;
  }
  return n + Object.values(attempts).reduce((a, b) => a + b, 0) * 3;
}

let counter = 0;

/** Run the real release.asl.json in aws-local-stepfunctions with its Tasks bound to the real handlers. */
export async function runRelease(input: unknown, options: RunOptions = {}): Promise<ReleaseRun> {
  const { definition, taskFolders } = loadDefinition();
  const name = options.name ?? `release-${Date.now()}-${++counter}`;
  const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:cutover-release:${name}`;
  const attempts: Record<string, number> = {};
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [state, folder] of Object.entries(taskFolders)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(`../../functions/${folder}/handler`) as { handler: Handler };
    handlers[state] = async (event) => {
      attempts[state] = (attempts[state] ?? 0) + 1;
      const injected = await options.inject?.(state, attempts[state]);
      if (injected) throw injected;
      // Through JSON, as Lambda would: no undefined, no shared references.
      return JSON.parse(JSON.stringify((await handler(event, fakeContext(folder))) ?? null));
    };
  }
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const zeroWaits = new Proxy({}, { get: () => 0 });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: { WaitBeforeCheck: 0, WaitForGreen: 0 },
      retryIntervalOverrides: zeroWaits as never,
    },
    context: { Execution: { Id: executionArn, Name: name, StartTime: new Date().toISOString(), Input: input as never } },
  });
  const events: EngineEvent[] = [];
  const collecting = (async () => {
    for await (const e of execution.eventLogs) events.push(e as unknown as EngineEvent);
  })();
  let output: Record<string, unknown> | undefined;
  let status: ReleaseRun['status'] = 'SUCCEEDED';
  try {
    output = (await execution.result) as Record<string, unknown>;
  } catch {
    status = 'FAILED';
  }
  await collecting;
  const failed = events.find((e) => e.type === 'ExecutionFailed');
  return {
    status,
    output,
    error: failed?.Error,
    cause: failed?.Cause === undefined ? undefined : String(failed.Cause),
    events,
    visited: events.filter((e) => e.type === 'StateEntered').map((e) => e.state!.name),
    attempts,
    historyEvents: countHistoryEvents(events, attempts),
  };
}
