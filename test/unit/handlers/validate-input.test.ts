import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidReleaseInput } from '../../../core/errors';
import { handler } from '../../../functions/validate-input/handler';
import { validateInput, withDefaults } from '../../../functions/validate-input/validate-input';
import { awsError } from '../../support/fake-lambda';
import { releaseInput } from '../../support/release-input';
import { destroyClients, executionArn, lambdaContext, rejectionOf, STARTED_AT } from './support';

const cloudwatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({});
const execution = { id: executionArn('rel-1'), name: 'rel-1', startTime: STARTED_AT };

/** DescribeAlarms answers with the alarms named here (as metric alarms), 50 a page with a NextToken, as CloudWatch pages. */
function alarmsExist(...names: string[]) {
  cloudwatch.on(DescribeAlarmsCommand).callsFake((input) => {
    const found = (input.AlarmNames ?? []).filter((n: string) => names.includes(n));
    const offset = Number(input.NextToken ?? 0);
    const end = offset + (input.MaxRecords ?? 50);
    return { MetricAlarms: found.slice(offset, end).map((n: string) => ({ AlarmName: n, StateValue: 'OK' })), ...(end < found.length ? { NextToken: String(end) } : {}) };
  });
}

async function invalidFrom(promise: Promise<unknown>): Promise<InvalidReleaseInput> {
  const err = await rejectionOf(promise);
  expect(err).toBeInstanceOf(InvalidReleaseInput);
  return err as unknown as InvalidReleaseInput;
}

beforeEach(() => {
  cloudwatch.reset();
  alarmsExist('ai-handler-errors');
  delete process.env.CUTOVER_DEFAULTS;
  delete process.env.CUTOVER_MANAGED_FUNCTIONS;
  delete process.env.CUTOVER_ACCOUNT_ID;
});
afterAll(() => {
  client.destroy();
  destroyClients();
});

