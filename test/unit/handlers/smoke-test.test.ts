import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { QualityGateFailed, SmokeTestFailed } from '../../../core/errors';
import { LambdaAliasRouter } from '../../../targets/lambda-alias';
import { handler } from '../../../functions/smoke-test/handler';
import { smokeTest } from '../../../functions/smoke-test/smoke-test';
import { awsError, FakeLambda } from '../../support/fake-lambda';
import { clock, greenOf, itemOf, lambdaContext, rejectionOf, releaseContext, useLedger } from './support';

const db = useLedger();
const lambda = new FakeLambda();
const s3Mock = mockClient(S3Client);
const lambdaClient = new LambdaClient({});
const s3 = new S3Client({});
const target = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };
const deps = (extra: { deadline?: { atMs: number; now: () => number } } = {}) => ({ ledger: db.ledger, router: new LambdaAliasRouter(target, lambdaClient), s3, now: clock, ...extra });

const GOLDEN_URI = 's3://quality-bucket/golden/support.jsonl';
/** Four support tickets; green (version 2) gets the two "hard" ones wrong, blue (version 1) gets all right. */
const golden = [
  { outputSchema: { type: 'object', required: ['label'], properties: { label: { type: 'string' } } } },
  { id: 'billing-001', input: { text: 'charged twice', label: 'billing' }, expect: [{ path: 'label', equals: 'billing' }] },
  { id: 'billing-002', input: { text: 'refund please', label: 'billing', hard: true }, expect: [{ path: 'label', equals: 'billing' }] },
  { id: 'tech-001', input: { text: 'cannot log in', label: 'technical' }, expect: [{ path: 'label', equals: 'technical' }] },
  { id: 'tech-002', input: { text: 'app crashes', label: 'technical', hard: true }, expect: [{ path: 'label', equals: 'technical' }] },
]
  .map((l) => JSON.stringify(l))
  .join('\n');

type Ticket = { text: string; label: string; hard?: boolean };
const classifier = (v: { version: string }, payload: unknown) => {
  const t = payload as Ticket;
  if (t && 'label' in t) return { label: v.version === '2' && t.hard ? 'account' : t.label };
  return { ok: true, version: v.version };
};

let n = 0;
const stateWith = (smoke: object) => ({ release: releaseContext({ smokeTest: smoke }, `smoke-${++n}`), green: greenOf('1', '2') });
const invoked = () => lambda.calls.filter((c) => c.op === 'Invoke').map((c) => c.input.Qualifier);

beforeEach(() => {
  lambda.startOver();
  lambda.seed('production');
  // Green: version 2, published, not yet routed to.
  lambda.versions.push({ version: '2', codeSha256: 'sha-2', env: {}, description: 'cutover' });
  lambda.calls = [];
  lambda.behaviour = classifier;
  s3Mock.reset();
  s3Mock.on(GetObjectCommand, { Bucket: 'quality-bucket', Key: 'golden/support.jsonl' }).resolves({ Body: { transformToString: async () => golden } as never });
});
afterAll(() => {
  lambdaClient.destroy();
  s3.destroy();
});

