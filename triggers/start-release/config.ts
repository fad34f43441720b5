import { z } from 'zod';
import type { ReleaseInput, targetSchema } from '../../core/release-input';

/**
 * What a trigger construct tells its start-release function
 * (CUTOVER_TRIGGER_CONFIG, JSON): which events to map, to which target, with
 * which release settings. The construct checks at synth time that every
 * mapping makes a valid release input (the same zod schema ValidateInput
 * uses); the function checks again on every event, because the artifact URI
 * comes from the event.
 *
 * Targets and release settings are kept as given (not parsed with defaults):
 * the orchestrator applies its own defaults under the input, and a default
 * filled in here would hide them.
 */

/** A release input without what the event provides (target from the mapping; artifact URI and startedBy from the event). */
export type ReleaseTemplate = Omit<ReleaseInput, 'target' | 'artifact' | 'startedBy'> & {
  /** `envVar` only: the URI comes from the event. */
  readonly artifact?: { readonly envVar?: string };
};

/** A release target as the release input takes it (`{ kind: 'lambda-alias', functionName, alias }`, …). */
export type TargetInput = z.input<typeof targetSchema>;

const json = z.record(z.string(), z.unknown());

export const s3MappingSchema = z.strictObject({
  /** Key prefix, e.g. `models/ai-handler/`; '' matches every key. The longest matching prefix wins. */
  prefix: z.string().max(1024),
  target: json,
  release: json.optional(),
});

export const s3TriggerConfigSchema = z.strictObject({
  source: z.literal('s3'),
  /** Events of other buckets are ignored (the rule filters on it as well). */
  bucketName: z.string().min(3).max(63).optional(),
  mappings: z.array(s3MappingSchema).min(1).max(100),
});

export const modelPackageTriggerConfigSchema = z.strictObject({
  source: z.literal('model-package'),
  /** Events of other model package groups are ignored (the rule filters on them as well). */
  modelPackageGroupNames: z.array(z.string().min(1).max(63)).min(1),
  target: json,
  release: json.optional(),
});

export const triggerConfigSchema = z.discriminatedUnion('source', [s3TriggerConfigSchema, modelPackageTriggerConfigSchema]);

export type S3TriggerConfig = z.output<typeof s3TriggerConfigSchema>;
export type ModelPackageTriggerConfig = z.output<typeof modelPackageTriggerConfigSchema>;
export type TriggerConfig = z.output<typeof triggerConfigSchema>;
