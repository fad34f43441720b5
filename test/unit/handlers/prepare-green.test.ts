import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { handler } from '../../../functions/prepare-green/handler';
import { prepareGreen } from '../../../functions/prepare-green/prepare-green';
import { ConcurrentModification, EnvironmentUnreadable, IncompatibleCanaryVersions, NothingToRelease, TargetBusy, TargetNotReady } from '../../../core/errors';
import { LambdaAliasRouter } from '../../../targets/lambda-alias';
import { LambdaVersions } from '../../../targets/lambda-versions';
import { awsError, FakeLambda } from '../../support/fake-lambda';
import { clock, holdLock, itemOf, lambdaContext, rejectionOf, releaseContext, useLedger } from './support';

const db = useLedger();
const lambda = new FakeLambda();
const client = new LambdaClient({});
const target = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };
const router = () => new LambdaAliasRouter(target, client, { settleDelayMs: 0, settleAttempts: 3 });
const deps = () => ({ ledger: db.ledger, router: router(), now: clock });
const ops = () => lambda.calls.map((c) => c.op);

let n = 0;
const freshRelease = (overrides = {}) => releaseContext(overrides, `prep-${++n}`);

let blue: string;
beforeEach(() => {
  lambda.startOver();
  blue = lambda.seed('production', { MODEL_URI: 's3://models/ai-handler/v1.json', LOG_LEVEL: 'info', TABLE: 'answers' });
  lambda.calls = [];
});
afterAll(() => client.destroy());

