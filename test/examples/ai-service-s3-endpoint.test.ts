import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PATHS } from '../../examples/ai-service/dataset';
import { handler } from '../../examples/ai-service/handler';

/**
 * The sandbox case, without mocks: the exported handler, its default S3
 * client, AWS_ENDPOINT_URL pointing at an S3 emulator on loopback. Proves the
 * path-style addressing (forcePathStyle) the emulator needs.
 */
// s3rver ships no types; this is the part used here.
const S3rver = require('s3rver') as new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => { run(): Promise<AddressInfo>; close(): Promise<void> };

describe('ai-service handler against an S3 endpoint on loopback', () => {
  // s3rver knows one key pair, S3RVER/S3RVER; the handler's default client reads it from the environment.
  const overrides = ['AWS_ENDPOINT_URL', 'MODEL_URI', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
  const saved = Object.fromEntries(overrides.map((name) => [name, process.env[name]]));
  const directory = mkdtempSync(join(tmpdir(), 'cutover-ai-service-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'models' }] });
  let endpoint = '';

  beforeAll(async () => {
    const address = await server.run();
    // "localhost", not an IP: with virtual-hosted addressing the SDK would call models.localhost.
    endpoint = `http://localhost:${address.port}`;
  });

  afterAll(async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
    for (const name of overrides) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('reads MODEL_URI=s3://… through AWS_ENDPOINT_URL', async () => {
    // Prepare
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    const uploader = new S3Client({ endpoint, forcePathStyle: true, region: 'eu-west-1' });
    await uploader.send(
      new PutObjectCommand({ Bucket: 'models', Key: 'ticket-intent/v2.json', Body: readFileSync(PATHS.model('v2')) }),
    );
    uploader.destroy();
    process.env.AWS_ENDPOINT_URL = endpoint;
    process.env.MODEL_URI = 's3://models/ticket-intent/v2.json';

    // Act
    const output = await handler({ text: 'Please refund the $49 charge from March.' }, { functionName: 'ai-handler', functionVersion: '2' } as never);

    // Assess
    expect(output).toMatchObject({ modelVersion: 'v2' });
  });
});
