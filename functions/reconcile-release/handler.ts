import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { eventsFromEnv } from '../../core/events';
import { parseOrThrow } from '../../core/validation';
import { managedStagesFromEnv, routerFor } from '../../targets';
import { clients } from '../kit/clients';
import { ledgerFromEnv, systemClock } from '../kit/deps';
import { logger } from '../kit/handler-kit';
import { z } from 'zod';
import { reconcile } from './reconcile';

const statusChangeSchema = z.looseObject({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.looseObject({ executionArn: z.string().min(1), status: z.string(), error: z.string().nullish(), cause: z.string().nullish() }),
});

/**
 * EventBridge invokes this function asynchronously with the orchestrator's own "Step Functions Execution
 * Status Change" events (ABORTED, TIMED_OUT, FAILED: the rule's pattern). An error is thrown, so Lambda's
 * asynchronous retries run it again; every step it takes is idempotent.
 */
export const handler = middy(async (event: unknown) => {
  const { detail } = parseOrThrow(statusChangeSchema, event, 'ReconcileRelease event');
  const result = await reconcile(detail, {
    sfn: clients.sfn(),
    ledger: ledgerFromEnv(),
    routerFor: (target) => routerFor(target, clients, { managedStages: managedStagesFromEnv() }),
    cloudwatch: clients.cloudwatch(),
    alarmPrefix: process.env.CUTOVER_ALARM_PREFIX ?? 'cutover-',
    now: systemClock,
    events: eventsFromEnv(logger, clients.eventbridge),
  });
  logger.info('ReconcileRelease', { executionArn: detail.executionArn, status: detail.status, ...result });
  return result;
}).use(injectLambdaContext(logger, { resetKeys: true }));
