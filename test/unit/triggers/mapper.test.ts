import fc from 'fast-check';
import type { ModelPackageTriggerConfig, S3TriggerConfig } from '../../../triggers/start-release/config';
import { EXECUTION_NAME_RULE, executionName, MAX_EXECUTION_NAME, sanitizeNamePart } from '../../../triggers/start-release/execution-name';
import { mapEvent, mappingFor } from '../../../triggers/start-release/mapper';
import { releaseInputSchema } from '../../../core/release-input';

const target = { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' };
const s3Config: S3TriggerConfig = {
  source: 's3',
  bucketName: 'my-models',
  mappings: [
    { prefix: 'models/ai-handler/', target, release: { strategy: { type: 'canary', steps: [10, 50] }, artifact: { envVar: 'MODEL_URI' } } },
    { prefix: 'models/ai-handler/experimental/', target: { ...target, alias: 'staging' } },
    { prefix: 'models/ranker/', target: { ...target, functionName: 'ranker' } },
  ],
};
const packageConfig: ModelPackageTriggerConfig = {
  source: 'model-package',
  modelPackageGroupNames: ['ticket-classifier'],
  target,
  release: { bake: { seconds: 900 } },
};

/** An S3 Object Created event as EventBridge delivers it (S3 user guide, "EventBridge event message structure"). */
function s3Event(key: string, object: { etag?: string; 'version-id'?: string } = { etag: 'b1946ac92492d2347c6235b4d2611184' }, bucket = 'my-models') {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2026-11-26T10:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: { version: '0', bucket: { name: bucket }, object: { key, size: 5, sequencer: '617f08299329d189', ...object }, 'request-id': 'N4N7GDK58NMKJ12R', requester: '111122223333', reason: 'PutObject' },
  };
}

/** A SageMaker Model Package State Change event (SageMaker developer guide, "Events that SageMaker sends to EventBridge"). */
function packageEvent(version: number, status = 'Approved', group = 'ticket-classifier') {
  const arn = `arn:aws:sagemaker:eu-west-1:111122223333:model-package/${group}/${version}`;
  return {
    version: '0',
    id: 'e0f4a1b2-0000-4000-8000-000000000000',
    'detail-type': 'SageMaker Model Package State Change',
    source: 'aws.sagemaker',
    account: '111122223333',
    time: '2026-11-26T10:00:00Z',
    region: 'eu-west-1',
    resources: [arn],
    detail: {
      ModelPackageGroupName: group,
      ModelPackageVersion: version,
      ModelPackageArn: arn,
      CreationTime: 1605294855477,
      InferenceSpecification: { Containers: [{ Image: '123.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1', ModelDataUrl: `s3://my-models/packages/v${version}/model.tar.gz` }] },
      ModelApprovalStatus: status,
      ModelPackageStatus: 'Completed',
    },
  };
}

describe('execution names', () => {
  it('are valid Step Functions names of at most 80 characters, letters, digits and "-" only, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), (readable, identity) => {
        const name = executionName(readable, identity);
        expect(name.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME);
        expect(name).toMatch(EXECUTION_NAME_RULE);
        expect(name).toMatch(/^[A-Za-z0-9-]+$/);
        expect(name).not.toMatch(/^-|--/);
      }),
      { numRuns: 500 },
    );
  });

  it('keep the tail of a long artifact (its most specific part) and a hash of the whole identity', () => {
    // Act
    const name = executionName(`models/${'deep/'.repeat(30)}ai-handler-v2.json`, 'id');
    // Assess
    expect(name).toHaveLength(80);
    expect(name).toMatch(/ai-handler-v2-json-[0-9a-f]{12}$/);
    expect(sanitizeNamePart('models/ai handler/v2.json')).toBe('models-ai-handler-v2-json');
  });
});

