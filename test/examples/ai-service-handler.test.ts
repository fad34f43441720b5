import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import Ajv from 'ajv';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { MAX_TEXT_LENGTH } from '../../examples/ai-service/classify';
import { PATHS, readJsonl, type GoldenCase } from '../../examples/ai-service/dataset';
import {
  ArtifactLoadFailed,
  InvalidArtifact,
  InvalidRequest,
  ModelNotConfigured,
  UnsupportedInput,
} from '../../examples/ai-service/errors';
import { createHandler, handler } from '../../examples/ai-service/handler';
import { createArtifactLoader, parseModelUri } from '../../examples/ai-service/load-artifact';

const modelJson = (version: string): string => readFileSync(PATHS.model(version), 'utf8');
/** The part of a GetObject Body the loader uses (the SDK's stream mixin adds it to real responses). */
const body = (text: string): never => ({ transformToString: async () => text }) as never;
const validateOutput = new Ajv().compile(JSON.parse(readFileSync(PATHS.outputSchema, 'utf8')));
const goldenCase = readJsonl<GoldenCase>(PATHS.goldenSet)[0] as GoldenCase;

describe('ai-service handler', () => {
  const s3Mock = mockClient(S3Client);
  const savedModelUri = process.env.MODEL_URI;

  beforeEach(() => s3Mock.reset());
  afterEach(() => {
    if (savedModelUri === undefined) delete process.env.MODEL_URI;
    else process.env.MODEL_URI = savedModelUri;
  });

  it('loads the artifact from the file:// URI in MODEL_URI (the exported handler)', async () => {
    // Prepare
    process.env.MODEL_URI = pathToFileURL(PATHS.model('v2')).href;

    // Act
    const output = await handler(goldenCase.input, { functionName: 'ai-handler', functionVersion: '2' } as never);

    // Assess
    expect(validateOutput(output)).toBe(true);
    expect(output.modelVersion).toBe('v2');
  });

  it('accepts a plain path, relative to the working directory', async () => {
    // Prepare
    const answer = createHandler({ modelUri: () => relative(process.cwd(), PATHS.model('v1')) });

    // Act
    const output = await answer({ text: 'My order has not arrived yet.' });

    // Assess
    expect(validateOutput(output)).toBe(true);
    expect(output.modelVersion).toBe('v1');
  });

  it('fails with UnsupportedInput on non-ASCII text under v4, and answers under v2', async () => {
    // Prepare
    const text = 'Mi factura está mal 😡';
    const v4 = createHandler({ modelUri: () => PATHS.model('v4') });
    const v2 = createHandler({ modelUri: () => PATHS.model('v2') });

    // Act
    const v4Result = v4({ text });
    const v2Result = v2({ text });

    // Assess
    await expect(v4Result).rejects.toBeInstanceOf(UnsupportedInput);
    await expect(v4Result).rejects.toMatchObject({ name: 'UnsupportedInput' });
    await expect(v2Result).resolves.toMatchObject({ modelVersion: 'v2' });
  });

  it('loads from S3 with an injected client, once per URI', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand, { Bucket: 'models', Key: 'ticket-intent/v3.json' }).resolves({ Body: body(modelJson('v3')) });
    const answer = createHandler({
      loadArtifact: createArtifactLoader({ s3Client: new S3Client({ region: 'eu-west-1' }) }),
      modelUri: () => 's3://models/ticket-intent/v3.json',
    });

    // Act
    const first = await answer({ text: 'I was charged twice this month.' });
    const second = await answer({ text: 'The app crashes on my laptop.' });

    // Assess
    expect([first.modelVersion, second.modelVersion]).toEqual(['v3', 'v3']);
    expect(validateOutput(first) && validateOutput(second)).toBe(true);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
  });

  it('reads the artifact again after a failed load instead of caching the failure', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }))
      .resolves({ Body: body(modelJson('v2')) });
    const answer = createHandler({
      loadArtifact: createArtifactLoader({ s3Client: new S3Client({ region: 'eu-west-1' }) }),
      modelUri: () => 's3://models/v2.json',
    });

    // Act
    const failure = answer({ text: 'hello' });

    // Assess
    await expect(failure).rejects.toBeInstanceOf(ArtifactLoadFailed);
    await expect(failure).rejects.toMatchObject({ name: 'ArtifactLoadFailed', cause: expect.any(NoSuchKey) });
    await expect(answer({ text: 'hello' })).resolves.toMatchObject({ modelVersion: 'v2' });
  });

  it('rejects an artifact that is not a model with InvalidArtifact', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: body('{"format": "pickle"}') });
    const answer = createHandler({
      loadArtifact: createArtifactLoader({ s3Client: new S3Client({ region: 'eu-west-1' }) }),
      modelUri: () => 's3://models/bad.json',
    });

    // Act
    const result = answer({ text: 'hello' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidArtifact);
  });

  it('says ModelNotConfigured when MODEL_URI is missing', async () => {
    // Prepare
    const answer = createHandler({ modelUri: () => undefined });

    // Act / Assess
    await expect(answer({ text: 'hello' })).rejects.toMatchObject({ name: 'ModelNotConfigured' });
    await expect(answer({ text: 'hello' })).rejects.toBeInstanceOf(ModelNotConfigured);
  });

  it.each([
    ['no event', undefined],
    ['an array', [{ text: 'hi' }]],
    ['text missing', {}],
    ['text not a string', { text: 42 }],
    ['empty text', { text: '' }],
    ['blank text', { text: '   \n ' }],
    ['text too long', { text: 'a'.repeat(MAX_TEXT_LENGTH + 1) }],
  ])('throws InvalidRequest for %s, before loading any model', async (_, event) => {
    // Prepare
    const loadArtifact = jest.fn();
    const answer = createHandler({ loadArtifact, modelUri: () => 'never-read.json' });

    // Act
    const result = answer(event as never);

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidRequest);
    await expect(result).rejects.toMatchObject({ name: 'InvalidRequest' });
    expect(loadArtifact).not.toHaveBeenCalled();
  });

  it('accepts text of exactly the maximum length', async () => {
    // Prepare
    const answer = createHandler({ modelUri: () => PATHS.model('v2') });

    // Act
    const output = await answer({ text: 'refund '.repeat(MAX_TEXT_LENGTH / 7 + 1).slice(0, MAX_TEXT_LENGTH) });

    // Assess
    expect(validateOutput(output)).toBe(true);
  });
});

describe('parseModelUri', () => {
  it.each([
    ['s3://bucket/path/to/v2.json', { kind: 's3', bucket: 'bucket', key: 'path/to/v2.json' }],
    ['file:///opt/models/v2.json', { kind: 'file', path: '/opt/models/v2.json' }],
    ['/opt/models/v2.json', { kind: 'file', path: '/opt/models/v2.json' }],
  ])('reads %s', (uri, location) => {
    // Prepare / Act / Assess
    expect(parseModelUri(uri)).toEqual(location);
  });

  it.each(['s3://bucket-only', 's3://bucket/', 'https://example.com/v2.json'])('refuses %s', (uri) => {
    // Prepare / Act / Assess
    expect(() => parseModelUri(uri)).toThrow(ArtifactLoadFailed);
  });
});
