import fc from 'fast-check';
import { InvalidReleaseInput } from '../../core/errors';
import { bareFunctionName, releaseInputSchema, targetKey, unjudgedWindows, type ReleaseSpec } from '../../core/release-input';
import { parseOrThrow } from '../../core/validation';

const target = { kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' };

/** The InvalidReleaseInput that parsing `input` throws. */
function rejected(input: unknown): InvalidReleaseInput {
  try {
    parseOrThrow(releaseInputSchema, input, 'release input');
  } catch (err) {
    if (err instanceof InvalidReleaseInput) return err;
    throw err;
  }
  throw new Error(`expected InvalidReleaseInput for ${JSON.stringify(input)}`);
}
const fields = (input: unknown) => rejected(input).issues.map((i) => i.field);
const parse = (input: unknown): ReleaseSpec => parseOrThrow(releaseInputSchema, input, 'release input');

describe('release input schema: defaults', () => {
  it('fills every default from a target alone', () => {
    // Act
    const spec = parse({ target });

    // Assess
    expect(spec).toEqual({
      target,
      description: '',
      strategy: { type: 'all-at-once' },
      smokeTest: { cases: [] },
      bake: { seconds: 600, pollSeconds: 30, onInconclusive: 'rollback' },
      retention: { seconds: 172_800, pollSeconds: 300 },
      alarms: { names: [], releaseAlarms: true, errorRateThreshold: 0.05, periodSeconds: 60, latencyP95Ms: 10_000, blockOnPreexistingAlarms: false },
      decommission: { deleteBlueVersion: false },
      startedBy: 'console',
    });
  });

  it('fills the defaults inside a partly given section', () => {
    // Act
    const spec = parse({
      target,
      artifact: { uri: 's3://models/v2.json' },
      strategy: { type: 'canary', steps: [10, 50] },
      bake: { seconds: 60 },
      smokeTest: { cases: [{ name: 'hello', input: null }], goldenSet: { uri: 's3://quality/golden.jsonl' } },
    });

    // Assess
    expect(spec.artifact).toEqual({ uri: 's3://models/v2.json', envVar: 'MODEL_URI' });
    expect(spec.strategy).toEqual({ type: 'canary', steps: [10, 50], stepSeconds: 300 });
    expect(spec.bake).toEqual({ seconds: 60, pollSeconds: 30, onInconclusive: 'rollback' });
    expect(spec.smokeTest.cases).toEqual([{ name: 'hello', input: null, expect: [] }]);
    expect(spec.smokeTest.goldenSet).toEqual({
      uri: 's3://quality/golden.jsonl',
      minSchemaValidRate: 1,
      maxPassRateDrop: 0.02,
      latencyP95Ms: 10_000,
      concurrency: 8,
      compareWithBlue: true,
    });
  });

  it('keys a target by its bare function name', () => {
    // Act
    const spec = parse({ target: { ...target, functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:ai-handler' } });

    // Assess
    expect(targetKey(spec.target)).toBe('lambda-alias:ai-handler:production');
    expect(bareFunctionName('ai-handler')).toBe('ai-handler');
  });
});

describe('release input schema: each error names its field', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['target missing', {}, 'target', /expected object/],
    ['function name', { target: { ...target, functionName: 'has space' } }, 'target.functionName', /must be a Lambda function name/],
    ['function name too long', { target: { ...target, functionName: 'f'.repeat(65) } }, 'target.functionName', /at most 64/],
    ['alias only digits', { target: { ...target, alias: '42' } }, 'target.alias', /must be an alias name .*not only digits/],
    ['artifact URI', { target, artifact: { uri: 'ftp://x/y' } }, 'artifact.uri', /must be an s3:\/\/, file:\/\/ or https:\/\/ URI/],
    ['artifact env var', { target, artifact: { uri: 's3://b/k', envVar: '1X' } }, 'artifact.envVar', /must be an environment variable name/],
    ['description too long', { target, description: 'x'.repeat(257) }, 'description', /256/],
    ['unknown strategy', { target, strategy: { type: 'linear' } }, 'strategy.type', /use \{"type":"all-at-once"\} or \{"type":"canary","steps":\[10,50\]\}/],
    ['canary steps not increasing', { target, strategy: { type: 'canary', steps: [50, 10] } }, 'strategy.steps', /must be strictly increasing, e\.g\. \[10, 50\]/],
    ['canary steps repeated', { target, strategy: { type: 'canary', steps: [10, 10] } }, 'strategy.steps', /strictly increasing/],
    ['canary steps not a list', { target, strategy: { type: 'canary', steps: '10,50' } }, 'strategy.steps', /must be a list of percentages between 0 and 100/],
    ['canary step 100', { target, strategy: { type: 'canary', steps: [10, 100] } }, 'strategy.steps.1', /<100/],
    ['canary step 0', { target, strategy: { type: 'canary', steps: [0] } }, 'strategy.steps.0', />0/],
    ['canary without steps', { target, strategy: { type: 'canary', steps: [] } }, 'strategy.steps', /1/],
    ['canary stepSeconds', { target, strategy: { type: 'canary', steps: [10], stepSeconds: 1.5 } }, 'strategy.stepSeconds', /expected int/],
    ['smoke case name', { target, smokeTest: { cases: [{ name: '', input: 1 }] } }, 'smokeTest.cases.0.name', /1/],
    ['smoke check two kinds', { target, smokeTest: { cases: [{ name: 'a', input: 1, expect: [{ equals: 1, regex: 'x' }] }] } }, 'smokeTest.cases.0.expect.0', /give exactly one of equals, oneOf, regex, contains, approx/],
    ['smoke check none', { target, smokeTest: { cases: [{ name: 'a', input: 1, expect: [{ path: 'x' }] }] } }, 'smokeTest.cases.0.expect.0', /give exactly one of/],
    ['golden set URI', { target, smokeTest: { goldenSet: { uri: 'https://x/y.jsonl' } } }, 'smokeTest.goldenSet.uri', /must be an S3 URI like s3:\/\/bucket\/key/],
    ['golden set drop', { target, smokeTest: { goldenSet: { uri: 's3://bucket/k', maxPassRateDrop: 2 } } }, 'smokeTest.goldenSet.maxPassRateDrop', /1/],
    ['golden set concurrency', { target, smokeTest: { goldenSet: { uri: 's3://bucket/k', concurrency: 0 } } }, 'smokeTest.goldenSet.concurrency', /1/],
    ['bake seconds', { target, bake: { seconds: -1 } }, 'bake.seconds', /0/],
    ['bake poll', { target, bake: { pollSeconds: 0 } }, 'bake.pollSeconds', /1/],
    ['bake onInconclusive', { target, bake: { onInconclusive: 'ignore' } }, 'bake.onInconclusive', /"rollback"\|"proceed"/],
    ['retention too long', { target, retention: { seconds: 15 * 86_400 } }, 'retention.seconds', /1209600/],
    ['alarm name', { target, alarms: { names: [''] } }, 'alarms.names.0', /1/],
    ['error rate', { target, alarms: { errorRateThreshold: 1 } }, 'alarms.errorRateThreshold', /<1/],
    ['period not a CloudWatch period', { target, alarms: { periodSeconds: 45 } }, 'alarms.periodSeconds', /must be a multiple of 60 seconds .*; got 45: use 60/],
    // "Be sure to specify 10, 20, or 30 only for metrics that are stored by a PutMetricData call with a StorageResolution of 1"
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html): Lambda, SageMaker and the EMF metric are 1-minute metrics.
    ['period 10 (high resolution only)', { target, alarms: { periodSeconds: 10 } }, 'alarms.periodSeconds', /1-minute metrics.*no datapoints.*; got 10: use 60/],
    ['period 30 (high resolution only)', { target, alarms: { periodSeconds: 30 } }, 'alarms.periodSeconds', /got 30: use 60/],
    ['period 90', { target, alarms: { periodSeconds: 90 } }, 'alarms.periodSeconds', /multiple of 60/],
    ['latency', { target, alarms: { latencyP95Ms: 0 } }, 'alarms.latencyP95Ms', /0/],
    ['deleteBlueVersion', { target, decommission: { deleteBlueVersion: 'yes' } }, 'decommission.deleteBlueVersion', /boolean/],
    ['startedBy', { target, startedBy: 7 }, 'startedBy', /string/],
  ];
  it.each(cases.map(([what, input, field, message]) => [what, field, input, message] as const))('%s → %s', (_what, field, input, message) => {
    // Act
    const err = rejected(input);

    // Assess
    expect(err.issues.map((i) => i.field)).toContain(field);
    expect(err.issues.find((i) => i.field === field)!.message).toMatch(message);
    expect(err.message).toContain(`${field}: `);
    expect(err.name).toBe('InvalidReleaseInput');
  });

  it('rejects an unknown target kind, saying which kinds exist', () => {
    // Act
    const err = rejected({ target: { kind: 'ecs-service', serviceName: 'x' } });

    // Assess
    expect(err.issues).toEqual([
      {
        field: 'target.kind',
        message:
          'unknown target kind: use "lambda-alias" (with functionName and alias), "apigateway-stage" (with restApiId, stageName and functionName) or "sagemaker-endpoint" (with endpointName and greenModel)',
      },
    ]);
  });

  it.each([
    [{ target, colour: 'blue' }, 'colour'],
    [{ target: { ...target, region: 'eu-west-1' } }, 'target.region'],
    [{ target, bake: { secs: 1 } }, 'bake.secs'],
    [{ target, alarms: { name: ['x'] } }, 'alarms.name'],
    [{ target, smokeTest: { cases: [{ name: 'a', input: 1, expected: [] }] } }, 'smokeTest.cases.0.expected'],
    [{ target, strategy: { type: 'all-at-once', steps: [10] } }, 'strategy.steps'],
  ])('rejects an unknown field, naming it: %j', (input, field) => {
    // Act
    const err = rejected(input);

    // Assess
    expect(err.issues).toContainEqual({ field, message: 'unknown field: remove it or check its spelling' });
  });

  it('accepts every standard-resolution CloudWatch period: multiples of 60 up to a day', () => {
    for (const periodSeconds of [60, 120, 600, 3600, 86_400]) {
      expect(parse({ target, alarms: { periodSeconds } }).alarms.periodSeconds).toBe(periodSeconds);
    }
    expect(fields({ target, alarms: { periodSeconds: 86_460 } })).toEqual(['alarms.periodSeconds']);
  });

  it('lists at most 8 problems in the message and counts the rest', () => {
    // Prepare: ten wrong fields.
    const input = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((k) => [k, 1]));

    // Act
    const err = rejected({ target, ...input });

    // Assess
    expect(err.issues).toHaveLength(10);
    expect(err.message).toMatch(/; and 2 more$/);
  });
});

