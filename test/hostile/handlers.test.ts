import fc from 'fast-check';
import { baseEvent, HANDLER_PROPERTY_RUNS, hostileEvents } from '../../bench/hostile/hostile-events';
import { installTripwire, invokeLikeLambda, isInvalidInput, orchestratorEnv, pathsOf, related, taskHandlers, withValue, type Tripwire } from '../../bench/hostile/support';

/**
 * Every Task handler (functions/<folder>/handler.ts, found by its
 * taskHandler('<Task>', <schema>, …) call) parses its event with its zod
 * schema before anything else: a hostile event is rejected with
 * InvalidReleaseInput naming the field, and no AWS call at all is made (the
 * tripwire throws on any). Step Functions builds these events, so this guards
 * against a broken ASL or a hand-made redrive, not a user.
 */

let tripwire: Tripwire;
const handlers = taskHandlers();

beforeAll(() => {
  orchestratorEnv();
  tripwire = installTripwire('strict');
});
afterAll(() => tripwire.restore());
beforeEach(() => tripwire.reset());

describe.each(handlers.map((h) => [h.task, h] as const))('%s handler', (_task, h) => {
  const events = hostileEvents(h);

  it.each(events.map((e) => [e.name, e] as const))('rejects %s before any AWS call, naming the field', async (_name, hostile) => {
    // Act
    const out = await invokeLikeLambda(h, hostile.event);
    // Assess
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error.name).toBe('InvalidReleaseInput');
    const fields = out.error.issues!.map((i) => i.field);
    expect(fields.some((f) => f === hostile.field || f.startsWith(`${hostile.field}.`))).toBe(true);
    expect(out.error.message).toContain(hostile.field);
    expect(tripwire.calls).toEqual([]);
  });

  it(`property: a field replaced by a hostile value is rejected naming it, with no AWS call, whenever ${h.schemaName} rejects it (${HANDLER_PROPERTY_RUNS} runs)`, async () => {
    const base = baseEvent(h);
    const paths = pathsOf(base);
    const value = fc.oneof(
      fc.constantFrom<unknown>(null, Number.NaN, Number.POSITIVE_INFINITY, -1, '', 'x'.repeat(100), true, [], {}, '../../etc/passwd'),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), value, async (path, v) => {
        tripwire.reset();
        const event = withValue(base, path, v);
        if (h.schema.safeParse(event).success) return; // a legal value there: the handler would go on and call AWS
        const out = await invokeLikeLambda(h, event);
        expect(out.ok).toBe(false);
        if (out.ok) return;
        expect(isInvalidInput(out.error)).toBe(true);
        const fields = out.error.issues!.map((i) => i.field);
        if (!fields.some((f) => related(f, path))) throw new Error(`${h.task}: replacing ${path} was reported at ${fields.join(', ')}`);
        expect(tripwire.calls).toEqual([]);
      }),
      { numRuns: HANDLER_PROPERTY_RUNS },
    );
  });
});

it('finds every Task handler of the state machine', () => {
  expect(handlers.map((h) => h.task).sort()).toEqual(
    expect.arrayContaining(['AcquireLock', 'ArmAlarms', 'CheckAlarms', 'Decommission', 'PrepareGreen', 'RecordOutcome', 'ReleaseLock', 'RollBackToBlue', 'ShiftTraffic', 'SmokeTestGreen', 'ValidateInput']),
  );
});
