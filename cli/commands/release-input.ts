import { readFileSync } from 'node:fs';
import { kindFacts, releaseInputSchema, targetSchema, type ReleaseInput } from '../../core/release-input';
import { issuesOf } from '../../core/validation';
import { UsageError } from '../errors';
import { parseTarget } from '../target';

export interface ReleaseFlags {
  input?: string;
  artifact?: string;
  envVar?: string;
  canary?: string;
  stepSeconds?: string;
  bake?: string;
  bakePoll?: string;
  retention?: string;
  retentionPoll?: string;
  goldenSet?: string;
  alarm?: string[];
  period?: string;
  description?: string;
  startedBy?: string;
}

function int(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} ${value}: must be a whole number of seconds`);
  return Number(value);
}

function readInputFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`--input ${file}: cannot read it (${(err as Error).message})`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--input ${file}: not a JSON object (${(err as Error).message})`);
  }
}

/**
 * The release input from a file and/or flags (flags win), validated with the
 * same schema ValidateInput uses, so a mistake is reported before anything starts.
 */
export function buildReleaseInput(targetText: string | undefined, flags: ReleaseFlags): ReleaseInput {
  const input: Record<string, unknown> = flags.input ? readInputFile(flags.input) : {};
  const section = (key: string) => ({ ...((input[key] as object | undefined) ?? {}) }) as Record<string, unknown>;
  if (targetText) input.target = parseTarget(targetText);
  if (!input.target) throw new UsageError('no target: give FUNCTION:ALIAS (e.g. cutover release ai-handler:production) or a "target" in --input');
  if (flags.artifact) input.artifact = { ...section('artifact'), uri: flags.artifact, ...(flags.envVar ? { envVar: flags.envVar } : {}) };
  if (flags.canary) {
    const steps = flags.canary.split(',').map((s) => Number(s.trim()));
    input.strategy = { type: 'canary', steps, ...(flags.stepSeconds ? { stepSeconds: int('step-seconds', flags.stepSeconds) } : {}) };
  }
  const bake = section('bake');
  if (flags.bake) bake.seconds = int('bake', flags.bake);
  if (flags.bakePoll) bake.pollSeconds = int('bake-poll', flags.bakePoll);
  if (Object.keys(bake).length) input.bake = bake;
  const retention = section('retention');
  if (flags.retention) retention.seconds = int('retention', flags.retention);
  if (flags.retentionPoll) retention.pollSeconds = int('retention-poll', flags.retentionPoll);
  if (Object.keys(retention).length) input.retention = retention;
  if (flags.goldenSet) input.smokeTest = { ...section('smokeTest'), goldenSet: { uri: flags.goldenSet } };
  const alarms = section('alarms');
  if (flags.alarm?.length) alarms.names = flags.alarm;
  if (flags.period) alarms.periodSeconds = int('period', flags.period);
  if (Object.keys(alarms).length) input.alarms = alarms;
  if (flags.description) input.description = flags.description;
  input.startedBy ??= flags.startedBy ?? 'cli';
  const parsed = releaseInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(`invalid release input: ${issuesOf(parsed.error).map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
  // Send what the user gave: the orchestrator applies its own defaults.
  return input as ReleaseInput;
}

/** `ai-handler-production-20261126T063201Z`: unique per second, valid as an execution name. */
export function executionNameFor(input: ReleaseInput, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  // The input is checked by the orchestrator, not here: a target this cannot read is named `release`.
  const target = targetSchema.safeParse(input.target);
  const what = target.success ? kindFacts(target.data.kind).label(target.data) : 'release';
  return `${what}-${stamp}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
}
