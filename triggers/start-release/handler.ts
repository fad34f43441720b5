import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { clients, requiredEnv } from '../../functions/kit/clients';
import { isTransientAwsError, messageOf, TransientAwsError } from '../../core/errors';
import { logger } from '../../functions/kit/handler-kit';
import { parseOrThrow } from '../../core/validation';
import { triggerConfigSchema, type TriggerConfig } from './config';
import { startRelease } from './start-release';

let config: TriggerConfig | undefined;

/** CUTOVER_TRIGGER_CONFIG, parsed once per environment (the trigger construct writes it). */
function configFromEnv(): TriggerConfig {
  config ??= parseOrThrow(triggerConfigSchema, JSON.parse(requiredEnv('CUTOVER_TRIGGER_CONFIG')), 'CUTOVER_TRIGGER_CONFIG');
  return config;
}

/**
 * EventBridge invokes this function asynchronously with the matched event.
 * A throttled or failing StartExecution is thrown (Lambda's asynchronous
 * retries try again, with the same name); everything else returns.
 */
export const handler = middy(async (event: unknown) => {
  try {
    return await startRelease(event, {
      sfn: clients.sfn(),
      stateMachineArn: requiredEnv('CUTOVER_STATE_MACHINE_ARN'),
      config: configFromEnv(),
      log: logger,
    });
  } catch (err) {
    logger.error('StartRelease failed', err as Error);
    if (isTransientAwsError(err)) throw new TransientAwsError(`StartRelease: ${messageOf(err)}`, { cause: err });
    throw err;
  }
}).use(injectLambdaContext(logger, { resetKeys: true }));