describe('smokeTest: named cases', () => {
  it('invokes green directly (its version, never the alias) and passes when every check holds', async () => {
    // Prepare
    const state = stateWith({ cases: [{ name: 'greeting', input: { text: 'hello' }, expect: [{ path: 'ok', equals: true }, { path: 'version', equals: '2' }] }] });

    // Act
    const out = await smokeTest(state, deps());

    // Assess
    expect(out).toEqual({ cases: 1, passed: 1, quality: null });
    expect(invoked()).toEqual(['2']);
    const item = await itemOf(db.ledger, state.release);
    expect(item?.changes['smoke-tested']).toEqual({ at: clock().toISOString(), state: 'SmokeTestGreen', detail: '1 smoke cases passed' });
    expect(item?.quality).toBeUndefined();
  });

  it('throws SmokeTestFailed naming the case whose check fails, and stops there', async () => {
    // Prepare
    const state = stateWith({
      cases: [
        { name: 'greeting', input: { text: 'hello' }, expect: [{ path: 'ok', equals: true }] },
        { name: 'version check', input: {}, expect: [{ path: 'version', equals: '1' }] },
        { name: 'never run', input: {}, expect: [] },
      ],
    });

    // Act
    const err = await rejectionOf(smokeTest(state, deps()));

    // Assess
    expect(err).toBeInstanceOf(SmokeTestFailed);
    expect(err.failedCase).toBe('version check');
    expect(err.message).toMatch(/^smoke case "version check" failed on green 2: /);
    expect(err.message).toContain('version');
    expect(invoked()).toEqual(['2', '2']);
    expect(await itemOf(db.ledger, state.release)).toBeUndefined(); // nothing recorded as smoke-tested
  });

  it('is idempotent: a retried smoke test records its change once, under the same id', async () => {
    // Prepare
    const state = stateWith({ cases: [{ name: 'greeting', input: {}, expect: [{ path: 'ok', equals: true }] }] });
    await smokeTest(state, deps());

    // Act
    await smokeTest(state, deps());

    // Assess
    expect(Object.keys((await itemOf(db.ledger, state.release))!.changes)).toEqual(['smoke-tested']);
  });

  it('throws SmokeTestFailed with the function error when green fails', async () => {
    // Prepare
    lambda.behaviour = () => {
      throw Object.assign(new Error('model file not found'), { name: 'ModelLoadError' });
    };
    const state = stateWith({ cases: [{ name: 'greeting', input: { text: 'hello' }, expect: [] }] });

    // Act
    const err = await rejectionOf(smokeTest(state, deps()));

    // Assess
    expect(err).toBeInstanceOf(SmokeTestFailed);
    expect(err.failedCase).toBe('greeting');
    expect(err.message).toContain('ModelLoadError: model file not found');
  });
});

describe('smokeTest: golden set', () => {
  it('passes when green scores like blue, and records the quality report', async () => {
    // Prepare: green answers as blue does.
    lambda.behaviour = (v, p) => classifier({ version: '1' }, p);
    const state = stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI } });

    // Act
    const out = await smokeTest(state, deps());

    // Assess
    expect(out.quality?.verdict.passed).toBe(true);
    expect(out.quality?.report.green).toMatchObject({ ran: 4, passed: 4, passRate: 1, schemaValidRate: 1 });
    expect(out.quality?.report.blue).toMatchObject({ ran: 4, passed: 4 });
    expect(invoked().sort()).toEqual(['1', '1', '1', '1', '2', '2', '2', '2']);
    const item = await itemOf(db.ledger, state.release);
    expect(item?.quality).toMatchObject({ verdict: { passed: true }, report: { cases: 4 } });
  });

  it('throws QualityGateFailed with the figures when green is worse than blue, after recording the report', async () => {
    // Prepare
    const state = stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI } });

    // Act
    const err = await rejectionOf(smokeTest(state, deps()));

    // Assess
    expect(err).toBeInstanceOf(QualityGateFailed);
    expect(err.message).toContain('green 2: quality gates failed on 4 cases: pass rate: green 0.5 vs blue 1 on 4 cases (allowed drop 0.02); worst: billing-002');
    const item = await itemOf(db.ledger, state.release);
    expect(item?.quality).toMatchObject({ verdict: { passed: false }, report: { green: { passed: 2 }, blue: { passed: 4 } } });
  });

  it('holds green against the absolute minimum pass rate when compareWithBlue is false (blue not called)', async () => {
    // Prepare
    const state = stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI, compareWithBlue: false } });

    // Act
    const err = await rejectionOf(smokeTest(state, deps()));

    // Assess
    expect(err).toBeInstanceOf(QualityGateFailed);
    expect(err.message).toContain('pass rate: green 0.5 on 4 cases, below the minimum 0.9 (no blue baseline)');
    expect(invoked()).toEqual(['2', '2', '2', '2']);
  });

  it('fails the coverage gate when the deadline has passed before the golden set could run', async () => {
    // Prepare: a monotonic clock already past the deadline.
    lambda.behaviour = (v, p) => classifier({ version: '1' }, p);
    const state = stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI } });

    // Act
    const err = await rejectionOf(smokeTest(state, deps({ deadline: { atMs: 1_000, now: () => 1_001 } })));

    // Assess
    expect(err).toBeInstanceOf(QualityGateFailed);
    expect(err.message).toContain('coverage: green ran 0 of 4 cases before the deadline');
    expect(invoked()).toEqual([]);
  });

  it('runs the named cases first: a failing case stops the release before the golden set is read', async () => {
    // Prepare
    const state = stateWith({ cases: [{ name: 'must be v1', input: {}, expect: [{ path: 'version', equals: '1' }] }], goldenSet: { uri: GOLDEN_URI } });

    // Act
    const err = await rejectionOf(smokeTest(state, deps()));

    // Assess
    expect(err.name).toBe('SmokeTestFailed');
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('throws GoldenSetInvalid when the golden set does not exist', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(awsError('NoSuchKey', 'The specified key does not exist.', 404));
    const state = stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI } });

    // Act
    const err = await rejectionOf(smokeTest(state, deps()));

    // Assess
    expect(err.name).toBe('GoldenSetInvalid');
    expect(err.message).toContain(`golden set ${GOLDEN_URI} does not exist`);
  });
});

