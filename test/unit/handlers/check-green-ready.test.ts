import { checkGreenReady } from '../../../functions/check-green-ready/check-green-ready';
import type { Ledger } from '../../../core/ledger';
import type { Green } from '../../../core/release-state';
import type { GreenReadiness, TrafficRouter } from '../../../targets';
import { clock, releaseContext } from './support';

/** One poll of the readiness loop: ready, still updating (counted, bounded), or failed. */
const recorded: { id: string; detail?: string }[] = [];
const ledger = { record: async (_key: unknown, change: { id: string; detail?: string }) => void recorded.push(change) } as unknown as Ledger;
const routerSaying = (...answers: GreenReadiness[]) => ({ waitState: jest.fn(async () => answers.shift()!) }) as unknown as TrafficRouter;
const green: Green = { blue: 'AllTraffic', green: 'cutover-rel-1', createdGreen: true, ready: false, waitSeconds: 30, readyChecks: 0, readyMaxChecks: 3 };
const state = (g: Green = green) => ({ release: releaseContext(), green: g });

beforeEach(() => {
  recorded.length = 0;
});

describe('checkGreenReady', () => {
  it('marks green ready once the router says so, and records it', async () => {
    // Act
    const out = await checkGreenReady(state(), { ledger, router: routerSaying({ state: 'ready' }), now: clock });

    // Assess
    expect(out).toEqual({ ...green, ready: true, readyChecks: 1 });
    expect(recorded).toEqual([expect.objectContaining({ id: 'green-ready', detail: 'green cutover-rel-1 ready after 1 check' })]);
  });

  it('counts the checks while green is still updating, and fails with TargetNotReady when they are used up', async () => {
    // Act
    const first = await checkGreenReady(state(), { ledger, router: routerSaying({ state: 'updating', reason: 'endpoint ai is Updating' }), now: clock });
    const last = checkGreenReady(state({ ...green, readyChecks: 2 }), { ledger, router: routerSaying({ state: 'updating', reason: 'endpoint ai is Updating' }), now: clock });

    // Assess
    expect(first).toEqual({ ...green, ready: false, readyChecks: 1 });
    await expect(last).rejects.toMatchObject({ name: 'TargetNotReady', message: 'green cutover-rel-1 is still not ready after 3 checks (about 90 s; target.readyTimeoutSeconds): endpoint ai is Updating' });
    expect(recorded).toEqual([]);
  });

  it('fails with TargetNotReady and the reason when the deployment failed', async () => {
    // Act / Assess
    await expect(checkGreenReady(state(), { ledger, router: routerSaying({ state: 'failed', reason: 'the update was rolled back' }), now: clock })).rejects.toMatchObject({
      name: 'TargetNotReady',
      message: 'green cutover-rel-1 could not be deployed: the update was rolled back',
    });
  });

  it('treats a router without a readiness check as ready at once', async () => {
    // Act
    const out = await checkGreenReady(state(), { ledger, router: {} as TrafficRouter, now: clock });

    // Assess
    expect(out.ready).toBe(true);
  });
});
