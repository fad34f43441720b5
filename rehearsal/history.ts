import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

export interface HistoryCount {
  /** Execution history events, as GetExecutionHistory returns them (the 25,000 limit counts these). */
  events: number;
  /** Billed state transitions: every state entered, plus every Task retry attempt. */
  transitions: number;
}

/** An execution's history, counted from GetExecutionHistory (paged), the way Step Functions counts and bills it. */
export async function countHistory(sfn: SFNClient, executionArn: string): Promise<HistoryCount> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: false }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const entered = events.filter((e) => e.type?.endsWith('StateEntered')).length;
  const taskEntered = events.filter((e) => e.type === 'TaskStateEntered').length;
  const attempts = events.filter((e) => e.type === 'LambdaFunctionScheduled' || e.type === 'TaskScheduled').length;
  return { events: events.length, transitions: entered + Math.max(0, attempts - taskEntered) };
}
