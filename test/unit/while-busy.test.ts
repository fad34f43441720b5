import { whileBusy } from '../../core/while-busy';

/** The reconciler's and `cutover rollback`'s wait for a target to settle (what Decommission's Retry does in the machine). */
describe('whileBusy', () => {
  const busy = () => Object.assign(new Error('endpoint is Updating'), { name: 'TargetBusy' });
  let clock = 0;
  const options = (budgetMs: number) => ({ now: () => clock, sleep: async (ms: number) => void (clock += ms), budgetMs, intervalMs: 30_000 });
  beforeEach(() => {
    clock = 0;
  });

  it('repeats a call that answers TargetBusy, every interval, until it answers', async () => {
    // Prepare
    let calls = 0;
    const call = async () => (++calls < 3 ? Promise.reject(busy()) : 'retired');

    // Act
    const out = await whileBusy(call, options(600_000));

    // Assess
    expect(out).toBe('retired');
    expect(calls).toBe(3);
    expect(clock).toBe(60_000);
  });

  it('throws the last TargetBusy once the budget would be exceeded, and any other error at once', async () => {
    // Prepare
    let calls = 0;
    const alwaysBusy = async () => {
      calls++;
      throw busy();
    };
    const denied = async () => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));

    // Act
    const late = await whileBusy(alwaysBusy, options(100_000)).catch((e: Error) => e);
    clock = 0;
    const other = await whileBusy(denied, options(100_000)).catch((e: Error) => e);

    // Assess
    expect(late.name).toBe('TargetBusy');
    expect(calls).toBe(4); // at 0, 30, 60 and 90 s: a fifth would start past the 100 s budget
    expect(other.name).toBe('AccessDeniedException');
    expect(clock).toBe(0);
  });
});
