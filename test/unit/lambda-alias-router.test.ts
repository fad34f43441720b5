import {
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  LambdaClient,
  ListAliasesCommand,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
} from '@aws-sdk/client-lambda';
import fc from 'fast-check';
import type { Green } from '../../core/release-state';
import { aliasUpdateFor, LambdaAliasRouter, splitOf } from '../../targets/lambda-alias';
import { awsError, FakeLambda } from '../support/fake-lambda';

const lambda = new FakeLambda();
const client = new LambdaClient({});
const router = () => new LambdaAliasRouter({ kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, client);
const green = (createdGreen = true): Green => ({ blue: '1', green: '2', createdGreen });
const deleted = () => lambda.calls.filter((c) => c.op === 'DeleteFunction').map((c) => c.input.Qualifier);

/** Versions 1..count published, `production` on version 1. */
function reset(count = 2) {
  lambda.startOver();
  lambda.behaviour = (v) => ({ ok: true, version: v.version });
  lambda.seed('production');
  for (let v = 2; v <= count; v++) lambda.versions.push({ version: String(v), codeSha256: `sha-${v}`, env: {}, description: `cutover r${v}` });
  lambda.calls = [];
}

beforeEach(() => reset());
afterAll(() => client.destroy());

describe('splitOf', () => {
  it('reads an alias on one version as 100 % on it', () => {
    expect(splitOf({ FunctionVersion: '3' })).toEqual({ '3': 100 });
    expect(splitOf({ FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: {} } })).toEqual({ '3': 100 });
  });

  it('gives the weighted version its share in percent and the main version the rest', () => {
    expect(splitOf({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } })).toEqual({ '1': 90, '2': 10 });
    expect(splitOf({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3333 } } })).toEqual({ '1': 66.67, '2': 33.33 });
  });

  it('leaves out a weighted version at 0 %', () => {
    expect(splitOf({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0 } } })).toEqual({ '1': 100 });
  });
});

describe('aliasUpdateFor', () => {
  it('100 % moves the main version to green and clears the weights', () => {
    expect(aliasUpdateFor(green(), 100)).toEqual({ FunctionVersion: '2', weights: {} });
  });

  it('0 % is blue alone (a rollback)', () => {
    expect(aliasUpdateFor(green(), 0)).toEqual({ FunctionVersion: '1', weights: {} });
  });

  it('a canary share keeps blue as the main version and weights green', () => {
    expect(aliasUpdateFor(green(), 10)).toEqual({ FunctionVersion: '1', weights: { '2': 0.1 } });
  });

  it('clamps out-of-range shares to the ends', () => {
    expect(aliasUpdateFor(green(), 150)).toEqual({ FunctionVersion: '2', weights: {} });
    expect(aliasUpdateFor(green(), -5)).toEqual({ FunctionVersion: '1', weights: {} });
  });

  const applied = (percent: number) => {
    const want = aliasUpdateFor(green(), percent);
    return splitOf({ FunctionVersion: want.FunctionVersion, RoutingConfig: { AdditionalVersionWeights: want.weights } });
  };
  const total = (split: Record<string, number>) => Object.values(split).reduce((a, b) => a + b, 0);

  it('property: for any percent 0..100 (in hundredths), the split sums to 100 and gives green exactly the percent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }).map((h) => h / 100), (percent) => {
        // Act
        const split = applied(percent);

        // Assess
        expect(total(split)).toBeCloseTo(100, 9);
        expect(split['2'] ?? 0).toBeCloseTo(percent, 9);
        expect(split['1'] ?? 0).toBeCloseTo(100 - percent, 9);
        expect(Object.keys(split).every((v) => v === '1' || v === '2')).toBe(true);
        // An alias routes to at most 2 versions, with weights within 0..1.
        const want = aliasUpdateFor(green(), percent);
        expect(Object.values(want.weights).every((w) => w > 0 && w < 1)).toBe(true);
      }),
    );
  });

  it('property: for any real percent 0..100 the split sums to 100 and green is within the 0.01 % rounding', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), (percent) => {
        const split = applied(percent);
        expect(total(split)).toBeCloseTo(100, 9);
        expect(Math.abs((split['2'] ?? 0) - percent)).toBeLessThanOrEqual(0.005 + 1e-9);
      }),
    );
  });
});

