/**
 * A call the router answers with TargetBusy until the target has settled (a SageMaker endpoint replacing its
 * fleet for Decommission's live-only config), repeated every `intervalMs` until it answers or `budgetMs` has
 * passed on `now`'s clock; then its last TargetBusy is thrown. In the state machine the Task's Retry does
 * this (Decommission: 30 s, 240 times); the reconciler and `cutover rollback` run outside it.
 */
export async function whileBusy<T>(
  call: () => Promise<T>,
  options: { now: () => number; sleep: (ms: number) => Promise<void>; budgetMs: number; intervalMs: number },
): Promise<T> {
  const deadline = options.now() + options.budgetMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if ((err as Error)?.name !== 'TargetBusy' || options.now() + options.intervalMs > deadline) throw err;
      await options.sleep(options.intervalMs);
    }
  }
}