describe('prepareGreen', () => {
  it('sets the artifact on $LATEST, publishes it with CodeSha256 and RevisionId, and records blue and green', async () => {
    // Prepare
    const release = freshRelease();

    // Act
    const green = await prepareGreen({ release }, deps());

    // Assess
    expect(green).toEqual({
      blue,
      green: '2',
      createdGreen: true,
      artifactVar: 'MODEL_URI',
      artifactUri: 's3://models/ai-handler/v2.json',
      greenArn: `${lambda.arn}:2`,
      blueArn: `${lambda.arn}:${blue}`,
      codeSha256: lambda.versions[1].codeSha256,
    });
    const publish = lambda.calls.find((c) => c.op === 'PublishVersion')!.input;
    expect(publish).toMatchObject({ FunctionName: 'ai-handler', Description: `cutover ${release.id}` });
    expect(publish.CodeSha256).toBe(lambda.versions[1].codeSha256);
    expect(publish.RevisionId).toBe(`latest-${lambda.versions[1].codeSha256}`);
    expect(lambda.split()).toEqual({ [blue]: 100 }); // no traffic moved
    const item = await itemOf(db.ledger, release);
    expect(item).toMatchObject({ blueVersion: blue, greenVersion: '2' });
    expect(item?.changes.prepared.detail).toBe(`green 2 (new), blue ${blue}`);
  });

  it('keeps the other environment variables when it sets the artifact (UpdateFunctionConfiguration replaces the map)', async () => {
    // Act
    await prepareGreen({ release: freshRelease() }, deps());

    // Assess
    const update = lambda.calls.find((c) => c.op === 'UpdateFunctionConfiguration')!.input as { Environment: { Variables: object }; RevisionId: string };
    expect(update.Environment.Variables).toEqual({ MODEL_URI: 's3://models/ai-handler/v2.json', LOG_LEVEL: 'info', TABLE: 'answers' });
    expect(update.RevisionId).toMatch(/^latest-/);
    expect(lambda.versions[1].env).toEqual({ MODEL_URI: 's3://models/ai-handler/v2.json', LOG_LEVEL: 'info', TABLE: 'answers' });
  });

  it('uses the artifact envVar asked for', async () => {
    // Act
    await prepareGreen({ release: freshRelease({ artifact: { uri: 's3://prompts/v7.txt', envVar: 'PROMPT_URI' } }) }, deps());

    // Assess
    expect(lambda.versions[1].env).toEqual({ MODEL_URI: 's3://models/ai-handler/v1.json', LOG_LEVEL: 'info', TABLE: 'answers', PROMPT_URI: 's3://prompts/v7.txt' });
  });

  it('publishes new code without touching the configuration when there is no artifact', async () => {
    // Prepare
    lambda.code = 'code-v2';

    // Act
    const green = await prepareGreen({ release: freshRelease({ artifact: undefined }) }, deps());

    // Assess
    expect(green.green).toBe('2');
    expect(ops()).not.toContain('UpdateFunctionConfiguration');
  });

  it('is idempotent: a retry publishes no second version, updates nothing again and records once', async () => {
    // Prepare
    const release = freshRelease();
    const first = await prepareGreen({ release }, deps());
    lambda.calls = [];

    // Act
    const second = await prepareGreen({ release }, deps());

    // Assess
    expect(second).toEqual(first); // still createdGreen: the version carries this release's description
    expect(lambda.versions.map((v) => v.version)).toEqual([blue, '2']);
    expect(ops()).not.toContain('UpdateFunctionConfiguration');
    expect(Object.keys((await itemOf(db.ledger, release))!.changes)).toEqual(['prepared']);
  });

  it('reports an existing version it did not publish as createdGreen false', async () => {
    // Prepare: someone published $LATEST (with v2) as version 2 without moving the alias.
    lambda.env = { ...lambda.env, MODEL_URI: 's3://models/ai-handler/v2.json' };
    await client.send(new PublishVersionCommand({ FunctionName: 'ai-handler', Description: 'by hand' }));

    // Act
    const green = await prepareGreen({ release: freshRelease() }, deps());

    // Assess
    expect(green).toMatchObject({ blue, green: '2', createdGreen: false });
    expect(lambda.versions).toHaveLength(2);
  });

  it('throws NothingToRelease when $LATEST is what blue already is', async () => {
    // Prepare: the artifact is the one blue runs, the code is unchanged.
    const release = freshRelease({ artifact: { uri: 's3://models/ai-handler/v1.json', envVar: 'MODEL_URI' } });

    // Act
    const err = await rejectionOf(prepareGreen({ release }, deps()));

    // Assess
    expect(err).toBeInstanceOf(NothingToRelease);
    expect(err.message).toContain(`identical to version ${blue}, which production already serves`);
    expect(await itemOf(db.ledger, release)).toBeUndefined();
  });

  it('throws TargetNotReady when the alias does not exist', async () => {
    // Prepare
    delete lambda.aliases.production;

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(TargetNotReady);
    expect(err.message).toContain('alias ai-handler:production does not exist');
    expect((err.cause as Error).name).toBe('ResourceNotFoundException');
    expect(ops()).toEqual(['GetAlias']);
  });

  it('throws TargetNotReady when the alias points at $LATEST (there would be no rollback target)', async () => {
    // Prepare
    lambda.aliases.production.FunctionVersion = '$LATEST';

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(TargetNotReady);
    expect(err.message).toContain('points to $LATEST; point it at a published version first');
    expect(ops()).toEqual(['GetAlias']);
  });

  it('throws TargetNotReady when the alias already splits traffic (another release is half way)', async () => {
    // Prepare
    lambda.aliases.production.weights = { '7': 0.1 };

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(TargetNotReady);
    expect(err.message).toContain('already splits traffic with version 7');
    expect(ops()).toEqual(['GetAlias']);
  });

  it('throws ConcurrentModification when the code changed under it (PublishVersion CodeSha256 precondition)', async () => {
    // Prepare
    lambda.mock.on(PublishVersionCommand).rejects(awsError('PreconditionFailedException', 'CodeSha256 does not match', 412));

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
    expect(err.message).toContain('ai-handler changed while Cutover was updating it (CodeSha256 does not match)');
    expect((err.cause as Error).name).toBe('PreconditionFailedException');
  });

  it('throws ConcurrentModification when PublishVersion says the CodeSHA256 no longer matches $LATEST', async () => {
    // Prepare
    lambda.mock
      .on(PublishVersionCommand)
      .rejects(awsError('InvalidParameterValueException', 'CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST (def). Please try again with the CodeSHA256 in $LATEST.', 400));

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
  });

  it('lets any other InvalidParameterValueException through as it is', async () => {
    // Prepare
    lambda.mock.on(PublishVersionCommand).rejects(awsError('InvalidParameterValueException', 'Description is too long', 400));

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err.name).toBe('InvalidParameterValueException');
  });

  it('throws ConcurrentModification when the configuration changed under it (RevisionId precondition)', async () => {
    // Prepare
    lambda.mock.on(UpdateFunctionConfigurationCommand).rejects(awsError('PreconditionFailedException', 'RevisionId does not match', 412));

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
    expect(lambda.versions).toHaveLength(1); // nothing published
  });

  it('throws ConcurrentModification, publishing nothing, when another release set its own artifact on $LATEST after ours (two aliases of one function)', async () => {
    // Prepare: the other release's UpdateFunctionConfiguration lands between ours and our read before publishing,
    // so the RevisionId we publish with is that of its configuration, not ours.
    lambda.mock.on(UpdateFunctionConfigurationCommand).callsFake((input: { Environment?: { Variables?: Record<string, string> } }) => {
      lambda.env = { ...(input.Environment?.Variables ?? {}), MODEL_URI: 's3://models/ai-handler/other-release.json' };
      return { LastUpdateStatus: 'InProgress' };
    });

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
    expect((err as Error).message).toContain('s3://models/ai-handler/other-release.json');
    expect(lambda.versions).toHaveLength(1); // no version of the other release's artifact published as ours
  });

  it('publishes only while it holds the writer lease on the function\'s $LATEST: another release of the function holding it is TargetBusy, nothing written', async () => {
    // Prepare: a release of another alias of ai-handler is between setting its artifact and publishing.
    const other = releaseContext({ target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'staging' } }, 'staging-release');
    const until = new Date(clock().getTime() + 60_000).toISOString();
    await db.ledger.acquireWriterLease('lambda:ai-handler:$LATEST', { ownerExecutionArn: other.executionArn, invocation: 'other-invocation', releaseId: other.id, targetKey: other.targetKey, acquiredAt: clock().toISOString(), expiresAt: until }, clock().toISOString());

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));
    await db.ledger.releaseWriterLease('lambda:ai-handler:$LATEST', 'other-invocation');
    const green = await prepareGreen({ release: freshRelease() }, deps());
    const next = await db.ledger.acquireWriterLease('lambda:ai-handler:$LATEST', { ownerExecutionArn: other.executionArn, invocation: 'other-invocation', releaseId: other.id, targetKey: other.targetKey, acquiredAt: clock().toISOString(), expiresAt: until }, clock().toISOString());
    await db.ledger.releaseWriterLease('lambda:ai-handler:$LATEST', 'other-invocation');

    // Assess: refused while held (retried by the state machine), published once free, and given back after
    expect(err).toBeInstanceOf(TargetBusy);
    expect(err.message).toContain(`lambda:ai-handler:$LATEST is being written by release staging-release of ${other.targetKey} (until ${until})`);
    expect(green.green).toBe('2');
    expect(lambda.calls.filter((c) => c.op === 'UpdateFunctionConfiguration')).toHaveLength(1);
    expect(next.acquired).toBe(true);
  });

  it('treats an earlier invocation of its own Task that still holds the lease as another holder (a retry after the client timed out)', async () => {
    // Prepare: the first invocation of this release's PrepareGreen still runs, holding the lease.
    const release = freshRelease();
    const until = new Date(clock().getTime() + 60_000).toISOString();
    await db.ledger.acquireWriterLease('lambda:ai-handler:$LATEST', { ownerExecutionArn: release.executionArn, invocation: 'first', releaseId: release.id, targetKey: release.targetKey, acquiredAt: clock().toISOString(), expiresAt: until }, clock().toISOString());

    // Act
    const retry = await rejectionOf(prepareGreen({ release }, { ...deps(), invocation: 'second' }));
    const again = await prepareGreen({ release }, { ...deps(), invocation: 'first' });

    // Assess
    expect(retry).toBeInstanceOf(TargetBusy);
    expect(again.green).toBe('2');
  });

  it('takes over a writer lease that has expired (its holder\'s invocation is over)', async () => {
    // Prepare
    const other = releaseContext({}, 'died-holding-it');
    const expired = new Date(clock().getTime() - 1_000).toISOString();
    await db.ledger.acquireWriterLease('lambda:ai-handler:$LATEST', { ownerExecutionArn: other.executionArn, invocation: 'other-invocation', releaseId: other.id, targetKey: other.targetKey, acquiredAt: expired, expiresAt: expired }, expired);

    // Act
    const green = await prepareGreen({ release: freshRelease() }, deps());

    // Assess
    expect(green.green).toBe('2');
  });

  it('refuses a version whose configuration is not what it asked for (the artifact read back from the published version)', async () => {
    // Prepare: the version Lambda answers with carries another artifact.
    lambda.mock.on(GetFunctionConfigurationCommand, { FunctionName: 'ai-handler', Qualifier: '2' }).callsFake(() => {
      const v = lambda.versions.find((x) => x.version === '2')!;
      return { State: 'Active', CodeSha256: v.codeSha256, Environment: { Variables: { ...v.env, MODEL_URI: 's3://models/ai-handler/someone-elses.json' } } };
    });

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(ConcurrentModification);
    expect(err.message).toContain('version 2 of ai-handler is not what this release published from: its MODEL_URI is s3://models/ai-handler/someone-elses.json');
  });

  it('resumes after a retry: the $LATEST it already changed is recognised, and it is not changed twice', async () => {
    // Prepare: the first attempt set the artifact on $LATEST, then ran out of time waiting for the update (TargetBusy).
    const release = freshRelease();
    await new LambdaVersions('ai-handler', client).setEnvironment('MODEL_URI', 's3://models/ai-handler/v2.json');
    lambda.calls = [];

    // Act: the state machine's retry.
    const green = await prepareGreen({ release }, deps());

    // Assess
    expect(ops()).not.toContain('UpdateFunctionConfiguration');
    expect(green).toMatchObject({ blue, green: '2', createdGreen: true });
    expect(lambda.versions[1].env).toEqual({ MODEL_URI: 's3://models/ai-handler/v2.json', LOG_LEVEL: 'info', TABLE: 'answers' });
  });

  it('refuses with EnvironmentUnreadable, changing nothing, when the variables come back as Environment.Error (customer KMS key, no kms:Decrypt)', async () => {
    // Prepare: GetFunctionConfiguration as Lambda answers a caller without kms:Decrypt on the function's key.
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/abcd';
    lambda.mock.on(GetFunctionConfigurationCommand).resolves({
      FunctionName: 'ai-handler',
      RevisionId: 'r1',
      KMSKeyArn: key,
      LastUpdateStatus: 'Successful',
      State: 'Active',
      Environment: { Error: { ErrorCode: 'AccessDeniedException', Message: 'Lambda was unable to decrypt the environment variables because KMS access was denied.' } },
    });

    // Act
    const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

    // Assess
    expect(err).toBeInstanceOf(EnvironmentUnreadable);
    expect(err.message).toContain(`grant the PrepareGreen function's role kms:Decrypt on ${key}`);
    expect(ops()).not.toContain('UpdateFunctionConfiguration');
    expect(ops()).not.toContain('PublishVersion');
    expect(lambda.env.TABLE).toBe('answers'); // nothing wiped
  });

  it('refuses a canary with IncompatibleCanaryVersions when green has another execution role than blue (no weighted alias possible)', async () => {
    // Prepare: someone changed $LATEST's role since blue was published.
    const canary = freshRelease({ strategy: { type: 'canary', steps: [10], stepSeconds: 120 } });
    lambda.mock.on(GetFunctionConfigurationCommand, { FunctionName: 'ai-handler', Qualifier: blue }).resolves({ Role: 'arn:aws:iam::123456789012:role/blue', State: 'Active' });
    lambda.mock.on(GetFunctionConfigurationCommand, { FunctionName: 'ai-handler', Qualifier: '2' }).callsFake(() => {
      const v = lambda.versions.find((x) => x.version === '2')!;
      return { Role: 'arn:aws:iam::123456789012:role/other', State: 'Active', CodeSha256: v.codeSha256, Environment: { Variables: { ...v.env } } };
    });

    // Act
    const err = await rejectionOf(prepareGreen({ release: canary }, deps()));
    const allAtOnce = await prepareGreen({ release: freshRelease({ strategy: { type: 'all-at-once' } }) }, deps());

    // Assess
    expect(err).toBeInstanceOf(IncompatibleCanaryVersions);
    expect(err.message).toContain('execution role (blue arn:aws:iam::123456789012:role/blue, green arn:aws:iam::123456789012:role/other)');
    expect(ops()).not.toContain('UpdateAlias');
    expect(lambda.split()).toEqual({ [blue]: 100 });
    expect(allAtOnce.green).toBe('2'); // all at once needs no weights
  });

  describe('waiting for $LATEST to settle', () => {
    const config = { CodeSha256: 'sha', RevisionId: 'r1', Environment: { Variables: { MODEL_URI: 's3://models/ai-handler/v2.json' } } };
    beforeEach(() => {
      lambda.mock.reset();
      lambda.mock.on(GetAliasCommand).resolves({ FunctionVersion: '1', RevisionId: 'a1', RoutingConfig: {} });
      lambda.mock.on(PublishVersionCommand).resolves({ Version: '2', FunctionArn: `${lambda.arn}:2`, Description: 'cutover x' });
    });

    it('publishes only once no update is in progress', async () => {
      // Prepare
      lambda.mock
        .on(GetFunctionConfigurationCommand)
        .resolvesOnce({ ...config, LastUpdateStatus: 'InProgress' })
        .resolvesOnce({ ...config, State: 'Pending' })
        .resolves({ ...config, LastUpdateStatus: 'Successful', State: 'Active' });

      // Act: no artifact, so the only wait is the one before publishing.
      const green = await prepareGreen({ release: freshRelease({ artifact: undefined }) }, deps());

      // Assess
      expect(green.green).toBe('2');
      // Three for $LATEST, then one for green (Active, ready to be invoked).
      expect(lambda.mock.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(4);
      expect(lambda.mock.commandCalls(GetFunctionConfigurationCommand)[3].args[0].input).toEqual({ FunctionName: 'ai-handler', Qualifier: '2' });
      expect(lambda.mock.commandCalls(PublishVersionCommand)[0].args[0].input).toMatchObject({ CodeSha256: 'sha', RevisionId: 'r1' });
    });

    it('throws TargetNotReady when the last update failed, with its reason', async () => {
      // Prepare
      lambda.mock.on(GetFunctionConfigurationCommand).resolves({ ...config, LastUpdateStatus: 'Failed', LastUpdateStatusReason: 'bad layer' });

      // Act
      const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

      // Assess
      expect(err).toBeInstanceOf(TargetNotReady);
      expect(err.message).toBe('the last update of ai-handler failed: bad layer');
      expect(lambda.mock.commandCalls(PublishVersionCommand)).toHaveLength(0);
    });

    it('throws TargetBusy (retried) when it is still updating after the allowed checks', async () => {
      // Prepare
      lambda.mock.on(GetFunctionConfigurationCommand).resolves({ ...config, LastUpdateStatus: 'InProgress' });

      // Act
      const err = await rejectionOf(prepareGreen({ release: freshRelease() }, deps()));

      // Assess
      expect(err).toBeInstanceOf(TargetBusy);
      expect(err.message).toBe('ai-handler is still updating (LastUpdateStatus InProgress) after 3 checks; the step will retry');
      expect(lambda.mock.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(3);
    });

    it('stops waiting while the invocation still has time to return (TargetBusy), instead of being killed by its timeout', async () => {
      // Prepare: a VPC function takes up to a minute to update; the Task's function has 30 s.
      lambda.mock.on(GetFunctionConfigurationCommand).resolves({ ...config, LastUpdateStatus: 'InProgress' });
      let remaining = 30_000;
      const slow = new LambdaAliasRouter(target, client, { settleDelayMs: 5, settleAttempts: 1000, reserveMs: 12_000 });
      const budget = { remainingMs: () => (remaining -= 1_000) };

      // Act
      const err = await rejectionOf(prepareGreen({ release: freshRelease({ artifact: undefined }) }, { ...deps(), router: slow, budget }));

      // Assess: 18 s of waiting (30 − 12), far below the 1,000 checks allowed.
      expect(err).toBeInstanceOf(TargetBusy);
      expect(lambda.mock.commandCalls(GetFunctionConfigurationCommand).length).toBeLessThan(20);
      expect(remaining).toBeGreaterThanOrEqual(11_000);
      expect(lambda.mock.commandCalls(PublishVersionCommand)).toHaveLength(0);
    });

    it('waits for the new version to be Active (Lambda does not invoke a Pending version), then TargetBusy if it stays Pending', async () => {
      // Prepare
      lambda.mock
        .on(GetFunctionConfigurationCommand)
        .resolves({ ...config, LastUpdateStatus: 'Successful', State: 'Active' })
        .on(GetFunctionConfigurationCommand, { FunctionName: 'ai-handler', Qualifier: '2' })
        .resolvesOnce({ ...config, State: 'Pending' })
        .resolves({ ...config, State: 'Active' });

      // Act
      const green = await prepareGreen({ release: freshRelease({ artifact: undefined }) }, deps());
      lambda.mock.on(GetFunctionConfigurationCommand, { FunctionName: 'ai-handler', Qualifier: '2' }).resolves({ ...config, State: 'Pending' });
      const stuck = await rejectionOf(prepareGreen({ release: freshRelease({ artifact: undefined }) }, deps()));

      // Assess
      expect(green.green).toBe('2');
      expect(stuck).toBeInstanceOf(TargetBusy);
      expect(stuck.message).toBe('ai-handler:2 is still Pending after 3 checks; the step will retry');
    });

    it('turns "an update is in progress" from PublishVersion (someone else updated meanwhile) into TargetBusy', async () => {
      // Prepare
      lambda.mock.on(GetFunctionConfigurationCommand).resolves({ ...config, LastUpdateStatus: 'Successful', State: 'Active' });
      lambda.mock
        .on(PublishVersionCommand)
        .rejects(awsError('ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${lambda.arn}`, 409));

      // Act
      const err = await rejectionOf(prepareGreen({ release: freshRelease({ artifact: undefined }) }, deps()));

      // Assess
      expect(err).toBeInstanceOf(TargetBusy);
      expect((err.cause as Error).name).toBe('ResourceConflictException');
    });
  });
});

describe('PrepareGreen handler (middy)', () => {
  /** The handler is fenced: the release's execution holds the target's lock, as AcquireLock left it. */
  const owned = async (release: ReturnType<typeof freshRelease>) => {
    await holdLock(db.ledger, release);
    return release;
  };

  it('builds the router for the target from the state and publishes green', async () => {
    // Prepare
    const release = await owned(freshRelease());

    // Act
    const out = await handler({ release }, lambdaContext('prepare-green'));

    // Assess
    expect(out).toMatchObject({ blue, green: '2', createdGreen: true });
    expect(lambda.versions).toHaveLength(2);
  });

  it('bounds its waits by the invocation\'s remaining time (context.getRemainingTimeInMillis)', async () => {
    // Prepare: $LATEST never settles; the invocation has 5 s left, less than the time kept for the calls after the wait.
    lambda.mock.on(GetFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'InProgress', Environment: { Variables: {} } });
    const context = { ...lambdaContext('prepare-green'), getRemainingTimeInMillis: () => 5_000 };

    // Act
    const started = Date.now();
    const err = await rejectionOf(handler({ release: await owned(freshRelease()) }, context));

    // Assess: at once, not after the default 60 checks of 1 s.
    expect(err.name).toBe('TargetBusy');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails LockLost, writing nothing, when its execution no longer holds the lock (redriven after a takeover)', async () => {
    // Prepare
    const release = freshRelease();
    await holdLock(db.ledger, releaseContext({}, 'the-new-owner'));

    // Act
    const err = await rejectionOf(handler({ release }, lambdaContext('prepare-green')));

    // Assess
    expect(err.name).toBe('LockLost');
    expect(ops()).toEqual([]);
  });

  it('surfaces TargetNotReady by name', async () => {
    // Prepare
    delete lambda.aliases.production;

    // Act
    const err = await rejectionOf(handler({ release: await owned(freshRelease()) }, lambdaContext('prepare-green')));

    // Assess
    expect(err.name).toBe('TargetNotReady');
  });

  it('turns Lambda throttling (429) into TransientAwsError', async () => {
    // Prepare
    lambda.mock.on(GetAliasCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded', 429));

    // Act
    const err = await rejectionOf(handler({ release: await owned(freshRelease()) }, lambdaContext('prepare-green')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
    expect(err.message).toBe('PrepareGreen: TooManyRequestsException: Rate exceeded');
  });

  it('turns a Lambda 5xx into TransientAwsError', async () => {
    // Prepare
    lambda.mock.on(PublishVersionCommand).rejects(awsError('ServiceException', 'internal error', 500));

    // Act
    const err = await rejectionOf(handler({ release: await owned(freshRelease()) }, lambdaContext('prepare-green')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
  });

  it('rejects a release whose spec is not valid, naming the field under release.spec', async () => {
    // Prepare
    const release = { ...freshRelease(), spec: { ...freshRelease().spec, bake: { seconds: 1, pollSeconds: 0, onInconclusive: 'rollback' } } };

    // Act
    const err = await rejectionOf(handler({ release }, lambdaContext('prepare-green')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toContain('release.spec.bake.pollSeconds');
    expect(lambda.calls).toHaveLength(0);
  });
});
