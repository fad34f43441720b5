/**
 * Contract tests: how the sandbox's Lambda runs invocations at the same time,
 * against "Lambda scaling behavior" and "Configuring reserved concurrency",
 * through the real @aws-sdk/client-lambda.
 *
 * "For each concurrent request, Lambda provisions a separate instance of your
 * execution environment. As your functions receive more requests, Lambda
 * automatically handles scaling the number of execution environments until
 * you reach your account's concurrency limit."
 * — https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 * "If requests come in faster than your function can scale, or if your function
 * is at maximum concurrency, then additional requests fail with a throttling
 * error (429 status code)." — https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html
 */
import { InvokeCommand, PublishVersionCommand, PutFunctionConcurrencyCommand, DeleteFunctionConcurrencyCommand, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction, eventually, json, rejection } from './helpers';

interface Ran {
  environmentId: string;
  startedAt: number;
  endedAt: number;
  met?: boolean;
}

const HOLD_MS = 300;

async function run(c: ReturnType<typeof clientsFor>, name: string, qualifier: string, ms = HOLD_MS, barrier?: string): Promise<Ran> {
  const payload = barrier ? { ms, barrier, parties: 2 } : { ms };
  const out = await c.lambda.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
  expect(out.FunctionError).toBeUndefined();
  return json(out.Payload) as Ran;
}

const overlap = (a: Ran, b: Ran) => a.startedAt < b.endedAt && b.startedAt < a.endedAt;

// Long enough for a second environment's cold start on two loaded cores; the barrier ends the wait as soon as both are in.
const BARRIER_WAIT_MS = 20_000;

describe('execution environments scale with concurrent invocations', () => {
  let sandbox: Sandbox;
  let c: ReturnType<typeof clientsFor>;
  let version: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true, lambdaConcurrency: { accountLimit: 3, maxEnvironments: 4, idleMs: 400 } });
    c = clientsFor(sandbox);
    await createFixtureFunction(c.lambda, 'env', 'environment');
    version = (await c.lambda.send(new PublishVersionCommand({ FunctionName: 'env' }))).Version!;
    await sandbox.lambda.prewarm('env', version);
  });
  afterAll(async () => {
    c.destroy();
    await sandbox.stop();
  });

  it('runs two concurrent invocations of one version in two environments at the same time, then reuses a warm one', async () => {
    // Prepare
    const barrier = mkdtempSync(join(tmpdir(), 'cutover-barrier-'));

    // Act
    const [a, b] = await Promise.all([run(c, 'env', version, BARRIER_WAIT_MS, barrier), run(c, 'env', version, BARRIER_WAIT_MS, barrier)]);
    const after = await run(c, 'env', version, 0);

    // Assess: each saw the other inside the handler, in another environment
    expect(a.environmentId).not.toBe(b.environmentId);
    expect([a.met, b.met]).toEqual([true, true]);
    expect([a.environmentId, b.environmentId]).toContain(after.environmentId);
    expect(sandbox.lambda.environmentStats('env')[`env:${version}`]).toMatchObject({ started: 2, peakBusy: 2 });
  });

  it('keeps one environment for sequential invocations (no cold start per request)', async () => {
    // Act
    const first = await run(c, 'env', '$LATEST', 0);
    const second = await run(c, 'env', '$LATEST', 0);
    const third = await run(c, 'env', '$LATEST', 0);

    // Assess
    expect(new Set([first.environmentId, second.environmentId, third.environmentId]).size).toBe(1);
    expect(sandbox.lambda.environmentStats('env')['env:$LATEST']).toMatchObject({ started: 1, live: 1 });
  });

  it('ends an idle extra environment after idleMs and keeps the first', async () => {
    // Prepare
    await Promise.all([run(c, 'env', version, 50), run(c, 'env', version, 50)]);

    // Act
    const stats = await eventually(async () => sandbox.lambda.environmentStats('env')[`env:${version}`]!, (s) => s.live === 1, 5_000);

    // Assess
    expect(stats.live).toBe(1);
  });

  it('throttles a synchronous invocation beyond the account limit: 429 TooManyRequestsException, Reason ConcurrentInvocationLimitExceeded', async () => {
    // Act: four at once against an account limit of three
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => run(c, 'env', version, 600)));

    // Assess
    const throttled = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as TooManyRequestsException);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.name).toBe('TooManyRequestsException');
    expect(throttled[0]!.$metadata.httpStatusCode).toBe(429);
    expect(throttled[0]!.Reason).toBe('ConcurrentInvocationLimitExceeded');
  });

  it('caps a function at its reserved concurrency (ReservedFunctionConcurrentInvocationLimitExceeded) and queues asynchronous invocations instead', async () => {
    // Prepare
    // "Reserved concurrency is the maximum number of concurrent instances that you want to allocate to your function."
    // — https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
    await c.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'env', ReservedConcurrentExecutions: 1 }));

    try {
      // Act
      const busy = run(c, 'env', version, 600);
      await new Promise((r) => setTimeout(r, 100));
      const second = await rejection(run(c, 'env', version, 0));
      // "Lambda places the event in a queue and returns a success response" — https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
      const queued = await c.lambda.send(new InvokeCommand({ FunctionName: 'env', Qualifier: version, InvocationType: 'Event', Payload: new TextEncoder().encode('{}') }));
      await busy;

      // Assess
      expect(second.name).toBe('TooManyRequestsException');
      expect((second as unknown as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
      expect(queued.StatusCode).toBe(202);
    } finally {
      await c.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'env' }));
    }
  });
});

describe('the sandbox cap on environments per version', () => {
  let sandbox: Sandbox;
  let c: ReturnType<typeof clientsFor>;

  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true, lambdaConcurrency: { maxEnvironments: 1 } });
    c = clientsFor(sandbox);
    await createFixtureFunction(c.lambda, 'env', 'environment');
  });
  afterAll(async () => {
    c.destroy();
    await sandbox.stop();
  });

  it('queues invocations beyond maxEnvironments for the environment in use (the sandbox limit, not a throttle)', async () => {
    // Act
    const [a, b] = await Promise.all([run(c, 'env', '$LATEST', 200), run(c, 'env', '$LATEST', 200)]);

    // Assess
    expect(a.environmentId).toBe(b.environmentId);
    expect(overlap(a, b)).toBe(false);
    expect(sandbox.lambda.environmentStats('env')['env:$LATEST']).toMatchObject({ started: 1, peakBusy: 1 });
  });
});