describe('LambdaAliasRouter.decommission', () => {
  it('deletes green when this release created it (after dropping its provisioned concurrency)', async () => {
    // Act
    const out = await router().decommission(green(true), 'green', { deleteVersion: false });

    // Assess
    expect(lambda.calls.map((c) => c.op)).toEqual(['ListAliases', 'DeleteProvisionedConcurrencyConfig', 'DeleteFunction']);
    expect(deleted()).toEqual(['2']);
    expect(out).toEqual({ removed: ['ai-handler:2'], kept: [] });
  });

  it("puts $LATEST's artifact variable back to blue's value when it retires green after a failure, and only once", async () => {
    // Prepare: what PrepareGreen left: $LATEST with v2's model, published as version 2 (blue 1 has v1's).
    lambda.startOver();
    lambda.seed('production');
    lambda.env = { MODEL_URI: 's3://models/ai-handler/v2.json', LOG_LEVEL: 'debug' };
    lambda.versions.push({ version: '2', codeSha256: 'sha-2', env: { ...lambda.env }, description: 'cutover r2' });

    // Act
    const out = await router().decommission({ ...green(true), artifactVar: 'MODEL_URI', artifactUri: 's3://models/ai-handler/v2.json' }, 'green', { deleteVersion: false });
    const again = await router().decommission({ ...green(true), artifactVar: 'MODEL_URI', artifactUri: 's3://models/ai-handler/v2.json' }, 'green', { deleteVersion: false });

    // Assess
    expect(lambda.env).toEqual({ MODEL_URI: 's3://models/ai-handler/v1.json', LOG_LEVEL: 'debug' });
    expect(out.removed).toEqual(["MODEL_URI of ai-handler $LATEST (back to blue 1's s3://models/ai-handler/v1.json)", 'ai-handler:2']);
    expect(again.removed).toEqual(['ai-handler:2 (already gone)']);
  });

  it('still retires green when putting $LATEST back is denied, then raises the denial (the Task records it and retries)', async () => {
    // Prepare
    lambda.startOver();
    lambda.seed('production');
    lambda.env = { MODEL_URI: 's3://models/ai-handler/v2.json' };
    lambda.versions.push({ version: '2', codeSha256: 'sha-2', env: { ...lambda.env }, description: 'cutover r2' });
    lambda.mock.on(UpdateFunctionConfigurationCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: lambda:UpdateFunctionConfiguration', 403));

    // Act
    const err = await router()
      .decommission({ ...green(true), artifactVar: 'MODEL_URI', artifactUri: 's3://models/ai-handler/v2.json' }, 'green', { deleteVersion: false })
      .catch((e: Error) => e);

    // Assess
    expect((err as Error).name).toBe('AccessDeniedException');
    expect(deleted()).toEqual(['2']);
    expect(lambda.env.MODEL_URI).toBe('s3://models/ai-handler/v2.json');
  });

  it("leaves $LATEST alone when its artifact is no longer green's (another release set its own since)", async () => {
    // Prepare
    lambda.startOver();
    lambda.seed('production');
    lambda.versions.push({ version: '2', codeSha256: 'sha-2', env: { MODEL_URI: 's3://models/ai-handler/v2.json' }, description: 'cutover r2' });
    lambda.env = { MODEL_URI: 's3://models/ai-handler/v3.json' };

    // Act
    const out = await router().decommission({ ...green(true), artifactVar: 'MODEL_URI', artifactUri: 's3://models/ai-handler/v2.json' }, 'green', { deleteVersion: false });

    // Assess
    expect(lambda.env).toEqual({ MODEL_URI: 's3://models/ai-handler/v3.json' });
    expect(lambda.calls.filter((c) => c.op === 'UpdateFunctionConfiguration')).toEqual([]);
    expect(out.removed).toEqual(['ai-handler:2']);
  });

  it('keeps green when this release did not create it, whatever deleteVersion says', async () => {
    // Act
    const out = await router().decommission(green(false), 'green', { deleteVersion: true });

    // Assess
    expect(deleted()).toEqual([]);
    expect(out.kept).toEqual([{ what: 'ai-handler:2', why: 'this release did not create it' }]);
  });

  it('deletes blue only when deleteVersion is set', async () => {
    // Prepare
    lambda.aliases.production = { FunctionVersion: '2', weights: {}, RevisionId: 'r' };

    // Act
    const kept = await router().decommission(green(), 'blue', { deleteVersion: false });
    const removed = await router().decommission(green(), 'blue', { deleteVersion: true });

    // Assess
    expect(kept.kept).toEqual([{ what: 'ai-handler:1', why: 'decommission.deleteBlueVersion is false' }]);
    expect(removed.removed).toEqual(['ai-handler:1']);
    expect(lambda.versions.map((v) => v.version)).toEqual(['2']);
  });

  it('never deletes the version the released alias serves', async () => {
    // Act: blue is still live on production.
    const out = await router().decommission(green(), 'blue', { deleteVersion: true });

    // Assess
    expect(deleted()).toEqual([]);
    expect(lambda.calls.map((c) => c.op)).toEqual(['ListAliases']); // provisioned concurrency left alone too
    expect(out.kept).toEqual([{ what: 'ai-handler:1', why: 'alias production routes traffic to it' }]);
  });

  it('never deletes a version another alias routes to as its main version', async () => {
    // Prepare
    lambda.aliases.staging = { FunctionVersion: '2', weights: {}, RevisionId: 's' };

    // Act
    const out = await router().decommission(green(), 'green', { deleteVersion: true });

    // Assess
    expect(deleted()).toEqual([]);
    expect(out.kept[0].why).toBe('alias staging routes traffic to it');
  });

  it('never deletes a version in the AdditionalVersionWeights of another alias', async () => {
    // Prepare
    reset(3);
    lambda.aliases.staging = { FunctionVersion: '3', weights: { '2': 0.05 }, RevisionId: 's' };

    // Act
    const out = await router().decommission(green(), 'green', { deleteVersion: true });

    // Assess
    expect(deleted()).toEqual([]);
    expect(out.kept).toEqual([{ what: 'ai-handler:2', why: 'alias staging routes traffic to it' }]);
  });

  it('looks through every page of aliases', async () => {
    // Prepare: the alias that routes to green is on the second page.
    const page = (a: AliasConfiguration[], NextMarker?: string) => ({ Aliases: a, NextMarker });
    lambda.mock.on(ListAliasesCommand).callsFake((input) =>
      input.Marker === 'p2'
        ? page([{ Name: 'canary-test', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }])
        : page([{ Name: 'production', FunctionVersion: '1' }], 'p2'),
    );

    // Act
    const out = await router().decommission(green(), 'green', { deleteVersion: true });

    // Assess
    expect(lambda.mock.commandCalls(ListAliasesCommand).map((c) => c.args[0].input.Marker)).toEqual([undefined, 'p2']);
    expect(out.kept[0].why).toBe('alias canary-test routes traffic to it');
    expect(lambda.mock.commandCalls(DeleteFunctionCommand)).toHaveLength(0);
  });

  it('is safe to repeat: a version already gone is reported, not an error', async () => {
    // Prepare
    await router().decommission(green(), 'green', { deleteVersion: false });

    // Act
    const again = await router().decommission(green(), 'green', { deleteVersion: false });

    // Assess
    expect(again.removed).toEqual(['ai-handler:2 (already gone)']);
  });

  it('reports dropped provisioned concurrency, and rethrows unexpected errors from it', async () => {
    // Prepare
    lambda.mock.on(DeleteProvisionedConcurrencyConfigCommand).resolvesOnce({}).rejects(awsError('AccessDeniedException', 'denied', 403));

    // Act
    const first = await router().decommission(green(true), 'green', { deleteVersion: false });
    const err = await router()
      .decommission(green(true), 'green', { deleteVersion: false })
      .catch((e: Error) => e);

    // Assess
    expect(first.removed).toContain('provisioned concurrency of ai-handler:2');
    expect((err as Error).name).toBe('AccessDeniedException');
  });

  it('property: for any aliases over any versions, never deletes a routed version and deletes exactly what it may', async () => {
    const versions = ['1', '2', '3', '4'];
    const alias = fc
      .record({ main: fc.constantFrom(...versions), extra: fc.option(fc.tuple(fc.constantFrom(...versions), fc.integer({ min: 1, max: 99 }))) })
      .filter((a) => !a.extra || a.extra[0] !== a.main);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('production', 'staging', 'canary', 'eval'), alias, { minKeys: 1 }),
        fc.constantFrom<'blue' | 'green'>('blue', 'green'),
        fc.boolean(),
        fc.boolean(),
        async (aliases, side, createdGreen, deleteVersion) => {
          // Prepare
          reset(4);
          lambda.aliases = Object.fromEntries(
            Object.entries(aliases).map(([name, a]) => [name, { FunctionVersion: a.main, weights: a.extra ? { [a.extra[0]]: a.extra[1] / 100 } : {}, RevisionId: name }]),
          );
          const version = side === 'blue' ? '1' : '2';
          const routed = Object.values(aliases).some((a) => a.main === version || a.extra?.[0] === version);
          const allowed = side === 'green' ? createdGreen : deleteVersion;

          // Act (the fake refuses, as Lambda does, to delete a version an alias references)
          await router().decommission(green(createdGreen), side, { deleteVersion });

          // Assess
          expect(deleted()).toEqual(!routed && allowed ? [version] : []);
          expect(lambda.versions.some((v) => v.version === version)).toBe(routed || !allowed);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('LambdaAliasRouter.invoke', () => {
  it('calls the side by its version and decodes the JSON output', async () => {
    // Act
    const out = await router().invoke(green(), 'blue', { text: 'hi' });

    // Assess
    expect(lambda.calls.find((c) => c.op === 'Invoke')?.input).toMatchObject({ FunctionName: 'ai-handler', Qualifier: '1' });
    expect(out).toMatchObject({ output: { ok: true, version: '1' } });
    expect(out.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a function error as "errorType: errorMessage"', async () => {
    // Prepare
    lambda.behaviour = () => {
      throw Object.assign(new Error('out of memory'), { name: 'Runtime.OutOfMemory' });
    };

    // Act
    const out = await router().invoke(green(), 'green', {});

    // Assess
    expect(out.error).toBe('Runtime.OutOfMemory: out of memory');
    expect(out.output).toBeUndefined();
  });
});
