/**
 * Contract tests: the sandbox's Lambda against documented AWS behaviour,
 * through the real @aws-sdk/client-lambda.
 */
import {
  AddPermissionCommand,
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
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { startSandbox, type Sandbox } from '../../sandbox';
import { clientsFor, createFixtureFunction, json, rejection, ROLE } from './helpers';

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

describe('updates take time (LastUpdateStatus InProgress)', () => {
  afterEach(() => sandbox.lambda.setTimings({ updateSeconds: 0, publishSeconds: 0 }));

  it('shows InProgress for updateSeconds and refuses another update, a publish or a permission change meanwhile', async () => {
    // AWS, UpdateFunctionConfiguration (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html):
    // "When you update a function, Lambda provisions an instance of the function and its supporting resources.
    //  If your function connects to a VPC, this process can take a minute. During this time, you can't modify
    //  the function, but you can still invoke it. The LastUpdateStatus, LastUpdateStatusReason, and
    //  LastUpdateStatusReasonCode fields in the response from GetFunctionConfiguration indicate when the update is complete".
    // AddPermission (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html), ResourceConflictException:
    // "The resource already exists, or another operation is in progress." The message, as Lambda answers it:
    // "The operation cannot be performed at this time. An update is in progress for resource: <arn>".
    // Prepare
    await createFixtureFunction(c.lambda, 'vpc', 'echo', { Environment: { Variables: { MODEL_URI: 'v1' } } });
    sandbox.lambda.setTimings({ updateSeconds: 60 });

    // Act
    const updated = await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'vpc', Environment: { Variables: { MODEL_URI: 'v2' } } }));
    const during = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'vpc' }));
    const again = await rejection(c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'vpc', Description: 'x' })));
    const code = await rejection(c.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'vpc', ZipFile: Buffer.from('x') })));
    const publish = await rejection(c.lambda.send(new PublishVersionCommand({ FunctionName: 'vpc' })));
    const permission = await rejection(
      c.lambda.send(new AddPermissionCommand({ FunctionName: 'vpc', StatementId: 's1', Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' })),
    );
    const invoked = await c.lambda.send(new InvokeCommand({ FunctionName: 'vpc', Payload: Buffer.from('{}') }));
    sandbox.clock.advance(60_000);
    const after = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'vpc' }));
    const published = await c.lambda.send(new PublishVersionCommand({ FunctionName: 'vpc' }));

    // Assess
    expect(updated.LastUpdateStatus).toBe('InProgress');
    expect(during).toMatchObject({ State: 'Active', LastUpdateStatus: 'InProgress' });
    const arn = sandbox.lambda.functionArn('vpc');
    for (const refused of [again, code, publish, permission]) {
      expect(refused.name).toBe('ResourceConflictException');
      expect(refused.$metadata?.httpStatusCode).toBe(409);
      expect(refused.message).toBe(`The operation cannot be performed at this time. An update is in progress for resource: ${arn}`);
    }
    expect(invoked.StatusCode).toBe(200); // "you can still invoke it"
    expect(after.LastUpdateStatus).toBe('Successful');
    expect(published.Environment?.Variables?.MODEL_URI).toBe('v2');
  });

  it('keeps a new version Pending for publishSeconds, and does not invoke it meanwhile', async () => {
    // AWS, "Lambda function states" (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html):
    // "Pending – ... Lambda does not invoke a function during pending state. Any invocations or other API actions
    //  that operate on the function will fail." and the published-version-active waiter
    // (https://docs.aws.amazon.com/cli/latest/reference/lambda/wait/published-version-active.html):
    // "Waits for the published version's State to be Active ... This should be used after new version is published."
    // Lambda answers: "The operation cannot be performed at this time. The function is currently in the following state: Pending".
    // Prepare
    await createFixtureFunction(c.lambda, 'snap', 'echo');
    sandbox.lambda.setTimings({ publishSeconds: 10 });

    // Act
    const published = await c.lambda.send(new PublishVersionCommand({ FunctionName: 'snap' }));
    const pending = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'snap', Qualifier: published.Version }));
    const refused = await rejection(c.lambda.send(new InvokeCommand({ FunctionName: 'snap', Qualifier: published.Version, Payload: Buffer.from('{}') })));
    sandbox.clock.advance(10_000);
    const active = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'snap', Qualifier: published.Version }));
    const invoked = await c.lambda.send(new InvokeCommand({ FunctionName: 'snap', Qualifier: published.Version, Payload: Buffer.from('{}') }));

    // Assess
    expect(published.State).toBe('Pending');
    expect(pending.State).toBe('Pending');
    expect(refused.name).toBe('ResourceConflictException');
    expect(refused.message).toBe('The operation cannot be performed at this time. The function is currently in the following state: Pending');
    expect(active.State).toBe('Active');
    expect(invoked.ExecutedVersion).toBe(published.Version);
  });
});