/**
 * CloudWatch evaluates a period once it is over and its metrics have arrived, so a canary step or
 * bake shorter than a period plus that minute ends on the alarm state from before the switch.
 */
describe('unjudgedWindows: steps and bakes the release alarms cannot judge', () => {
  it('names a bake and a canary step shorter than the period + 60 s, with the value and the fix', () => {
    // Act
    const issues = unjudgedWindows(parse({ target, strategy: { type: 'canary', steps: [10], stepSeconds: 90 }, bake: { seconds: 60 } }));
    // Assess
    expect(issues.map((i) => i.field)).toEqual(['bake.seconds', 'strategy.stepSeconds']);
    expect(issues[0]!.message).toMatch(/^60 s is too short .*alarms.periodSeconds 60.*up to 120 s after the switch; use at least 120, or a shorter alarms.periodSeconds$/);
    expect(issues[1]!.message).toMatch(/^90 s is too short .*use at least 120/);
  });

  it('scales with the period', () => {
    // Act
    const issues = unjudgedWindows(parse({ target, bake: { seconds: 600 }, alarms: { periodSeconds: 600 } }));
    // Assess
    expect(issues).toEqual([{ field: 'bake.seconds', message: expect.stringMatching(/use at least 660/) }]);
  });

  it('accepts the defaults, windows of exactly the period + 60 s, no bake, and any window without release alarms', () => {
    // Act / Assess
    expect(unjudgedWindows(parse({ target }))).toEqual([]);
    expect(unjudgedWindows(parse({ target, strategy: { type: 'canary', steps: [10], stepSeconds: 120 }, bake: { seconds: 120 } }))).toEqual([]);
    expect(unjudgedWindows(parse({ target, bake: { seconds: 0 } }))).toEqual([]);
    expect(unjudgedWindows(parse({ target, strategy: { type: 'canary', steps: [10], stepSeconds: 10 }, bake: { seconds: 10 }, alarms: { releaseAlarms: false } }))).toEqual([]);
  });
});

