/**
 * What the sandbox checks and rewrites in an Amazon States Language definition
 * before aws-local-stepfunctions runs it.
 *
 * Checks (CreateStateMachine answers InvalidDefinition otherwise):
 *  - the definition is valid ASL (asl-validator, as the engine would check);
 *  - every Task is bound to a Lambda function the sandbox knows: a function ARN,
 *    or `arn:aws:states:::lambda:invoke` with a known FunctionName. A `${…}`
 *    placeholder or any other integration is refused, because the engine would
 *    otherwise call real AWS for it;
 *  - JSONata, callbacks (.waitForTaskToken) and .sync integrations are refused.
 *
 * Rewrites (in a copy handed to the engine):
 *  - each Wait becomes a Task with the same InputPath/OutputPath bound to the
 *    sandbox's wait handler, which sleeps Seconds/SecondsPath/Timestamp/
 *    TimestampPath on the virtual clock; the history still says WaitState*;
 *  - Task states get an explicit TimeoutSeconds (the engine's default is 60 s,
 *    AWS's is 99999999 s) so long handlers are not cut short; a Task's own
 *    TimeoutSeconds is enforced by the sandbox (sfn-execution.ts), not the engine;
 *  - the top-level TimeoutSeconds is divided by timeScale.
 */
import { ServiceError } from '../protocol';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type StateDef = Record<string, Json> & { Type: string };
export interface Definition {
  StartAt: string;
  States: Record<string, StateDef>;
  TimeoutSeconds?: number;
  [k: string]: Json | undefined;
}

export type TaskBinding =
  | { kind: 'lambda'; functionRef: string }
  | { kind: 'lambda-invoke'; functionRef: string | undefined };

export interface WaitSpec {
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

export interface PreparedDefinition {
  definition: Definition;
  engineDefinition: Definition;
  /** Every state, nested ones included (ASL state names are unique machine-wide). */
  states: Map<string, StateDef>;
  tasks: Map<string, TaskBinding>;
  waits: Map<string, WaitSpec>;
}

/** Task states that the engine would otherwise let run for 60 s only; below setTimeout's 24.8-day cap. */
export const UNBOUNDED_TASK_SECONDS = 2_000_000;
export const WAIT_TASK_RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:cutover-sandbox-wait';
const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_]+(?::(?:\$LATEST|[a-zA-Z0-9-_]+))?$/;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

function invalidDefinition(message: string): ServiceError {
  return new ServiceError('InvalidDefinition', `Invalid State Machine Definition: '${message}'`, 400);
}

// asl-validator ships no type declarations: describe the one function used.
type AslValidator = (definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslModule = require('asl-validator') as AslValidator | { default: AslValidator };
const aslValidator: AslValidator = typeof aslModule === 'function' ? aslModule : aslModule.default;

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Calls `visit` for every state machine body (the root, Parallel branches, Map processors). */
function eachMachine(def: { States: Record<string, StateDef> }, visit: (machine: { States: Record<string, StateDef> }) => void): void {
  visit(def);
  for (const state of Object.values(def.States)) {
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      for (const b of state.Branches) if (isObject(b) && isObject(b.States)) eachMachine(b as unknown as Definition, visit);
    }
    if (state.Type === 'Map') {
      const body = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
      if (isObject(body) && isObject(body.States)) eachMachine(body as unknown as Definition, visit);
    }
  }
}

/**
 * Parses, validates and rewrites a definition. `functionExists` says whether a
 * Lambda function reference (name or ARN, maybe qualified) is known to the sandbox.
 */
