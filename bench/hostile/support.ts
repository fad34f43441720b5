import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { InvalidReleaseInput } from '../../core/errors';
import * as releaseState from '../../core/release-state';
import { releaseInputSchema, targetKey, type ReleaseInput } from '../../core/release-input';
import { validateInputEvent } from '../../functions/validate-input/schema';
import { lambdaContext as baseContext } from './lambda-context';

/**
 * Shared by the hostile-input tests: a tripwire on every AWS SDK v3 client
 * (they all inherit one `Client.prototype.send`), the handlers and the schema
 * each one parses (read from its handler.ts), and a valid state document to
 * mutate.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const USER_ALARM = 'ai-handler-errors';

export interface Tripwire {
  /** Every command sent, by class name. */
  calls: string[];
  /** Commands that would change something (anything but Describe/Get/List/Query/Scan/BatchGet). */
  mutating(): string[];
  reset(): void;
  restore(): void;
}

const READ = /^(Describe|Get|List|Query|Scan|BatchGet)/;

/**
 * Every AWS call goes through here. Reads answer as an empty (but existing)
 * account: DescribeAlarms finds the user's alarm. In `strict` mode every call
 * throws, so a handler that got past its schema stops at its first call.
 */
export function installTripwire(mode: 'reads-allowed' | 'strict' = 'reads-allowed'): Tripwire {
  const base = Object.getPrototypeOf(LambdaClient.prototype) as { send: (command: object) => Promise<unknown> };
  const calls: string[] = [];
  const spy = jest.spyOn(base, 'send').mockImplementation(async (command: object) => {
    const name = command.constructor.name.replace(/Command$/, '');
    calls.push(name);
    if (mode === 'strict') throw Object.assign(new Error(`AWS call ${name} attempted`), { name: 'AwsCallAttempted' });
    if (!READ.test(name)) throw Object.assign(new Error(`mutating AWS call ${name}`), { name: 'MutatingAwsCall' });
    if (name === 'DescribeAlarms') {
      const names = ((command as { input?: { AlarmNames?: string[] } }).input?.AlarmNames ?? []).filter((n) => n === USER_ALARM);
      return { MetricAlarms: names.map((n) => ({ AlarmName: n, StateValue: 'OK' })) };
    }
    return {};
  });
  return {
    calls,
    mutating: () => calls.filter((c) => !READ.test(c)),
    reset: () => {
      calls.length = 0;
    },
    restore: () => spy.mockRestore(),
  };
}

export const lambdaContext = (folder: string): Context => baseContext(folder, `req-${folder}`, { region: REGION, account: ACCOUNT });

/** The orchestrator's environment as the CDK construct sets it. */
export function orchestratorEnv(): void {
  process.env.CUTOVER_MANAGED_FUNCTIONS = JSON.stringify(['ai-handler']);
  process.env.CUTOVER_ACCOUNT_ID = ACCOUNT;
  process.env.AWS_REGION = REGION;
  process.env.LEDGER_TABLE_NAME = 'cutover-ledger';
  delete process.env.CUTOVER_DEFAULTS;
}

/** A complete, valid release input: every section present, so that every field can be mutated. */
export function fullInput(): ReleaseInput {
  return {
    target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' },
    artifact: { uri: 's3://my-models/ai-handler/v2.json', envVar: 'MODEL_URI' },
    description: 'v2: retrained',
    strategy: { type: 'canary', steps: [10, 50], stepSeconds: 300 },
    smokeTest: {
      cases: [{ name: 'billing', input: { text: 'I was charged twice' }, expect: [{ path: 'label', equals: 'billing' }, { path: 'label', regex: '^b' }] }],
      goldenSet: { uri: 's3://my-golden-sets/ai-handler/golden-set.jsonl', maxPassRateDrop: 0.02, concurrency: 8 },
    },
    bake: { seconds: 600, pollSeconds: 30, onInconclusive: 'rollback' },
    retention: { seconds: 172_800, pollSeconds: 300 },
    alarms: { names: [USER_ALARM], releaseAlarms: true, errorRateThreshold: 0.05, periodSeconds: 60, latencyP95Ms: 10_000, blockOnPreexistingAlarms: false },
    decommission: { deleteBlueVersion: false },
    startedBy: 'console',
  };
}