describe('SmokeTestGreen handler (middy)', () => {
  it('runs the cases against green', async () => {
    // Act
    const out = await handler(stateWith({ cases: [{ name: 'greeting', input: {}, expect: [{ path: 'ok', equals: true }] }] }), lambdaContext('smoke-test'));

    // Assess
    expect(out).toEqual({ cases: 1, passed: 1, quality: null });
  });

  it('surfaces SmokeTestFailed and QualityGateFailed by name', async () => {
    // Act
    const smoke = await rejectionOf(handler(stateWith({ cases: [{ name: 'v1 only', input: {}, expect: [{ path: 'version', equals: '1' }] }] }), lambdaContext('smoke-test')));
    const quality = await rejectionOf(handler(stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI } }), lambdaContext('smoke-test')));

    // Assess
    expect(smoke.name).toBe('SmokeTestFailed');
    expect(quality.name).toBe('QualityGateFailed');
  });

  it('sets the golden-set deadline from the Lambda context (15 s before the timeout)', async () => {
    // Prepare: 10 s left means the deadline has already passed.
    lambda.behaviour = (v, p) => classifier({ version: '1' }, p);
    const context = { ...lambdaContext('smoke-test'), getRemainingTimeInMillis: () => 10_000 };

    // Act
    const err = await rejectionOf(handler(stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI } }), context));

    // Assess
    expect(err.name).toBe('QualityGateFailed');
    expect(err.message).toContain('green ran 0 of 4');
  });

  it('turns S3 SlowDown (503) into TransientAwsError', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(awsError('SlowDown', 'Please reduce your request rate', 503));

    // Act
    const err = await rejectionOf(handler(stateWith({ cases: [], goldenSet: { uri: GOLDEN_URI } }), lambdaContext('smoke-test')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
  });

  it('turns Lambda Invoke throttling into TransientAwsError', async () => {
    // Prepare
    lambda.mock.on(InvokeCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded', 429));

    // Act
    const err = await rejectionOf(handler(stateWith({ cases: [{ name: 'greeting', input: {}, expect: [] }] }), lambdaContext('smoke-test')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
  });

  it('rejects a state without green as InvalidReleaseInput naming the field', async () => {
    // Act
    const err = await rejectionOf(handler({ release: releaseContext() }, lambdaContext('smoke-test')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toMatch(/^invalid SmokeTestGreen input: green: /);
  });
});