describe('validateInput', () => {
  it('returns the release context: the execution names the release, the spec has every default', async () => {
    // Prepare
    const input = { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' } };

    // Act
    const { release } = await validateInput({ input, execution }, {});

    // Assess
    expect(release).toMatchObject({ id: 'rel-1', executionArn: execution.id, startedAt: STARTED_AT, targetKey: 'lambda-alias:ai-handler:production' });
    expect(release.spec).toMatchObject({
      strategy: { type: 'all-at-once' },
      bake: { seconds: 600, pollSeconds: 30, onInconclusive: 'rollback' },
      retention: { seconds: 172_800, pollSeconds: 300 },
      alarms: { names: [], releaseAlarms: true, periodSeconds: 60 },
      decommission: { deleteBlueVersion: false },
      startedBy: 'console',
    });
    expect(cloudwatch.calls()).toHaveLength(0); // no user alarms: nothing to look up
  });

  it('keys the target by its bare function name when given an ARN', async () => {
    // Prepare
    const input = releaseInput({ target: { kind: 'lambda-alias', functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:ai-handler', alias: 'live' } });

    // Act
    const { release } = await validateInput({ input, execution }, { region: 'eu-west-1', accountId: '123456789012' });

    // Assess
    expect(release.targetKey).toBe('lambda-alias:ai-handler:live');
  });

  it('rejects a bad input with InvalidReleaseInput naming the field, before any AWS call', async () => {
    // Prepare
    const input = releaseInput({ bake: { seconds: -1, pollSeconds: 30, onInconclusive: 'rollback' } });

    // Act
    const err = await invalidFrom(validateInput({ input, execution }, { cloudwatch: client }));

    // Assess
    expect(err.issues.map((i) => i.field)).toEqual(['bake.seconds']);
    expect(err.message).toMatch(/^invalid release input: bake\.seconds: /);
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('refuses a bake the release alarms cannot judge, with the orchestrator defaults applied, naming the field and the fix', async () => {
    // Prepare: the owner's default period is 300 s; a 300 s bake would end before the first period with green traffic is judged
    const input = { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, bake: { seconds: 300 } };

    // Act
    const err = await validateInput({ input, execution }, { defaults: { alarms: { periodSeconds: 300 } } }).catch((e: unknown) => e as InvalidReleaseInput);

    // Assess
    expect(err).toBeInstanceOf(InvalidReleaseInput);
    expect((err as InvalidReleaseInput).issues).toEqual([{ field: 'bake.seconds', message: expect.stringMatching(/^300 s is too short .*alarms.periodSeconds 300.*use at least 360/) }]);
  });

  it('refuses a release nothing would watch (no release alarms, no alarm of the user), unless the owner allows it', async () => {
    // Prepare
    const input = { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, alarms: { releaseAlarms: false, names: [] } };

    // Act
    const refused = await invalidFrom(validateInput({ input, execution }, {}));
    const allowed = await validateInput({ input, execution }, { allowUnwatched: true });
    const watchedByUser = await validateInput({ input: { ...input, alarms: { releaseAlarms: false, names: ['ai-handler-errors'] } }, execution }, { cloudwatch: client });

    // Assess
    expect(refused.issues).toEqual([{ field: 'alarms', message: expect.stringContaining('nothing would watch green') }]);
    expect(refused.message).toContain('allowUnwatchedReleases');
    expect(allowed.release.spec.alarms.releaseAlarms).toBe(false);
    expect(watchedByUser.release.spec.alarms.names).toEqual(['ai-handler-errors']);
  });

  it('applies orchestrator defaults one level deep, the input winning', async () => {
    // Prepare
    const defaults = { bake: { seconds: 180, pollSeconds: 10 }, startedBy: 'ci', retention: { seconds: 0 } };
    const input = { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }, bake: { pollSeconds: 20 } };

    // Act
    const { release } = await validateInput({ input, execution }, { defaults });

    // Assess
    expect(release.spec.bake).toEqual({ seconds: 180, pollSeconds: 20, onInconclusive: 'rollback' });
    expect(release.spec.startedBy).toBe('ci');
    expect(release.spec.retention).toEqual({ seconds: 0, pollSeconds: 300 });
  });

  it('withDefaults leaves a non-object input alone (the schema rejects it) and never mutates the input', () => {
    // Prepare
    const input = { bake: { seconds: 5 } };
    const snapshot = JSON.stringify(input);

    // Act
    const merged = withDefaults(input, { bake: { seconds: 1, pollSeconds: 2 } });

    // Assess
    expect(merged).toEqual({ bake: { seconds: 5, pollSeconds: 2 } });
    expect(JSON.stringify(input)).toBe(snapshot);
    expect(withDefaults('x', { bake: {} })).toBe('x');
    expect(withDefaults([1], { bake: {} })).toEqual([1]);
  });

  it.each([
    ['region', { region: 'us-east-1' }, /is in region eu-west-1 but this orchestrator runs in us-east-1/],
    ['account', { accountId: '999999999999' }, /belongs to account 123456789012, not 999999999999/],
  ])('rejects a function ARN of another %s, naming target.functionName', async (_what, deps, message) => {
    // Prepare
    const input = releaseInput({ target: { kind: 'lambda-alias', functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:ai-handler', alias: 'production' } });

    // Act
    const err = await invalidFrom(validateInput({ input, execution }, deps));

    // Assess
    expect(err.issues).toEqual([{ field: 'target.functionName', message: expect.stringMatching(message) }]);
  });

  it('rejects a function this orchestrator does not manage, listing the ones it does', async () => {
    // Act
    const err = await invalidFrom(validateInput({ input: releaseInput(), execution }, { managedFunctions: ['other-fn', 'third-fn'] }));

    // Assess
    expect(err.issues[0].field).toBe('target.functionName');
    expect(err.message).toContain('ai-handler is not managed by this orchestrator (it manages other-fn, third-fn)');
  });

  it('rejects durations that would blow the execution history budget, naming retention.pollSeconds', async () => {
    // Prepare: 14 days polled every second is about 10 million events.
    const input = releaseInput({ retention: { seconds: 14 * 86_400, pollSeconds: 1 } });

    // Act
    const err = await invalidFrom(validateInput({ input, execution }, {}));

    // Assess
    expect(err.issues[0].field).toBe('retention.pollSeconds');
    expect(err.message).toMatch(/need about \d+ execution history events \(budget 10000/);
  });

  it('names bake.pollSeconds when the bake polls are what blows the budget', async () => {
    // Prepare: a 3-hour bake polled every second against the default retention (576 polls).
    const input = releaseInput({ bake: { seconds: 3 * 3_600, pollSeconds: 1 } });

    // Act
    const err = await invalidFrom(validateInput({ input, execution }, {}));

    // Assess
    expect(err.issues[0].field).toBe('bake.pollSeconds');
    expect(err.message).toContain('poll less often');
  });

  it('rejects durations that cannot end before the execution times out (21 days), naming the longest phase and how much to take off', async () => {
    // Prepare: ten canary steps of a day, a day of bake and 14 days of retention (polled rarely, inside the history budget).
    const input = releaseInput({
      strategy: { type: 'canary', steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 95], stepSeconds: 86_400 },
      bake: { seconds: 86_400, pollSeconds: 3_600 },
      retention: { seconds: 14 * 86_400, pollSeconds: 86_400 },
    });

    // Act
    const err = await invalidFrom(validateInput({ input, execution }, {}));

    // Assess
    expect(err.issues[0].field).toBe('retention.seconds');
    expect(err.message).toMatch(
      /may take up to [\d,]+ s \(strategy\.stepSeconds 864,000 \+ bake\.seconds 86,400 \+ retention\.seconds 1,209,600 \+ the Tasks' retries at their longest [\d,]+\), longer than the execution's timeout of 1,814,400 s \(21 days\).*take at least [\d,]+ s off retention\.seconds/,
    );
  });

  it('accepts the longest retention with the default phases: 14 days and the Tasks\' worst case fit in 21 days', async () => {
    // Prepare
    const input = releaseInput({ retention: { seconds: 14 * 86_400, pollSeconds: 3_600 } });

    // Act
    const out = await validateInput({ input, execution }, {});

    // Assess
    expect(out.release.spec.retention.seconds).toBe(14 * 86_400);
  });

  it('rejects a user alarm that does not exist, naming it', async () => {
    // Prepare
    const input = releaseInput({ alarms: { names: ['ai-handler-errors', 'ai-handler-erorrs'] } });

    // Act
    const err = await invalidFrom(validateInput({ input, execution }, { cloudwatch: client }));

    // Assess
    expect(err.issues).toEqual([{ field: 'alarms.names', message: expect.stringContaining('no alarm named "ai-handler-erorrs"') }]);
    expect(err.message).not.toContain('"ai-handler-errors"');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toMatchObject({
      AlarmNames: ['ai-handler-errors', 'ai-handler-erorrs'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
  });

  it('finds every user alarm when CloudWatch answers them over several pages (NextToken)', async () => {
    // Prepare: 95 alarms (the most a release takes), 50 a page.
    const names = Array.from({ length: 95 }, (_, i) => `user-alarm-${i}`);
    alarmsExist(...names);
    const input = releaseInput({ alarms: { names } });

    // Act
    const { release } = await validateInput({ input, execution }, { cloudwatch: client });

    // Assess
    expect(release.spec.alarms.names).toEqual(names);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(2);
  });

  it('accepts a user alarm that exists as a composite alarm', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves({ CompositeAlarms: [{ AlarmName: 'ai-handler-errors' }] });

    // Act
    const { release } = await validateInput({ input: releaseInput(), execution }, { cloudwatch: client });

    // Assess
    expect(release.spec.alarms.names).toEqual(['ai-handler-errors']);
  });

  it('gives the same answer when run twice (a retried ValidateInput)', async () => {
    // Act
    const first = await validateInput({ input: releaseInput(), execution }, { cloudwatch: client });
    const second = await validateInput({ input: releaseInput(), execution }, { cloudwatch: client });

    // Assess
    expect(second).toEqual(first);
  });
});

describe('ValidateInput handler (middy)', () => {
  const event = (input: unknown) => ({ input, execution });

  it('wires the environment: CUTOVER_DEFAULTS and CUTOVER_MANAGED_FUNCTIONS', async () => {
    // Prepare
    process.env.CUTOVER_DEFAULTS = JSON.stringify({ bake: { seconds: 300, pollSeconds: 10 } });
    process.env.CUTOVER_MANAGED_FUNCTIONS = JSON.stringify(['ai-handler']);
    const input = { target: { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' } };

    // Act
    const out = (await handler(event(input), lambdaContext('validate-input'))) as { release: { spec: { bake: unknown } } };

    // Assess
    expect(out.release.spec.bake).toEqual({ seconds: 300, pollSeconds: 10, onInconclusive: 'rollback' });
  });

  it('surfaces InvalidReleaseInput by name for a bad release input', async () => {
    // Act
    const err = await rejectionOf(handler(event({ target: { kind: 'ecs-service' } }), lambdaContext('validate-input')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toContain('target.kind');
  });

  it('rejects an event without the execution identity, naming the field', async () => {
    // Act
    const err = await rejectionOf(handler({ input: releaseInput() }, lambdaContext('validate-input')));

    // Assess
    expect(err.name).toBe('InvalidReleaseInput');
    expect(err.message).toMatch(/^invalid ValidateInput input: execution: /);
  });

  it('turns CloudWatch throttling into TransientAwsError (retried by the state machine)', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));

    // Act
    const err = await rejectionOf(handler(event(releaseInput()), lambdaContext('validate-input')));

    // Assess
    expect(err.name).toBe('TransientAwsError');
    expect(err.message).toBe('ValidateInput: Throttling: Rate exceeded');
    expect((err.cause as Error).name).toBe('Throttling');
  });

  it('lets a non-transient AWS error through under its own name', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).rejects(awsError('AccessDenied', 'not authorized', 403));

    // Act
    const err = await rejectionOf(handler(event(releaseInput()), lambdaContext('validate-input')));

    // Assess
    expect(err.name).toBe('AccessDenied');
  });
});
