import { z } from 'zod';
import type { TargetKindFacts } from './types';

/** The prefix of every SageMaker resource Cutover creates (models, endpoint configs): IAM lets it create and delete only those. */
export const SAGEMAKER_NAME_PREFIX = 'cutover-';

export const sagemakerName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker name: letters, digits and -, at most 63, starting and ending with a letter or digit');

/**
 * Green's model: an existing model (`{ modelName }`), or a model Cutover
 * creates (`{ image, modelDataUrl?, executionRoleArn, environment?, modelName? }`,
 * named `cutover-<release id>` unless given; a retry reuses it).
 */
export const greenModelSchema = z
  .strictObject({
    modelName: sagemakerName.optional(),
    image: z.string().min(1).max(255).regex(/^\S+$/, 'must be a container image URI without spaces (ECR: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)').optional(),
    modelDataUrl: z.string().max(1024).regex(/^(https|s3):\/\/([^/]+)\/?(.*)$/, 'must be an s3:// (or https://) URI of the model artifact').optional(),
    executionRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/, 'must be an IAM role ARN SageMaker assumes to pull the image and the model data')
      .optional(),
    /** Environment of the model container. */
    environment: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$/), z.string().max(1024)).optional(),
  })
  .superRefine((m, ctx) => {
    const spec = m.image !== undefined || m.modelDataUrl !== undefined || m.executionRoleArn !== undefined || m.environment !== undefined;
    if (!spec) {
      if (m.modelName === undefined) {
        ctx.addIssue({ code: 'custom', path: ['modelName'], message: 'give the name of an existing model, or image and executionRoleArn for Cutover to create one' });
      }
      return;
    }
    if (m.image === undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: 'required to create a model (with executionRoleArn); or give only modelName to use an existing model' });
    if (m.executionRoleArn === undefined) ctx.addIssue({ code: 'custom', path: ['executionRoleArn'], message: 'required to create a model (with image); or give only modelName to use an existing model' });
    if (m.modelName !== undefined && !m.modelName.startsWith(SAGEMAKER_NAME_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: ['modelName'],
        message: `a model Cutover creates must be named ${SAGEMAKER_NAME_PREFIX}… (it may create and delete only those): rename it, or leave modelName out to name it after the release`,
      });
    }
  });

/**
 * The longest a SageMaker endpoint update may take (target.readyTimeoutSeconds). Every UpdateEndpoint replaces the
 * endpoint's fleet, Decommission's included, so Decommission's TargetBusy retries wait at least this long too.
 */
export const READY_TIMEOUT_MAX_SECONDS = 7_200;

/**
 * A SageMaker real-time endpoint: green is a second production variant on the
 * same endpoint (weight 0 until the switch), blue the variant that serves now.
 */
export const sagemakerEndpointTarget = z.strictObject({
  kind: z.literal('sagemaker-endpoint'),
  endpointName: sagemakerName,
  greenModel: greenModelSchema,
  /** Green's instance type; default: blue's. */
  instanceType: z.string().regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, 'must be a SageMaker instance type, e.g. ml.m5.large').optional(),
  /** Green's instance count; default: blue's. */
  initialInstanceCount: z.number().int().min(1).max(100).optional(),
  /** Blue's instances during retention (blue keeps its full count when unset): cheaper, but a rollback then waits for blue to scale back up. */
  blueStandbyInstanceCount: z.number().int().min(1).max(100).optional(),
  /** How long PrepareGreen's endpoint update may take before the release fails (TargetNotReady). */
  readyTimeoutSeconds: z.number().int().min(60).max(READY_TIMEOUT_MAX_SECONDS).default(1_800),
  /** How often the readiness loop checks the endpoint. */
  readyPollSeconds: z.number().int().min(5).max(600).default(30),
});

export type SageMakerEndpointTarget = z.infer<typeof sagemakerEndpointTarget>;

export const SAGEMAKER_ENDPOINT: TargetKindFacts<SageMakerEndpointTarget> = {
  kind: 'sagemaker-endpoint',
  schema: sagemakerEndpointTarget,
  key: (t) => `sagemaker-endpoint:${t.endpointName}`,
  keyPattern: /^sagemaker-endpoint:[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
  keyForm: 'sagemaker-endpoint:ENDPOINT',
  // Blue and green are production variants of the endpoint.
  side: 'variant',
  needs: 'endpointName and greenModel',
  label: (t) => t.endpointName,
  readiness: (t) => ({ seconds: t.readyTimeoutSeconds, pollSeconds: t.readyPollSeconds }),
  artifactInTarget: {
    field: 'target.greenModel.modelDataUrl',
    // The model data URL, and the package's image unless the target names an image or an existing model.
    place: (target, artifact) => {
      const model = { ...((target.greenModel as Record<string, unknown> | undefined) ?? {}) };
      if (artifact.uri) model.modelDataUrl = artifact.uri;
      if (artifact.image && model.image === undefined && model.modelName === undefined) model.image = artifact.image;
      return { ...target, greenModel: model };
    },
  },
};
