import { InvalidReleaseInput } from '../../core/errors';
import { releaseInputSchema, targetKey, type ReleaseInput } from '../../core/release-input';
import { parseOrThrow } from '../../core/validation';
import { validateInput } from '../../functions/validate-input/validate-input';

/**
 * The API Gateway stage and SageMaker endpoint targets of the release input:
 * defaults, a clear error naming each field, a stable target key, and what
 * ValidateInput checks beyond the schema (managed resources, history budget).
 */
const STAGE = { kind: 'apigateway-stage', restApiId: 'a1b2c3d4e5', stageName: 'prod', functionName: 'ai-handler' };
const MODEL = { image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/ai-service:2', modelDataUrl: 's3://models/v2.tar.gz', executionRoleArn: 'arn:aws:iam::123456789012:role/sm' };
const ENDPOINT = { kind: 'sagemaker-endpoint' as const, endpointName: 'ai-endpoint', greenModel: MODEL };

function issues(input: unknown): { field: string; message: string }[] {
  try {
    parseOrThrow(releaseInputSchema, input, 'release input');
  } catch (err) {
    return (err as InvalidReleaseInput).issues as { field: string; message: string }[];
  }
  throw new Error('expected the input to be rejected');
}
const event = (input: unknown) => ({ input, execution: { id: 'arn:aws:states:eu-west-1:123456789012:execution:cutover-release:r1', name: 'r1', startTime: '2026-11-26T09:00:00Z' } });

describe('apigateway-stage target', () => {
  it('defaults the variable to lambda_version and keys the lock by API and stage', () => {
    // Act
    const spec = releaseInputSchema.parse({ target: STAGE });

    // Assess
    expect(spec.target).toEqual({ ...STAGE, variable: 'lambda_version' });
    expect(targetKey(spec.target)).toBe('apigateway-stage:a1b2c3d4e5:prod');
  });

  it.each([
    [{ ...STAGE, restApiId: 'ABC' }, 'target.restApiId', /10 lowercase letters and digits/],
    [{ ...STAGE, stageName: 'prod stage' }, 'target.stageName', /stage name/],
    [{ ...STAGE, variable: 'lambda-version' }, 'target.variable', /stage variable name/],
    [{ ...STAGE, functionName: undefined }, 'target.functionName', /./],
  ])('names the field of a bad value (%#)', (target, field, message) => {
    // Act
    const found = issues({ target });

    // Assess
    expect(found.map((i) => i.field)).toContain(field);
    expect(found.find((i) => i.field === field)!.message).toMatch(message);
  });
});

describe('sagemaker-endpoint target', () => {
  it('accepts a model spec or an existing model, with readiness defaults, keyed by endpoint', () => {
    // Act
    const spec = releaseInputSchema.parse({ target: ENDPOINT });
    const existing = releaseInputSchema.parse({ target: { ...ENDPOINT, greenModel: { modelName: 'ticket-intent-v2' }, instanceType: 'ml.c5.xlarge', initialInstanceCount: 2, blueStandbyInstanceCount: 1 } });

    // Assess
    expect(spec.target).toMatchObject({ readyTimeoutSeconds: 1800, readyPollSeconds: 30 });
    expect(existing.target).toMatchObject({ greenModel: { modelName: 'ticket-intent-v2' }, blueStandbyInstanceCount: 1 });
    expect(targetKey(spec.target)).toBe('sagemaker-endpoint:ai-endpoint');
  });

  it.each([
    [{ ...ENDPOINT, greenModel: {} }, 'target.greenModel.modelName', /name of an existing model, or image and executionRoleArn/],
    [{ ...ENDPOINT, greenModel: { image: MODEL.image } }, 'target.greenModel.executionRoleArn', /required to create a model/],
    [{ ...ENDPOINT, greenModel: { ...MODEL, modelName: 'ticket-intent-v2' } }, 'target.greenModel.modelName', /must be named cutover-/],
    [{ ...ENDPOINT, greenModel: { ...MODEL, modelDataUrl: 'file:///tmp/m' } }, 'target.greenModel.modelDataUrl', /s3:\/\//],
    [{ ...ENDPOINT, endpointName: 'ai_endpoint' }, 'target.endpointName', /SageMaker name/],
    [{ ...ENDPOINT, instanceType: 'm5.large' }, 'target.instanceType', /ml\.m5\.large/],
    [{ ...ENDPOINT, readyPollSeconds: 1 }, 'target.readyPollSeconds', /./],
  ])('names the field of a bad value (%#)', (target, field, message) => {
    // Act
    const found = issues({ target });

    // Assess
    expect(found.map((i) => i.field)).toContain(field);
    expect(found.find((i) => i.field === field)!.message).toMatch(message);
  });

  it('refuses an artifact (the model carries its own data)', () => {
    expect(issues({ target: ENDPOINT, artifact: { uri: 's3://models/v2.json' } })).toEqual([
      { field: 'artifact', message: 'not used by a sagemaker-endpoint target: give the model data as target.greenModel.modelDataUrl' },
    ]);
  });
});

describe('ValidateInput for the other targets', () => {
  it('rejects an endpoint or a stage this orchestrator does not manage, naming the CDK prop', async () => {
    // Act
    const endpoint = validateInput(event({ target: ENDPOINT }), { managedEndpoints: ['other-endpoint'] });
    const stage = validateInput(event({ target: STAGE }), { managedStages: [{ restApiId: 'a1b2c3d4e5', stageName: 'beta' }] });
    const fn = validateInput(event({ target: STAGE }), { managedStages: [{ restApiId: 'a1b2c3d4e5', stageName: 'prod' }], managedFunctions: ['ranker'] });

    // Assess
    await expect(endpoint).rejects.toMatchObject({ name: 'InvalidReleaseInput', message: expect.stringContaining('target.endpointName: ai-endpoint is not managed by this orchestrator (it manages other-endpoint): add it to managedEndpoints') });
    await expect(stage).rejects.toMatchObject({ message: expect.stringContaining('target.stageName: stage prod of REST API a1b2c3d4e5 is not managed by this orchestrator (it manages a1b2c3d4e5/beta): add it to managedStages') });
    await expect(fn).rejects.toMatchObject({ message: expect.stringContaining('target.functionName: ai-handler is not managed') });
  });

  it('accepts managed ones and gives the release its target key', async () => {
    // Act
    const out = await validateInput(event({ target: ENDPOINT } satisfies ReleaseInput), { managedEndpoints: ['ai-endpoint'] });

    // Assess
    expect(out.release.targetKey).toBe('sagemaker-endpoint:ai-endpoint');
  });

  it('counts the readiness loop at its bound in the history budget', async () => {
    // Act: a 2 h readiness timeout polled every 5 s is 1,440 polls, about 13,000 events.
    const run = validateInput(event({ target: { ...ENDPOINT, readyTimeoutSeconds: 7200, readyPollSeconds: 5 } }), {});

    // Assess
    await expect(run).rejects.toMatchObject({ message: expect.stringMatching(/execution history events .*target\.readyPollSeconds/) });
  });
});
