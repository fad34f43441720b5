import { startRehearsalStack, type RehearsalStack } from '../../rehearsal/stack';
import { aliasesOfOneFunction, deployFixtures, fixtureName, fixtureNames, manyTargets, sameTargetRace } from '../../bench/scenarios/concurrency';

/**
 * Releases started at the same moment on one sandbox. npm test runs 10
 * releases of one target and 8 releases of 8 targets; `npm run bench` runs
 * the full 25 targets (and measures the sandbox's memory while it does).
 */
export const NPM_TEST_TARGETS = 8;
export const RACERS = 10;

let stack: RehearsalStack;

beforeAll(async () => {
  stack = await startRehearsalStack({ timeScale: 1000, managedFunctions: fixtureNames(NPM_TEST_TARGETS) });
  await deployFixtures(stack, NPM_TEST_TARGETS);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('concurrent releases on one sandbox', () => {
  it(`${RACERS} releases of one target started together: exactly one runs, the others fail fast with ReleaseInProgress`, async () => {
    // Act
    const r = await sameTargetRace(stack, fixtureName(0), RACERS, 'jest');
    // Assess
    expect(r.problems).toEqual([]);
    expect(r.winner?.status).toBe('SUCCEEDED');
    expect(r.losers).toHaveLength(RACERS - 1);
    expect(r.losers.every((l) => l.error === 'ReleaseInProgress')).toBe(true);
    // …while their Tasks really ran side by side (in several execution environments of one version), as on Lambda.
    expect(r.peakOverlap).toBeGreaterThan(1);
  }, 120_000);

  it(`${NPM_TEST_TARGETS} releases of ${NPM_TEST_TARGETS} targets started together: each alias on its own green, each ledger its own release`, async () => {
    // Act
    const r = await manyTargets(stack, fixtureNames(NPM_TEST_TARGETS), 'jest');
    // Assess
    expect(r.problems).toEqual([]);
    expect(r.ends.map((e) => e.status)).toEqual(Array(NPM_TEST_TARGETS).fill('SUCCEEDED'));
  }, 180_000);

  it('releases of three aliases of one function started together: each alias ends on a version that runs its own artifact', async () => {
    // Act: three PrepareGreens update the same $LATEST and publish from it at the same time
    const r = await aliasesOfOneFunction(stack, fixtureName(1), ['blue-a', 'blue-b', 'blue-c'], 'jest');
    // Assess
    expect(r.problems).toEqual([]);
    expect(r.ends.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  }, 180_000);
});