describe('release input schema: properties', () => {
  const percentSteps = fc
    .uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 10 })
    .map((s) => [...s].sort((a, b) => a - b));
  const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
  const validInput = fc.record(
    {
      target: fc.record({
        kind: fc.constant('lambda-alias'),
        functionName: fc.oneof(name, name.map((n) => `arn:aws:lambda:eu-west-1:123456789012:function:${n}`)),
        alias: fc.stringMatching(/^[A-Za-z_-][A-Za-z0-9_-]{0,127}$/),
      }),
      artifact: fc.record(
        { uri: fc.constantFrom('s3://models/v2.json', 'file:///opt/model.bin', 'https://example.com/m'), envVar: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/) },
        { requiredKeys: ['uri'] },
      ),
      description: fc.string({ maxLength: 256 }),
      strategy: fc.oneof(
        fc.constant({ type: 'all-at-once' }),
        fc.record({ type: fc.constant('canary'), steps: percentSteps, stepSeconds: fc.integer({ min: 0, max: 86_400 }) }, { requiredKeys: ['type', 'steps'] }),
      ),
      smokeTest: fc.record(
        {
          cases: fc.array(
            fc.record({
              name: fc.string({ minLength: 1, maxLength: 128 }),
              input: fc.jsonValue({ maxDepth: 2 }),
              expect: fc.array(
                fc.oneof(
                  fc.record({ path: fc.constantFrom('', 'label', 'scores.0'), equals: fc.jsonValue({ maxDepth: 1 }) }),
                  fc.record({ contains: fc.string({ maxLength: 20 }) }),
                  fc.record({ approx: fc.record({ value: fc.double({ noNaN: true, noDefaultInfinity: true }), tolerance: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }) }) }),
                ),
                { maxLength: 3 },
              ),
            }),
            { maxLength: 3 },
          ),
          goldenSet: fc.record(
            {
              uri: fc.constantFrom('s3://quality-bucket/golden.jsonl', 's3://a.b-c/dir/set.jsonl'),
              maxPassRateDrop: fc.double({ min: 0, max: 1, noNaN: true }),
              concurrency: fc.integer({ min: 1, max: 32 }),
              compareWithBlue: fc.boolean(),
            },
            { requiredKeys: ['uri'] },
          ),
        },
        { requiredKeys: [] },
      ),
      bake: fc.record(
        { seconds: fc.integer({ min: 0, max: 86_400 }), pollSeconds: fc.integer({ min: 1, max: 3_600 }), onInconclusive: fc.constantFrom('rollback', 'proceed') },
        { requiredKeys: [] },
      ),
      retention: fc.record({ seconds: fc.integer({ min: 0, max: 14 * 86_400 }), pollSeconds: fc.integer({ min: 1, max: 86_400 }) }, { requiredKeys: [] }),
      alarms: fc.record(
        {
          names: fc.array(fc.stringMatching(/^[A-Za-z0-9 ._/-]{1,40}$/), { maxLength: 5 }),
          releaseAlarms: fc.boolean(),
          errorRateThreshold: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
          periodSeconds: fc.integer({ min: 1, max: 1440 }).map((m) => m * 60),
          latencyP95Ms: fc.integer({ min: 1, max: 900_000 }),
          blockOnPreexistingAlarms: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      decommission: fc.record({ deleteBlueVersion: fc.boolean() }, { requiredKeys: [] }),
      startedBy: fc.string({ maxLength: 128 }),
    },
    { requiredKeys: ['target'] },
  );

  it('any input built from valid field values parses, keeping what was given', () => {
    fc.assert(
      fc.property(validInput, (input) => {
        // Act
        const spec = parse(input);

        // Assess
        expect(spec.target).toEqual(input.target);
        if (input.bake?.seconds !== undefined) expect(spec.bake.seconds).toBe(input.bake.seconds);
        if (input.strategy) expect(spec.strategy.type).toBe(input.strategy.type);
        expect(spec.alarms.names).toEqual(input.alarms?.names ?? []);
      }),
    );
  });

  it('any JSON value that is not an object is rejected as InvalidReleaseInput, never a crash', () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
        (value) => {
          const err = rejected(value);
          expect(err.issues).toEqual([{ field: '(input)', message: expect.stringMatching(/^Invalid input: expected object, received /) }]);
        },
      ),
    );
  });

  it('any JSON object either parses or is rejected as InvalidReleaseInput naming at least one field', () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.constantFrom('target', 'bake', 'strategy', 'alarms', 'x'), fc.jsonValue({ maxDepth: 2 })), validInput), (value) => {
        try {
          parse(value);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidReleaseInput);
          expect((err as InvalidReleaseInput).issues.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
