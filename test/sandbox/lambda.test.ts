/**
 * Contract tests: the sandbox's Lambda against documented AWS behaviour,
 * through the real @aws-sdk/client-lambda.
 */
import {
  CreateAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction, json, rejection } from './helpers';

let sandbox: Sandbox;
let c: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true });
  c = clientsFor(sandbox);
  await createFixtureFunction(c.lambda, 'echo', 'echo', { Environment: { Variables: { MODEL_URI: 's3://models/v1' } } });
  await createFixtureFunction(c.lambda, 'fail', 'fail');
});

afterAll(async () => {
  c.destroy();
  await sandbox.stop();
});

describe('CreateFunction / GetFunctionConfiguration', () => {
  it('returns the configuration, and ResourceNotFoundException for an unknown function', async () => {
    // Act
    const config = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }));
    const missing = await rejection(c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' })));

    // Assess
    expect(config).toMatchObject({ FunctionName: 'echo', Version: '$LATEST', State: 'Active', LastUpdateStatus: 'Successful', Environment: { Variables: { MODEL_URI: 's3://models/v1' } } });
    expect(config.FunctionArn).toBe(`arn:aws:lambda:${sandbox.region}:000000000000:function:echo`);
    expect(config.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
  });

  it('refuses a duplicate name (ResourceConflictException) and reserved environment keys', async () => {
    // Act
    const duplicate = await rejection(createFixtureFunction(c.lambda, 'echo', 'echo'));
    const reserved = await rejection(createFixtureFunction(c.lambda, 'reserved', 'echo', { Environment: { Variables: { AWS_REGION: 'x' } } }));

    // Assess
    expect(duplicate.name).toBe('ResourceConflictException');
    expect(reserved.name).toBe('InvalidParameterValueException');
  });
});

describe('PublishVersion', () => {
  it('numbers versions from 1 and returns the latest version unchanged when nothing changed', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'pub', 'echo', { Environment: { Variables: { MODEL_URI: 's3://models/v1' } } });

    // Act
    const first = await c.lambda.send(new PublishVersionCommand({ FunctionName: 'pub' }));
    const again = await c.lambda.send(new PublishVersionCommand({ FunctionName: 'pub' }));
    const latest = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'pub' }));
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pub', Environment: { Variables: { MODEL_URI: 's3://models/v2' } } }));
    const second = await c.lambda.send(new PublishVersionCommand({ FunctionName: 'pub', CodeSha256: latest.CodeSha256 }));
    const versions = await c.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'pub' }));

    // Assess
    expect(first.Version).toBe('1');
    expect(again.Version).toBe('1');
    expect(again.RevisionId).toBe(first.RevisionId);
    expect(second.Version).toBe('2');
    expect(second.FunctionArn).toMatch(/:function:pub:2$/);
    expect(second.Environment?.Variables?.MODEL_URI).toBe('s3://models/v2');
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
  });

  it('honours the CodeSha256 and RevisionId preconditions', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'pre', 'echo');
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pre', Description: 'changed' }));

    // Act
    const wrongSha = await rejection(c.lambda.send(new PublishVersionCommand({ FunctionName: 'pre', CodeSha256: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' })));
    const staleRevision = await rejection(c.lambda.send(new PublishVersionCommand({ FunctionName: 'pre', RevisionId: 'stale' })));
    const staleUpdate = await rejection(c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pre', Description: 'x', RevisionId: 'stale' })));

    // Assess
    expect(wrongSha.name).toBe('InvalidParameterValueException');
    expect(wrongSha.message).toContain('is different from current CodeSHA256 in $LATEST');
    expect(staleRevision.name).toBe('PreconditionFailedException');
    expect(staleRevision.$metadata?.httpStatusCode).toBe(412);
    expect(staleUpdate.name).toBe('PreconditionFailedException');
  });

  it('runs each version with its own environment', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'models', 'echo', { Environment: { Variables: { MODEL_URI: 's3://models/blue' } } });
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'models' }));
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'models', Environment: { Variables: { MODEL_URI: 's3://models/green' } } }));
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'models' }));

    // Act
    const [blue, green] = await Promise.all(['1', '2'].map((v) => c.lambda.send(new InvokeCommand({ FunctionName: `models:${v}`, Payload: Buffer.from('{}') }))));

    // Assess
    expect(json(blue?.Payload)).toMatchObject({ modelUri: 's3://models/blue', version: '1', envVersion: '1' });
    expect(json(green?.Payload)).toMatchObject({ modelUri: 's3://models/green', version: '2', envVersion: '2' });
    expect(blue?.ExecutedVersion).toBe('1');
  });
});

