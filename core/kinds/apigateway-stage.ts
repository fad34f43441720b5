import { z } from 'zod';
import { lambdaFunctionName } from './names';
import type { TargetKindFacts } from './types';

/**
 * An API Gateway REST API stage whose integration calls
 * `<functionName>:${stageVariables.<variable>}`: green is a published version
 * of the function, the switch rewrites the stage variable (canary steps use
 * the stage's canary settings).
 */
export const apiGatewayStageTarget = z.strictObject({
  kind: z.literal('apigateway-stage'),
  restApiId: z.string().regex(/^[a-z0-9]{10}$/, 'must be a REST API id: 10 lowercase letters and digits, e.g. a1b2c3d4e5'),
  stageName: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a stage name (letters, digits, - and _, at most 128)'),
  /** The stage variable that holds the Lambda version number the integration calls. */
  variable: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, 'must be a stage variable name (letters, digits and _, at most 64)')
    .default('lambda_version'),
  functionName: lambdaFunctionName,
});

export type ApiGatewayStageTarget = z.infer<typeof apiGatewayStageTarget>;

export const APIGATEWAY_STAGE: TargetKindFacts<ApiGatewayStageTarget> = {
  kind: 'apigateway-stage',
  schema: apiGatewayStageTarget,
  // One lock per stage: its canary settings and variables are shared by every route.
  key: (t) => `apigateway-stage:${t.restApiId}:${t.stageName}`,
  keyPattern: /^apigateway-stage:[a-z0-9]{10}:[A-Za-z0-9_-]{1,128}$/,
  keyForm: 'apigateway-stage:RESTAPI:STAGE',
  side: 'version',
  needs: 'restApiId, stageName and functionName',
  label: (t) => `${t.restApiId}-${t.stageName}`,
};