export const EXECUTION = { id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:cutover-release:rel-1`, name: 'rel-1', startTime: '2026-11-26T09:00:00.000Z' };

/** The state document every Task after ValidateInput receives, with every optional part present. */
export function fullState(): Record<string, unknown> {
  const spec = releaseInputSchema.parse(fullInput());
  return {
    release: { id: EXECUTION.name, executionArn: EXECUTION.id, startedAt: EXECUTION.startTime, targetKey: targetKey(spec.target), spec },
    lock: { acquiredAt: EXECUTION.startTime, tookOverFrom: null },
    green: { blue: '1', green: '2', createdGreen: true, greenArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ai-handler:2`, blueArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ai-handler:1` },
    alarms: { names: [USER_ALARM, 'cutover-rel-1-error-rate'], created: ['cutover-rel-1-error-rate'], preexisting: [] },
    progress: {
      steps: [10, 50, 100],
      stepIndex: 0,
      greenPercent: 10,
      phase: 'canary',
      phaseSeconds: 300,
      remainingSeconds: 300,
      pollSeconds: 30,
      waitSeconds: 30,
      next: 'Wait',
      polls: 0,
      ignoredAlarms: [],
      switchedAt: EXECUTION.startTime,
    },
  };
}

export interface TaskHandler {
  folder: string;
  task: string;
  schemaName: string;
  schema: z.ZodType;
  handler: (event: unknown, context: Context) => Promise<unknown>;
}

const SCHEMAS: Record<string, z.ZodType> = {
  ...(Object.fromEntries(Object.entries(releaseState).filter(([k]) => k.endsWith('Schema'))) as Record<string, z.ZodType>),
  validateInputEvent,
};

/** Every functions/<folder>/handler.ts built with taskHandler('<Task>', <schema>, …), with that schema. */
export function taskHandlers(): TaskHandler[] {
  const root = path.join(__dirname, '../../functions');
  const found: TaskHandler[] = [];
  for (const folder of readdirSync(root)) {
    const file = path.join(root, folder, 'handler.ts');
    if (!existsSync(file)) continue;
    const m = /taskHandler\(\s*'(\w+)',\s*(\w+)/.exec(readFileSync(file, 'utf8'));
    if (!m) continue;
    const schema = SCHEMAS[m[2]!];
    if (!schema) throw new Error(`${folder}/handler.ts parses ${m[2]}, which the hostile tests do not know: add it to SCHEMAS`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(file) as { handler: TaskHandler['handler'] };
    found.push({ folder, task: m[1]!, schemaName: m[2]!, schema, handler });
  }
  return found;
}

/** The Lambda runtime's view: the event arrives through JSON, the result leaves through JSON. */
export async function invokeLikeLambda(h: { handler: TaskHandler['handler']; folder: string }, event: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: Error & { issues?: { field: string }[] } }> {
  try {
    const result = await h.handler(event, lambdaContext(h.folder));
    JSON.stringify(result);
    return { ok: true, result };
  } catch (err) {
    return { ok: false, error: err as Error & { issues?: { field: string }[] } };
  }
}

export function isInvalidInput(err: unknown): err is InvalidReleaseInput {
  return err instanceof Error && err.name === 'InvalidReleaseInput' && Array.isArray((err as InvalidReleaseInput).issues);
}

/** `a.b.c` and `a.b` name the same place; so do siblings `a.b` and `a.c` (a rule across two fields of one object). */
export function related(field: string, path: string): boolean {
  if (field === path || field.startsWith(`${path}.`) || path.startsWith(`${field}.`)) return true;
  const parent = (p: string) => p.split('.').slice(0, -1).join('.');
  return parent(field) !== '' && parent(field) === parent(path);
}

/** A deep copy with `value` at the dot path (array indices as numbers). */
export function withValue(base: unknown, dotPath: string, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = dotPath.split('.');
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
  return copy;
}

/** A copy without the field at the dot path. */
export function without(base: unknown, dotPath: string): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  const keys = dotPath.split('.');
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  delete node[keys[keys.length - 1]!];
  return copy;
}

/** Every dot path of an object's fields (objects and arrays descended), leaves and inner nodes alike. */
export function pathsOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...pathsOf(v, p)];
  });
}

/** Nested `levels` deep, built without recursion. */
export function nested(levels: number): unknown {
  let o: unknown = 'bottom';
  for (let i = 0; i < levels; i++) o = { a: o };
  return o;
}