describe('aliases', () => {
  beforeAll(async () => {
    await createFixtureFunction(c.lambda, 'svc', 'echo');
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'svc' }));
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'svc', Environment: { Variables: { MODEL_URI: 'green' } } }));
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'svc' }));
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'svc', Environment: { Variables: { MODEL_URI: 'third' } } }));
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'svc' }));
    await c.lambda.send(new CreateAliasCommand({ FunctionName: 'svc', Name: 'live', FunctionVersion: '1' }));
  });

  it('changes RevisionId on every update and refuses a stale one (PreconditionFailedException)', async () => {
    // Prepare
    const before = await c.lambda.send(new GetAliasCommand({ FunctionName: 'svc', Name: 'live' }));

    // Act
    const updated = await c.lambda.send(new UpdateAliasCommand({ FunctionName: 'svc', Name: 'live', FunctionVersion: '1', RevisionId: before.RevisionId, Description: 'blue' }));
    const stale = await rejection(c.lambda.send(new UpdateAliasCommand({ FunctionName: 'svc', Name: 'live', FunctionVersion: '2', RevisionId: before.RevisionId })));
    const after = await c.lambda.send(new GetAliasCommand({ FunctionName: 'svc', Name: 'live' }));

    // Assess
    expect(updated.RevisionId).not.toBe(before.RevisionId);
    expect(stale.name).toBe('PreconditionFailedException');
    expect(after).toMatchObject({ FunctionVersion: '1', Description: 'blue', RevisionId: updated.RevisionId });
  });

  it('allows at most one additional version, weighted 0 to 1', async () => {
    // Act
    const twoExtra = await rejection(c.lambda.send(new UpdateAliasCommand({ FunctionName: 'svc', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1, '3': 0.1 } } })));
    const tooHeavy = await rejection(c.lambda.send(new UpdateAliasCommand({ FunctionName: 'svc', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } } })));
    const missingGet = await rejection(c.lambda.send(new GetAliasCommand({ FunctionName: 'svc', Name: 'nope' })));

    // Assess
    expect(twoExtra.name).toBe('InvalidParameterValueException');
    // AWS's model (botocore lambda/2015-03-31, sandbox/models/lambda.json): Weight is a double with
    // "min": 0, "max": 1, so a weight of 1.5 fails model validation before Lambda looks at it.
    expect(tooHeavy.name).toBe('ValidationException');
    expect(tooHeavy.message).toBe(
      "1 validation error detected: Value '{2=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0]",
    );
    expect(missingGet.name).toBe('ResourceNotFoundException');
  });

  it('splits 1,000 invocations by the alias weights and reports X-Amz-Executed-Version', async () => {
    // Prepare
    await c.lambda.send(new UpdateAliasCommand({ FunctionName: 'svc', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
    const counts: Record<string, number> = {};

    // Act
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => c.lambda.send(new InvokeCommand({ FunctionName: 'svc', Qualifier: 'live', Payload: Buffer.from('{}') }))),
      );
      for (const r of results) counts[r.ExecutedVersion ?? '?'] = (counts[r.ExecutedVersion ?? '?'] ?? 0) + 1;
    }

    // Assess: binomial(1000, 0.3) has a standard deviation of about 14.5; ±60 is over 4 of them.
    expect(Object.keys(counts).sort()).toEqual(['1', '2']);
    expect(counts['2']).toBeGreaterThan(240);
    expect(counts['2']).toBeLessThan(360);
    expect((counts['1'] ?? 0) + (counts['2'] ?? 0)).toBe(1000);
  });

  it('records AWS/Lambda metrics per alias (Resource) and per version it ran (Resource + ExecutedVersion)', async () => {
    // Prepare
    const now = sandbox.clock.now();
    const query = (id: string, dims: { Name: string; Value: string }[]) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: dims }, Period: 3600, Stat: 'Sum' },
    });

    // Act
    const out = await c.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 3_600_000),
        EndTime: new Date(now + 60_000),
        MetricDataQueries: [
          query('alias', [{ Name: 'FunctionName', Value: 'svc' }, { Name: 'Resource', Value: 'svc:live' }]),
          query('green', [{ Name: 'FunctionName', Value: 'svc' }, { Name: 'Resource', Value: 'svc:live' }, { Name: 'ExecutedVersion', Value: '2' }]),
          query('all', [{ Name: 'FunctionName', Value: 'svc' }]),
        ],
      }),
    );
    const sum = (id: string) => (out.MetricDataResults?.find((r) => r.Id === id)?.Values ?? []).reduce((a, b) => a + b, 0);

    // Assess
    expect(sum('alias')).toBe(1000);
    expect(sum('all')).toBe(1000);
    expect(sum('green')).toBeGreaterThan(240);
    expect(sum('green')).toBeLessThan(360);
  });

  it('refuses to delete a version an alias routes to (ResourceConflictException) and deletes another', async () => {
    // Act
    const routed = await rejection(c.lambda.send(new DeleteFunctionCommand({ FunctionName: 'svc', Qualifier: '2' })));
    await c.lambda.send(new DeleteFunctionCommand({ FunctionName: 'svc', Qualifier: '3' }));
    const gone = await rejection(c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'svc', Qualifier: '3' })));
    const aliases = await c.lambda.send(new ListAliasesCommand({ FunctionName: 'svc' }));

    // Assess
    expect(routed.name).toBe('ResourceConflictException');
    expect(routed.message).toContain('live');
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(aliases.Aliases?.map((a) => a.Name)).toEqual(['live']);
  });
});

