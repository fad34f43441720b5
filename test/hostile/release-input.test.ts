import fc from 'fast-check';
import { releaseInputSchema } from '../../core/release-input';
import { HOSTILE_RELEASE_INPUTS, PROPERTY_RUNS } from '../../bench/hostile/hostile-inputs';
import {
  EXECUTION,
  fullInput,
  installTripwire,
  invokeLikeLambda,
  isInvalidInput,
  nested,
  orchestratorEnv,
  pathsOf,
  related,
  taskHandlers,
  withValue,
  type Tripwire,
} from '../../bench/hostile/support';

/**
 * The release input through the ValidateInput handler (middy, as Lambda runs
 * it): every hostile input is rejected with InvalidReleaseInput naming the
 * field, before any AWS call that changes something (only DescribeAlarms, a
 * read, may run), and nothing leaks onto Object.prototype.
 */

let tripwire: Tripwire;
const validateInput = () => taskHandlers().find((h) => h.task === 'ValidateInput')!;
const event = (input: unknown) => ({ input, execution: EXECUTION });

beforeAll(() => {
  orchestratorEnv();
  tripwire = installTripwire('reads-allowed');
});
afterAll(() => tripwire.restore());
beforeEach(() => tripwire.reset());

function polluted(): string[] {
  const probe = {} as Record<string, unknown>;
  return ['polluted', 'alias', 'seconds', 'x', 'admin'].filter((k) => probe[k] !== undefined);
}

describe('a valid release input', () => {
  it('is accepted, and what ValidateInput returns can travel as a Lambda result', async () => {
    // Act
    const out = await invokeLikeLambda(validateInput(), event(fullInput()));
    // Assess
    expect(out.ok).toBe(true);
    expect(tripwire.mutating()).toEqual([]);
  });
});

describe(`${HOSTILE_RELEASE_INPUTS.length} hostile release inputs`, () => {
  it.each(HOSTILE_RELEASE_INPUTS.map((h) => [h.name, h] as const))('%s: rejected before any change, naming the field', async (_name, hostile) => {
    // Act
    const out = await invokeLikeLambda(validateInput(), event(hostile.input));
    // Assess
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.name).toBe('InvalidReleaseInput');
    const fields = out.error.issues!.map((i) => i.field);
    expect(fields.some((f) => f === hostile.field || f.startsWith(`${hostile.field}.`))).toBe(true);
    expect(out.error.message).toContain(hostile.field);
    expect(tripwire.mutating()).toEqual([]);
    expect(polluted()).toEqual([]);
  });
});

describe('property: any JSON value as the release input', () => {
  it(`is either a valid release or rejected as InvalidReleaseInput naming a field (${PROPERTY_RUNS.anything} runs)`, async () => {
    const h = validateInput();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.anything({ withObjectString: true, withNullPrototype: true, withBigInt: false })), async (input) => {
        tripwire.reset();
        const out = await invokeLikeLambda(h, event(input));
        if (out.ok) {
          expect(releaseInputSchema.safeParse(input).success).toBe(true);
        } else {
          expect(isInvalidInput(out.error)).toBe(true);
          expect(out.error.issues!.length).toBeGreaterThan(0);
          for (const issue of out.error.issues!.slice(0, 8)) expect(out.error.message).toContain(issue.field);
        }
        expect(tripwire.mutating()).toEqual([]);
      }),
      { numRuns: PROPERTY_RUNS.anything },
    );
  });
});

/** Values that do not belong anywhere in a release input, or only in a few places. */
const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, 1e12, 12.345, '', '../../etc/passwd', '$LATEST', '__proto__', true, [], {}, 'x'.repeat(70_000)),
  fc.constant(nested(200)),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as unknown),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.jsonValue(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 }),
);

describe('property: one field of a valid input replaced by a hostile value', () => {
  it(`is accepted only as a valid spec; otherwise rejected naming that field or its neighbour (${PROPERTY_RUNS.mutation} runs)`, async () => {
    const h = validateInput();
    const base = fullInput();
    const paths = pathsOf(base);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), hostileValue, async (path, value) => {
        tripwire.reset();
        const input = withValue(base, path, value);
        const out = await invokeLikeLambda(h, event(input));
        if (out.ok) {
          // Accepted: the value was legal there (e.g. another string as description) and the result serializes.
          const spec = (out.result as { release: { spec: unknown } }).release.spec;
          expect(releaseInputSchema.safeParse(spec).success).toBe(true);
        } else {
          expect(isInvalidInput(out.error)).toBe(true);
          const fields = out.error.issues!.map((i) => i.field);
          if (!fields.some((f) => related(f, path))) throw new Error(`replacing ${path} was reported at ${fields.join(', ')}: ${out.error.message.slice(0, 300)}`);
        }
        expect(tripwire.mutating()).toEqual([]);
        expect(polluted()).toEqual([]);
      }),
      { numRuns: PROPERTY_RUNS.mutation },
    );
  });
});
