import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { releaseStateSchema, type ReleaseState } from '../../core/release-state';

/** What an ended execution's history says about where it stopped. */
export interface StoppedAt {
  /** The state document as it entered the last state that held one (undefined: it ended before ValidateInput made one). */
  state?: ReleaseState;
  /** That state's name. */
  stateName?: string;
  /**
   * When a Task function invoked before the end may still be running (its scheduling time plus its
   * TimeoutSeconds): Step Functions does not stop a Lambda function it has invoked, so what that function
   * writes lands after the execution has ended.
   */
  inFlightUntil?: Date;
}

/**
 * Newest first, 100 events a page (each event carries the whole state document, and the last state entered is
 * a few events from the end, unless a Task retried many times after it), at most a whole history of 25,000 events.
 * The page size stays the same from page to page: a nextToken belongs to the request that returned it.
 */
const PAGE_SIZE = 100;
const MAX_PAGES = 250;
const ENTERED = /^(Task|Wait|Choice|Pass|Parallel|Map)StateEntered$/;
const SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled']);
const TASK_ENDED = /^(LambdaFunction|Task)(Succeeded|Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$/;

/**
 * Whether the function behind a failed attempt may still be running: Lambda.ClientExecutionTimeoutException
 * is Step Functions' client giving up on the invocation, not the function ending (it runs on, to its own
 * timeout, at most the Task's TimeoutSeconds after it was scheduled).
 */
function mayStillRun(event: HistoryEvent): boolean {
  const error = event.lambdaFunctionFailedEventDetails?.error ?? event.taskFailedEventDetails?.error;
  return error === 'Lambda.ClientExecutionTimeoutException';
}

function parseState(input: string | undefined): ReleaseState | undefined {
  if (!input) return undefined;
  try {
    const parsed = releaseStateSchema.safeParse(JSON.parse(input));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the history newest first (GetExecutionHistory reverseOrder) down to the last state entered with a
 * release state document. Fail and Succeed states are skipped: a Catch may have put a later error there.
 */
export async function lastState(sfn: SFNClient, executionArn: string): Promise<StoppedAt> {
  const found: StoppedAt = {};
  let taskEnded = false;
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: PAGE_SIZE, includeExecutionData: true, ...(nextToken ? { nextToken } : {}) }),
    );
    for (const event of out.events ?? []) {
      if (TASK_ENDED.test(event.type ?? '') && !mayStillRun(event)) taskEnded = true;
      if (SCHEDULED.has(event.type ?? '') && !taskEnded && !found.inFlightUntil) found.inFlightUntil = deadlineOf(event);
      if (!ENTERED.test(event.type ?? '')) continue;
      const state = parseState(event.stateEnteredEventDetails?.input);
      if (state) return { ...found, state, ...(event.stateEnteredEventDetails?.name ? { stateName: event.stateEnteredEventDetails.name } : {}) };
      // Only the newest Task counts as in flight.
      taskEnded = true;
    }
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return found;
}

function deadlineOf(event: HistoryEvent): Date | undefined {
  const seconds = event.lambdaFunctionScheduledEventDetails?.timeoutInSeconds ?? event.taskScheduledEventDetails?.timeoutInSeconds;
  if (!event.timestamp || seconds === undefined) return undefined;
  return new Date(event.timestamp.getTime() + Number(seconds) * 1000);
}