describe('Invoke', () => {
  it('reports a function error as Lambda does: 200, Unhandled, {errorType, errorMessage, trace}', async () => {
    // Act
    const out = await c.lambda.send(new InvokeCommand({ FunctionName: 'fail', Payload: Buffer.from(JSON.stringify({ fail: 'accuracy dropped' })) }));

    // Assess
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.ExecutedVersion).toBe('$LATEST');
    const payload = json(out.Payload) as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload.errorType).toBe('QualityGateFailed');
    expect(payload.errorMessage).toBe('accuracy dropped');
    expect(Array.isArray(payload.trace)).toBe(true);
  });

  it('invokes by full ARN and qualified name, and times out as Lambda does', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'slow', 'sleep', { Timeout: 1 });

    // Act
    const byArn = await c.lambda.send(new InvokeCommand({ FunctionName: sandbox.lambda.functionArn('echo'), Payload: Buffer.from('{"n":1}') }));
    const timedOut = await c.lambda.send(new InvokeCommand({ FunctionName: 'slow:$LATEST', Payload: Buffer.from('{"ms":3000}') }));
    const afterTimeout = await c.lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from('{"ms":1}') }));

    // Assess
    expect(json(byArn.Payload)).toMatchObject({ event: { n: 1 } });
    expect(timedOut.FunctionError).toBe('Unhandled');
    expect((json(timedOut.Payload) as { errorType: string }).errorType).toBe('Sandbox.Timedout');
    expect(json(afterTimeout.Payload)).toEqual({ slept: 1 });
  });
});

describe('provisioned concurrency', () => {
  it('has no config until one is put (ProvisionedConcurrencyConfigNotFoundException)', async () => {
    // Prepare
    await createFixtureFunction(c.lambda, 'pc', 'echo');
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'pc' }));

    // Act
    const none = await rejection(c.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' })));
    await c.lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    const config = await c.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' }));

    // Assess
    expect(none.name).toBe('ProvisionedConcurrencyConfigNotFoundException');
    expect(config).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2, Status: 'READY' });
  });
});
