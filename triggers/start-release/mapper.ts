import { z } from 'zod';
import { findKind, releaseInputSchema } from '../../core/release-input';
import { issuesOf } from '../../core/validation';
import type { ModelPackageTriggerConfig, S3TriggerConfig, TriggerConfig } from './config';
import { executionName } from './execution-name';

/**
 * The pure half of start-release: an EventBridge event and the trigger's
 * configuration in, the execution to start (name and input) out, or why the
 * event starts nothing. No clock, no randomness: the same event always maps
 * to the same name and the same input, which is what makes a duplicated
 * event harmless (Step Functions keys executions by name).
 */

export type Mapped =
  | { action: 'start'; name: string; input: Record<string, unknown> }
  /** Not for this trigger (another bucket, prefix or group, not approved, a folder marker). */
  | { action: 'ignore'; reason: string }
  /** For this trigger, but it cannot make a valid release input (e.g. a key with spaces). */
  | { action: 'reject'; reason: string };

/** The parts of an S3 `Object Created` event (EventBridge notifications) that are used. */
export const s3ObjectCreatedSchema = z.looseObject({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: z.looseObject({
      key: z.string().min(1),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
    }),
  }),
});
export type S3ObjectCreatedEvent = z.output<typeof s3ObjectCreatedSchema>;

/** The parts of a `SageMaker Model Package State Change` event that are used. */
export const modelPackageStateChangeSchema = z.looseObject({
  source: z.literal('aws.sagemaker'),
  'detail-type': z.literal('SageMaker Model Package State Change'),
  detail: z.looseObject({
    ModelPackageGroupName: z.string().min(1),
    ModelPackageVersion: z.union([z.number(), z.string()]).optional(),
    ModelPackageArn: z.string().min(1),
    ModelApprovalStatus: z.string().optional(),
    InferenceSpecification: z
      .looseObject({ Containers: z.array(z.looseObject({ Image: z.string().optional(), ModelDataUrl: z.string().optional() })).optional() })
      .optional(),
  }),
});
export type ModelPackageStateChangeEvent = z.output<typeof modelPackageStateChangeSchema>;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** What the event says the new model is. */
interface Artifact {
  /** `s3://bucket/key` of the artifact (S3 key, or the package's ModelDataUrl). */
  uri?: string;
  /** The inference image (model packages only). */
  image?: string;
}

/**
 * Where the artifact goes depends on the target: a kind that carries it in the
 * target (a SageMaker endpoint's `greenModel`) puts it there; a Lambda function
 * takes it as `artifact.uri`, set on `$LATEST` as `artifact.envVar`.
 */
function placeArtifact(target: Record<string, unknown>, artifact: Artifact, artifactTemplate: unknown): { target: Record<string, unknown>; artifact?: Record<string, unknown> } {
  const inTarget = findKind(target.kind)?.artifactInTarget;
  if (inTarget) return { target: inTarget.place(target, artifact) };
  return { target, ...(artifact.uri ? { artifact: { ...(artifactTemplate as object | undefined), uri: artifact.uri } } : {}) };
}

/**
 * The release input: the mapping's release settings, its target, the
 * artifact from the event, who started it. Checked with the release input
 * schema (the parse result is discarded: the orchestrator applies its own
 * defaults to what is sent).
 */
function releaseInput(
  template: Record<string, unknown> | undefined,
  mappedTarget: Record<string, unknown>,
  artifact: Artifact,
  startedBy: string,
  description: string,
): { ok: true; input: Record<string, unknown> } | { ok: false; reason: string } {
  const { artifact: artifactTemplate, ...rest } = template ?? {};
  const placed = placeArtifact(mappedTarget, artifact, artifactTemplate);
  const input: Record<string, unknown> = {
    ...rest,
    target: placed.target,
    ...(placed.artifact ? { artifact: placed.artifact } : {}),
    description: typeof rest.description === 'string' && rest.description ? rest.description : clip(description, 256),
    startedBy: clip(startedBy, 128),
  };
  const parsed = releaseInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: `invalid release input: ${issuesOf(parsed.error).map((i) => `${i.field}: ${i.message}`).join('; ')}` };
  return { ok: true, input };
}