describe('environment variables encrypted with a customer managed key', () => {
  it('answers Environment.Error without Variables when the caller cannot kms:Decrypt, and still runs with them', async () => {
    // AWS, EnvironmentResponse (https://docs.aws.amazon.com/lambda/latest/api/API_EnvironmentResponse.html):
    // "Error — Error messages for environment variables that couldn't be applied." (EnvironmentError: ErrorCode, Message);
    // KMSAccessDeniedException: "Lambda couldn't decrypt the environment variables because KMS access was denied.
    // Check the Lambda function's KMS permissions."
    // Prepare
    const key = 'arn:aws:kms:eu-west-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await createFixtureFunction(c.lambda, 'secret', 'echo', { KMSKeyArn: key, Environment: { Variables: { MODEL_URI: 's3://models/secret' } } });
    sandbox.lambda.denyKmsDecrypt(key);

    // Act
    const config = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'secret' }));
    const out = await c.lambda.send(new InvokeCommand({ FunctionName: 'secret', Payload: Buffer.from('{}') }));
    sandbox.lambda.denyKmsDecrypt(key, false);
    const allowed = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'secret' }));

    // Assess
    expect(config.KMSKeyArn).toBe(key);
    expect(config.Environment?.Variables).toBeUndefined();
    expect(config.Environment?.Error?.ErrorCode).toBe('AccessDeniedException');
    expect(config.Environment?.Error?.Message).toContain('unable to decrypt the environment variables because KMS access was denied');
    expect(json(out.Payload)).toMatchObject({ modelUri: 's3://models/secret' });
    expect(allowed.Environment?.Variables).toEqual({ MODEL_URI: 's3://models/secret' });
  });
});

describe('weighted aliases', () => {
  it('route to two versions only when both have the same execution role and dead-letter queue configuration', async () => {
    // AWS, "Create a routing configuration for a Lambda alias"
    // (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html):
    // "Both versions must have the same execution role. Both versions must have the same dead-letter queue
    //  configuration, or no dead-letter queue configuration. Both versions must be published. The alias cannot
    //  point to $LATEST." Lambda's answer for the role: InvalidParameterValueException "Specified versions must be
    //  associated with the same execution role" (the dead-letter wording is ours, by analogy).
    // Prepare
    await createFixtureFunction(c.lambda, 'roles', 'echo');
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'roles' })); // 1
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'roles', Role: `${ROLE}-other` }));
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'roles' })); // 2: another role
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'roles', Role: ROLE, DeadLetterConfig: { TargetArn: 'arn:aws:sqs:eu-west-1:000000000000:dlq' } }));
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'roles' })); // 3: a dead-letter queue
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'roles', DeadLetterConfig: { TargetArn: '' }, Description: 'same as 1' }));
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'roles' })); // 4: as 1
    await c.lambda.send(new CreateAliasCommand({ FunctionName: 'roles', Name: 'live', FunctionVersion: '1' }));

    // Act
    const role = await rejection(c.lambda.send(new UpdateAliasCommand({ FunctionName: 'roles', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } })));
    const dlq = await rejection(c.lambda.send(new UpdateAliasCommand({ FunctionName: 'roles', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } } })));
    const latest = await rejection(c.lambda.send(new UpdateAliasCommand({ FunctionName: 'roles', Name: 'live', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '4': 0.1 } } })));
    const same = await c.lambda.send(new UpdateAliasCommand({ FunctionName: 'roles', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '4': 0.1 } } }));
    const whole = await c.lambda.send(new UpdateAliasCommand({ FunctionName: 'roles', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} } }));

    // Assess
    expect(role.name).toBe('InvalidParameterValueException');
    expect(role.message).toBe('Specified versions must be associated with the same execution role');
    expect(dlq.name).toBe('InvalidParameterValueException');
    expect(dlq.message).toContain('same dead letter queue configuration');
    expect(latest.name).toBe('InvalidParameterValueException');
    expect(same.RoutingConfig?.AdditionalVersionWeights).toEqual({ '4': 0.1 });
    expect(whole.FunctionVersion).toBe('2'); // one version: no rule to meet
  });
});