export function prepareDefinition(text: string, functionExists: (ref: string) => boolean, timeScale: number): PreparedDefinition {
  let definition: Definition;
  try {
    definition = JSON.parse(text) as Definition;
  } catch (err) {
    throw invalidDefinition(`INVALID_JSON_DESCRIPTION: ${(err as Error).message}`);
  }
  if (!isObject(definition) || !isObject(definition.States) || typeof definition.StartAt !== 'string') {
    throw invalidDefinition('SCHEMA_VALIDATION_FAILED: the definition needs StartAt and States');
  }
  if (definition.QueryLanguage === 'JSONata') throw invalidDefinition('the sandbox engine runs JSONPath only (QueryLanguage JSONata is not supported)');

  const states = new Map<string, StateDef>();
  const tasks = new Map<string, TaskBinding>();
  const waits = new Map<string, WaitSpec>();
  eachMachine(definition, (machine) => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (states.has(name)) throw invalidDefinition(`DUPLICATE_STATE_NAME: state name '${name}' is used more than once`);
      states.set(name, state);
      if (state.QueryLanguage === 'JSONata') throw invalidDefinition(`state '${name}': JSONata is not supported by the sandbox engine`);
      if (state.Type === 'Map' && isObject(state.ItemProcessor) && isObject(state.ItemProcessor.ProcessorConfig) && state.ItemProcessor.ProcessorConfig.Mode === 'DISTRIBUTED') {
        throw invalidDefinition(`state '${name}': a DISTRIBUTED Map is not supported by the sandbox engine`);
      }
      if (state.Type === 'Wait') {
        waits.set(name, {
          ...(typeof state.Seconds === 'number' ? { Seconds: state.Seconds } : {}),
          ...(typeof state.SecondsPath === 'string' ? { SecondsPath: state.SecondsPath } : {}),
          ...(typeof state.Timestamp === 'string' ? { Timestamp: state.Timestamp } : {}),
          ...(typeof state.TimestampPath === 'string' ? { TimestampPath: state.TimestampPath } : {}),
        });
      }
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource ?? '');
      const refuse = (why: string): never => {
        throw invalidDefinition(
          `Task state '${name}' has Resource '${resource}': ${why}. The sandbox runs Task states only against Lambda functions created in the sandbox and refuses anything else rather than let the engine call real AWS`,
        );
      };
      if (/\$\{[^}]*\}/.test(resource)) refuse('it is an unsubstituted placeholder');
      if (LAMBDA_ARN.test(resource)) {
        if (!functionExists(resource)) refuse('no such function in the sandbox');
        tasks.set(name, { kind: 'lambda', functionRef: resource });
      } else if (resource === LAMBDA_INVOKE) {
        const params = isObject(state.Parameters) ? state.Parameters : {};
        const literal = typeof params.FunctionName === 'string' ? params.FunctionName : undefined;
        if (literal === undefined && typeof params['FunctionName.$'] !== 'string') refuse('Parameters.FunctionName is missing');
        if (literal !== undefined && /\$\{[^}]*\}/.test(literal)) refuse(`FunctionName '${literal}' is an unsubstituted placeholder`);
        if (literal !== undefined && !functionExists(literal)) refuse(`function '${literal}' does not exist in the sandbox`);
        tasks.set(name, { kind: 'lambda-invoke', functionRef: literal });
      } else if (resource.endsWith('.waitForTaskToken') || resource.endsWith('.sync') || resource.endsWith('.sync:2')) {
        refuse('callback and .sync integrations are not supported by the sandbox engine');
      } else {
        refuse('only Lambda function ARNs and arn:aws:states:::lambda:invoke are emulated');
      }
    }
  });

  const verdict = aslValidator(definition, { checkArn: true, checkPaths: true });
  if (!verdict.isValid) throw invalidDefinition(verdict.errorsText('; '));

  const engineDefinition = JSON.parse(text) as Definition;
  eachMachine(engineDefinition, (machine) => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (state.Type === 'Wait') {
        const replacement: StateDef = { Type: 'Task', Resource: WAIT_TASK_RESOURCE, TimeoutSeconds: UNBOUNDED_TASK_SECONDS };
        for (const key of ['InputPath', 'OutputPath', 'Next', 'End', 'Comment'] as const) {
          if (state[key] !== undefined) replacement[key] = state[key] as Json;
        }
        machine.States[name] = replacement;
      } else if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined) {
        // The sandbox times Task states itself (to record LambdaFunctionTimedOut): keep the engine's timer out of the way.
        state.TimeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds + 30 : UNBOUNDED_TASK_SECONDS;
      }
    }
  });
  if (typeof definition.TimeoutSeconds === 'number') engineDefinition.TimeoutSeconds = definition.TimeoutSeconds / timeScale;
  return { definition, engineDefinition, states, tasks, waits };
}

/**
 * Resolves an ASL reference path (`$.a.b`, `$['a'][0]`, `$$.Execution.Id`)
 * against the state input and the context object; undefined when absent.
 */
export function resolveReferencePath(path: string, input: unknown, context: unknown): unknown {
  let target: unknown;
  let rest: string;
  if (path.startsWith('$$')) {
    target = context;
    rest = path.slice(2);
  } else if (path.startsWith('$')) {
    target = input;
    rest = path.slice(1);
  } else {
    return undefined;
  }
  const token = /^(?:\.([^.[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\])/;
  while (rest.length > 0) {
    const m = token.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    const key = m[1] ?? m[2] ?? m[3] ?? Number(m[4]);
    if (target === null || typeof target !== 'object') return undefined;
    target = (target as Record<string | number, unknown>)[key];
  }
  return target;
}