describe('S3 Object Created → release', () => {
  it('maps the key to its target with the artifact URI, the release settings and who started it', () => {
    // Act
    const mapped = mapEvent(s3Event('models/ai-handler/v2.json'), s3Config);
    // Assess
    expect(mapped).toEqual({
      action: 'start',
      name: expect.stringMatching(/^models-ai-handler-v2-json-[0-9a-f]{12}$/),
      input: {
        target,
        artifact: { envVar: 'MODEL_URI', uri: 's3://my-models/models/ai-handler/v2.json' },
        strategy: { type: 'canary', steps: [10, 50] },
        description: 'artifact s3://my-models/models/ai-handler/v2.json (etag b1946ac92492d2347c6235b4d2611184)',
        startedBy: 'eventbridge:s3 s3://my-models/models/ai-handler/v2.json',
      },
    });
    if (mapped.action === 'start') expect(releaseInputSchema.safeParse(mapped.input).success).toBe(true);
  });

  it('uses the longest matching prefix, and ignores keys no prefix matches, folder markers and other buckets', () => {
    // Assess
    expect(mappingFor(s3Config, 'models/ai-handler/experimental/v3.json')?.target).toEqual({ ...target, alias: 'staging' });
    expect(mapEvent(s3Event('models/ranker/v9.bin'), s3Config)).toMatchObject({ action: 'start', input: { target: { functionName: 'ranker' } } });
    expect(mapEvent(s3Event('datasets/x.csv'), s3Config)).toMatchObject({ action: 'ignore', reason: expect.stringContaining('no mapping for key datasets/x.csv') });
    expect(mapEvent(s3Event('models/ai-handler/'), s3Config)).toMatchObject({ action: 'ignore', reason: expect.stringContaining('folder marker') });
    expect(mapEvent(s3Event('models/ai-handler/v2.json', undefined, 'other'), s3Config)).toMatchObject({ action: 'ignore', reason: 'bucket other is not my-models' });
    expect(mapEvent(packageEvent(3), s3Config)).toEqual({ action: 'ignore', reason: 'not an S3 Object Created event' });
  });

  it('rejects (does not throw) a key that cannot be an artifact URI, naming the field', () => {
    // Act
    const mapped = mapEvent(s3Event('models/ai-handler/v2 final.json'), s3Config);
    // Assess
    expect(mapped).toMatchObject({ action: 'reject', reason: expect.stringContaining('artifact.uri') });
  });

  it('names by version id when the bucket is versioned: a new version of the same key is a new release', () => {
    // Act
    const a = mapEvent(s3Event('models/ai-handler/v2.json', { etag: 'x', 'version-id': 'v-1' }), s3Config);
    const b = mapEvent(s3Event('models/ai-handler/v2.json', { etag: 'x', 'version-id': 'v-2' }), s3Config);
    // Assess
    expect(a.action === 'start' && b.action === 'start' && a.name !== b.name).toBe(true);
    expect(a).toMatchObject({ input: { description: 'artifact s3://my-models/models/ai-handler/v2.json (version v-1)' } });
  });

  const keyPart = fc.stringMatching(/^[A-Za-z0-9._\-/ ()+=@!]{1,120}$/).filter((k) => !k.endsWith('/') && !/\s/.test(k));
  const revision = fc.record({ etag: fc.stringMatching(/^[0-9a-f]{32}$/) }, { requiredKeys: ['etag'] });

  it('property: the same event always maps to the same name and input (a duplicated event is the same execution)', () => {
    fc.assert(
      fc.property(keyPart, revision, (key, rev) => {
        const event = s3Event(`models/ai-handler/${key}`, rev);
        const first = mapEvent(event, s3Config);
        const again = mapEvent(JSON.parse(JSON.stringify({ ...event, id: 'another-delivery', time: '2026-11-27T00:00:00Z' })), s3Config);
        expect(again).toEqual(first);
        expect(first.action).toBe('start');
        if (first.action === 'start') {
          expect(first.name.length).toBeLessThanOrEqual(80);
          expect(first.name).toMatch(EXECUTION_NAME_RULE);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: a different artifact (key or content) maps to a different name', () => {
    fc.assert(
      fc.property(keyPart, keyPart, revision, revision, (k1, k2, r1, r2) => {
        fc.pre(k1 !== k2 || r1.etag !== r2.etag);
        const a = mapEvent(s3Event(`models/ai-handler/${k1}`, r1), s3Config);
        const b = mapEvent(s3Event(`models/ai-handler/${k2}`, r2), s3Config);
        expect(a.action === 'start' && b.action === 'start' && a.name !== b.name).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: keys that sanitize alike ("a/b", "a-b", "a b") still get different names', () => {
    // Act
    const names = ['models/ai-handler/a/b.json', 'models/ai-handler/a-b.json', 'models/ai-handler/a.b.json'].map((k) => mapEvent(s3Event(k), s3Config));
    // Assess
    expect(new Set(names.map((m) => (m.action === 'start' ? m.name : m.action))).size).toBe(3);
  });
});

describe('SageMaker Model Package State Change → release', () => {
  it('an Approved package of the group: the configured target, the model data URL as artifact, named by the package version', () => {
    // Act
    const mapped = mapEvent(packageEvent(3), packageConfig);
    // Assess
    expect(mapped).toEqual({
      action: 'start',
      name: expect.stringMatching(/^mp-ticket-classifier-3-[0-9a-f]{12}$/),
      input: {
        target,
        bake: { seconds: 900 },
        artifact: { uri: 's3://my-models/packages/v3/model.tar.gz' },
        description: 'model package arn:aws:sagemaker:eu-west-1:111122223333:model-package/ticket-classifier/3 approved',
        startedBy: 'eventbridge:model-package ticket-classifier/3',
      },
    });
  });

  it('a sagemaker-endpoint target takes the package as greenModel (model data URL and image), not as artifact', () => {
    // Prepare
    const endpoint = {
      kind: 'sagemaker-endpoint',
      endpointName: 'ticket-classifier',
      greenModel: { executionRoleArn: 'arn:aws:iam::111122223333:role/sagemaker-execution' },
    };
    // Act
    const mapped = mapEvent(packageEvent(4), { ...packageConfig, target: endpoint, release: { artifact: { envVar: 'IGNORED' } } });
    // Assess
    expect(mapped).toMatchObject({
      action: 'start',
      input: {
        target: {
          kind: 'sagemaker-endpoint',
          greenModel: {
            executionRoleArn: 'arn:aws:iam::111122223333:role/sagemaker-execution',
            modelDataUrl: 's3://my-models/packages/v4/model.tar.gz',
            image: '123.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1',
          },
        },
      },
    });
    if (mapped.action === 'start') {
      expect(mapped.input.artifact).toBeUndefined();
      expect(releaseInputSchema.safeParse(mapped.input).success).toBe(true);
    }
  });

  it('ignores other approval states and other groups', () => {
    expect(mapEvent(packageEvent(3, 'PendingManualApproval'), packageConfig)).toMatchObject({ action: 'ignore', reason: expect.stringContaining('not Approved') });
    expect(mapEvent(packageEvent(3, 'Approved', 'other-group'), packageConfig)).toMatchObject({ action: 'ignore' });
    expect(mapEvent(s3Event('models/ai-handler/v2.json'), packageConfig)).toMatchObject({ action: 'ignore' });
  });

  it('property: one name per package version, stable across deliveries, valid and at most 80 characters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (v1, v2) => {
        const a = mapEvent(packageEvent(v1), packageConfig);
        const again = mapEvent(packageEvent(v1), packageConfig);
        const b = mapEvent(packageEvent(v2), packageConfig);
        expect(again).toEqual(a);
        if (a.action !== 'start' || b.action !== 'start') throw new Error('expected start');
        expect(a.name).toMatch(EXECUTION_NAME_RULE);
        expect(a.name.length).toBeLessThanOrEqual(80);
        expect(a.name === b.name).toBe(v1 === v2);
      }),
      { numRuns: 200 },
    );
  });
});