describe('list calls are paged', () => {
  it('ListVersionsByFunction answers at most 50 versions a page, even when MaxItems is higher, and NextMarker leads to the rest', async () => {
    // AWS, ListVersionsByFunction (https://docs.aws.amazon.com/lambda/latest/api/API_ListVersionsByFunction.html):
    // "MaxItems — The maximum number of versions to return. Note that ListVersionsByFunction returns a maximum of
    //  50 items in each response, even if you set the number higher. Valid Range: Minimum value of 1. Maximum value of 10000."
    // Prepare: $LATEST + 59 versions.
    await createFixtureFunction(c.lambda, 'many', 'echo');
    for (let i = 1; i <= 59; i++) {
      await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'many', Description: `v${i}` }));
      await c.lambda.send(new PublishVersionCommand({ FunctionName: 'many' }));
    }

    // Act
    const first = await c.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'many', MaxItems: 1000 }));
    const second = await c.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'many', MaxItems: 1000, Marker: first.NextMarker }));
    const small = await c.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'many', MaxItems: 7 }));

    // Assess
    expect(first.Versions).toHaveLength(50);
    expect(first.NextMarker).toBeTruthy();
    expect(second.Versions).toHaveLength(10);
    expect(second.NextMarker).toBeUndefined();
    expect([...first.Versions!, ...second.Versions!].map((v) => v.Version)).toEqual(['$LATEST', ...Array.from({ length: 59 }, (_, i) => String(i + 1))]);
    expect(small.Versions).toHaveLength(7);
  });

  it('ListAliases pages by MaxItems (up to 10,000), 50 when it is not given', async () => {
    // AWS, ListAliases (https://docs.aws.amazon.com/lambda/latest/api/API_ListAliases.html):
    // "Marker — Specify the pagination token that's returned by a previous request to retrieve the next page of results.
    //  MaxItems — Limit the number of aliases returned. Valid Range: Minimum value of 1. Maximum value of 10000."
    // "NextMarker — The pagination token that's included if more results are available." (The default page of 50 is
    // what Lambda's list calls answer without MaxItems.)
    // Prepare
    await createFixtureFunction(c.lambda, 'aliased', 'echo');
    await c.lambda.send(new PublishVersionCommand({ FunctionName: 'aliased' }));
    for (let i = 0; i < 60; i++) await c.lambda.send(new CreateAliasCommand({ FunctionName: 'aliased', Name: `a${String(i).padStart(2, '0')}`, FunctionVersion: '1' }));

    // Act
    const page = await c.lambda.send(new ListAliasesCommand({ FunctionName: 'aliased' }));
    const rest = await c.lambda.send(new ListAliasesCommand({ FunctionName: 'aliased', Marker: page.NextMarker }));
    const all = await c.lambda.send(new ListAliasesCommand({ FunctionName: 'aliased', MaxItems: 10000 }));

    // Assess
    expect(page.Aliases).toHaveLength(50);
    expect(rest.Aliases).toHaveLength(10);
    expect(rest.NextMarker).toBeUndefined();
    expect(all.Aliases).toHaveLength(60);
    expect(all.NextMarker).toBeUndefined();
  });
});
