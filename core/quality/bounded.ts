import pLimit from 'p-limit';

export type BoundedOutcome<R> =
  | { status: 'fulfilled'; value: R }
  | { status: 'rejected'; reason: unknown }
  /** Not started: the deadline had passed when its turn came. */
  | { status: 'not-run' };

export interface BoundedRun<T, R> {
  /** One outcome per item, in the order of the items. */
  outcomes: BoundedOutcome<R>[];
  /** The items that were never started, with their index. */
  notRun: { index: number; item: T }[];
}

export interface BoundedOptions {
  /**
   * Epoch milliseconds (as `Date.now()`) after which no new item starts. Work
   * already running is awaited, not aborted: give `fn` its own timeout. In a
   * Lambda handler: `Date.now() + context.getRemainingTimeInMillis() - margin`.
   */
  deadlineMs?: number;
  /** The clock; injectable for tests. */
  now?: () => number;
}

/**
 * Map over items with at most `concurrency` calls of `fn` in flight (p-limit),
 * never rejecting: each item's outcome is recorded, so one failing call does
 * not hide the others' results. Used to call green and blue on a golden set
 * without throttling the service or outliving the Lambda timeout.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  options: BoundedOptions = {},
): Promise<BoundedRun<T, R>> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer of at least 1, got ${concurrency}`);
  }
  const { deadlineMs, now = Date.now } = options;
  const limit = pLimit(concurrency);
  const outcomes = new Array<BoundedOutcome<R>>(items.length);

  await Promise.all(
    items.map((item, index) =>
      limit(async () => {
        // Checked when the item's turn comes, not when it is queued: that is when work would start.
        if (deadlineMs !== undefined && now() >= deadlineMs) {
          outcomes[index] = { status: 'not-run' };
          return;
        }
        try {
          outcomes[index] = { status: 'fulfilled', value: await fn(item, index) };
        } catch (reason) {
          outcomes[index] = { status: 'rejected', reason };
        }
      }),
    ),
  );

  const notRun = outcomes.flatMap((o, index) => (o.status === 'not-run' ? [{ index, item: items[index] }] : []));
  return { outcomes, notRun };
}
