import fc from 'fast-check';
import { mapBounded } from '../../../core/quality/bounded';

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('mapBounded', () => {
  it('never has more than `concurrency` calls in flight, and runs them all (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, concurrency) => {
          // Prepare
          let inFlight = 0;
          let maxInFlight = 0;

          // Act
          const run = await mapBounded(delays, concurrency, async (delay, i) => {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            await tick(delay);
            inFlight -= 1;
            return i * 2;
          });

          // Assess
          expect(maxInFlight).toBeLessThanOrEqual(concurrency);
          expect(run.notRun).toEqual([]);
          expect(run.outcomes).toEqual(delays.map((_, i) => ({ status: 'fulfilled', value: i * 2 })));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('records a rejection without stopping the others', async () => {
    // Prepare
    const boom = new Error('boom');

    // Act
    const run = await mapBounded([1, 2, 3], 2, async (n) => {
      if (n === 2) throw boom;
      return n;
    });

    // Assess
    expect(run.outcomes).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 3 },
    ]);
  });

  it('starts nothing past the deadline and reports what was not run', async () => {
    // Prepare: a clock that each call moves on by 10 ms; deadline at 25 ms
    let clock = 0;
    const started: string[] = [];

    // Act
    const run = await mapBounded(
      ['a', 'b', 'c', 'd', 'e'],
      1,
      async (item) => {
        started.push(item);
        clock += 10;
        return item;
      },
      { deadlineMs: 25, now: () => clock },
    );

    // Assess: a at 0, b at 10, c at 20 start; d would start at 30
    expect(started).toEqual(['a', 'b', 'c']);
    expect(run.notRun).toEqual([
      { index: 3, item: 'd' },
      { index: 4, item: 'e' },
    ]);
    expect(run.outcomes[3]).toEqual({ status: 'not-run' });
  });

  it('awaits work already running when the deadline passes', async () => {
    // Prepare
    let clock = 0;
    let finished = false;

    // Act: the first call crosses the deadline while it runs
    const run = await mapBounded(
      [1, 2],
      1,
      async (n) => {
        clock = 100;
        await tick(2);
        finished = true;
        return n;
      },
      { deadlineMs: 50, now: () => clock },
    );

    // Assess
    expect(finished).toBe(true);
    expect(run.outcomes).toEqual([{ status: 'fulfilled', value: 1 }, { status: 'not-run' }]);
  });

  it('rejects a concurrency below 1', async () => {
    await expect(mapBounded([1], 0, async (n) => n)).rejects.toThrow(RangeError);
  });
});
