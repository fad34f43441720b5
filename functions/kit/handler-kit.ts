import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { isTransientAwsError, TransientAwsError, messageOf } from '../../core/errors';
import { parseOrThrow } from '../../core/validation';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cutover' });

/**
 * The whole of a handler file: parse the event with the Task's schema (a bad
 * event fails as InvalidReleaseInput before anything is touched), then call
 * the plain function. Errors pass through untouched so their `name` reaches
 * Step Functions as the error to match; throttling and 5xx from AWS become
 * TransientAwsError, which the state machine retries.
 */
export function taskHandler<S extends z.ZodType, R>(
  task: string,
  schema: S,
  run: (input: z.output<S>, context: Context) => Promise<R>,
) {
  return middy(async (event: unknown, context: Context) => {
    const input = parseOrThrow(schema, event, `${task} input`);
    try {
      return await run(input, context);
    } catch (err) {
      logger.error(`${task} failed`, err as Error);
      if (isTransientAwsError(err)) throw new TransientAwsError(`${task}: ${messageOf(err)}`, { cause: err });
      throw err;
    }
  }).use(injectLambdaContext(logger, { resetKeys: true }));
}