/** The mapping with the longest prefix that the key starts with. */
export function mappingFor(config: S3TriggerConfig, key: string): S3TriggerConfig['mappings'][number] | undefined {
  return config.mappings.filter((m) => key.startsWith(m.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
}

export function mapS3Event(event: S3ObjectCreatedEvent, config: S3TriggerConfig): Mapped {
  const bucket = event.detail.bucket.name;
  const { key } = event.detail.object;
  if (config.bucketName && bucket !== config.bucketName) return { action: 'ignore', reason: `bucket ${bucket} is not ${config.bucketName}` };
  if (key.endsWith('/')) return { action: 'ignore', reason: `${key} is a folder marker, not an artifact` };
  const mapping = mappingFor(config, key);
  if (!mapping) return { action: 'ignore', reason: `no mapping for key ${key} (prefixes: ${config.mappings.map((m) => JSON.stringify(m.prefix)).join(', ')})` };
  const versionId = event.detail.object['version-id'];
  const etag = event.detail.object.etag?.replace(/"/g, '');
  const uri = `s3://${bucket}/${key}`;
  // The version (versioned bucket) or the content hash: re-uploading the same bytes is the same artifact.
  const revision = versionId ? `version ${versionId}` : etag ? `etag ${etag}` : 'no version or etag';
  const built = releaseInput(mapping.release, mapping.target, { uri }, `eventbridge:s3 ${uri}`, `artifact ${uri} (${revision})`);
  if (!built.ok) return { action: 'reject', reason: `${uri}: ${built.reason}` };
  const name = executionName(key, `${uri}#${versionId ?? etag ?? ''}`);
  return { action: 'start', name, input: built.input };
}

/** `group/3` from `arn:…:model-package/group/3`. */
function packageVersionOf(event: ModelPackageStateChangeEvent): string {
  const d = event.detail;
  if (d.ModelPackageVersion !== undefined) return `${d.ModelPackageGroupName}/${d.ModelPackageVersion}`;
  const slash = d.ModelPackageArn.indexOf('model-package/');
  return slash >= 0 ? d.ModelPackageArn.slice(slash + 'model-package/'.length) : d.ModelPackageArn;
}

export function mapModelPackageEvent(event: ModelPackageStateChangeEvent, config: ModelPackageTriggerConfig): Mapped {
  const d = event.detail;
  if (!config.modelPackageGroupNames.includes(d.ModelPackageGroupName)) {
    return { action: 'ignore', reason: `model package group ${d.ModelPackageGroupName} is not ${config.modelPackageGroupNames.join(', ')}` };
  }
  if (d.ModelApprovalStatus !== 'Approved') return { action: 'ignore', reason: `${d.ModelPackageArn} is ${d.ModelApprovalStatus ?? 'of unknown status'}, not Approved` };
  const container = d.InferenceSpecification?.Containers?.[0];
  const version = packageVersionOf(event);
  const built = releaseInput(config.release, config.target, { uri: container?.ModelDataUrl, image: container?.Image }, `eventbridge:model-package ${version}`, `model package ${d.ModelPackageArn} approved`);
  if (!built.ok) return { action: 'reject', reason: `${d.ModelPackageArn}: ${built.reason}` };
  return { action: 'start', name: executionName(`mp-${version}`, d.ModelPackageArn), input: built.input };
}

/** Any event, for either kind of trigger. */
export function mapEvent(event: unknown, config: TriggerConfig): Mapped {
  if (config.source === 's3') {
    const parsed = s3ObjectCreatedSchema.safeParse(event);
    return parsed.success ? mapS3Event(parsed.data, config) : { action: 'ignore', reason: 'not an S3 Object Created event' };
  }
  const parsed = modelPackageStateChangeSchema.safeParse(event);
  return parsed.success ? mapModelPackageEvent(parsed.data, config) : { action: 'ignore', reason: 'not a SageMaker Model Package State Change event' };
}
