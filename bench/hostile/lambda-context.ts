import type { Context } from 'aws-lambda';

/** The Lambda context the runtime passes to a Task's function `cutover-<folder>`; the middy handlers log with it. */
export function lambdaContext(folder: string, awsRequestId = `req-${folder}`, where = { region: 'eu-west-1', account: '123456789012' }): Context {
  return {
    functionName: `cutover-${folder}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${where.region}:${where.account}:function:cutover-${folder}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/cutover-${folder}`,
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
