import { EXECUTION, fullInput, fullState, nested, withValue, without, type TaskHandler } from './support';

/** Runs of the per-handler property (test/hostile/handlers.test.ts). */
export const HANDLER_PROPERTY_RUNS = 100;

/** What a handler receives when all is well: the ValidateInput event, or the full state document. */
export function baseEvent(h: TaskHandler): Record<string, unknown> {
  return h.schemaName === 'validateInputEvent' ? { input: fullInput(), execution: EXECUTION } : fullState();
}

export interface HostileEvent {
  name: string;
  event: unknown;
  field: string;
}

const json = (text: string) => JSON.parse(text) as unknown;

/** Hostile events for a handler, each with the field its rejection must name. */
export function hostileEvents(h: TaskHandler): HostileEvent[] {
  const base = baseEvent(h);
  const set = (p: string, v: unknown, name: string, field = p): HostileEvent => ({ name, event: withValue(base, p, v), field });
  const drop = (p: string, name: string, field = p): HostileEvent => ({ name, event: without(base, p), field });
  const common: HostileEvent[] = [
    { name: 'null', event: null, field: '(input)' },
    { name: 'an array', event: [base], field: '(input)' },
    { name: 'a string', event: JSON.stringify(base), field: '(input)' },
  ];
  if (h.schemaName === 'validateInputEvent') {
    return [
      ...common,
      drop('execution', 'no execution'),
      drop('execution.name', 'execution without name'),
      set('execution.name', 'x'.repeat(81), 'execution name of 81 characters'),
      set('execution.id', 42, 'execution id as a number'),
      set('execution.startTime', '', 'empty start time'),
      set('execution', nested(10_000), 'execution 10,000 levels deep', 'execution'),
    ];
  }
  const events: HostileEvent[] = [
    ...common,
    { name: 'an empty object', event: {}, field: 'release' },
    drop('release', 'no release'),
    set('release', 'rel-1', 'release as a string'),
    drop('release.spec', 'release without spec'),
    drop('release.executionArn', 'release without executionArn'),
    set('release.id', '', 'empty release id'),
    set('release.id', 'x'.repeat(81), 'release id of 81 characters'),
    set('release.id', { $ne: null }, 'release id as an operator object'),
    set('release.targetKey', 42, 'targetKey as a number'),
    set('release.spec.target.kind', 'ecs-service', 'unknown target kind in the spec'),
    set('release.spec.target.functionName', '../../etc/passwd', 'path-like function name in the spec'),
    set('release.spec.bake.seconds', Number.NaN, 'bake.seconds NaN in the spec'),
    set('release.spec.strategy', { type: 'canary', steps: [Number.POSITIVE_INFINITY] }, 'an Infinity canary step in the spec', 'release.spec.strategy.steps.0'),
    { name: '__proto__ in the spec', event: withValue(base, 'release.spec', { ...(json(`{"__proto__": {"polluted": true}}`) as object), ...((base.release as { spec: object }).spec) }), field: 'release.spec.__proto__' },
    set('release.spec.extra', nested(10_000), 'an unknown spec field 10,000 levels deep', 'release.spec.extra'),
    set('green.createdGreen', 'yes', 'createdGreen as a string'),
    set('green.green', '', 'empty green version'),
    set('green.blue', null, 'blue null'),
    set('alarms.names', 'cutover-rel-1-error-rate', 'alarm names as a string'),
    set('alarms.created', [42], 'a created alarm as a number', 'alarms.created.0'),
    set('progress.stepIndex', -1, 'a negative step index'),
    set('progress.next', 'DeleteEverything', 'an unknown next action'),
    set('progress.phase', 'forever', 'an unknown phase'),
    set('progress.waitSeconds', Number.NaN, 'waitSeconds NaN'),
    set('progress.remainingSeconds', Number.POSITIVE_INFINITY, 'remainingSeconds Infinity'),
    set('error', { Error: 42 }, 'a caught error without a name', 'error.Error'),
    set('rollback', { trigger: 'gremlins', reason: 'x', restored: '1', at: 'now' }, 'an unknown rollback trigger', 'rollback.trigger'),
  ];
  if (h.schemaName !== 'releaseStateSchema') events.push(drop('green', 'no green'));
  if (h.schemaName === 'monitoringStateSchema') events.push(drop('alarms', 'no alarms'), drop('progress', 'no progress'));
  return events;
}

