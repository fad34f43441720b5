import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Target } from '../core/release-input';
import { ApiGatewayStageRouter } from './api-gateway-stage';
import { LambdaAliasRouter } from './lambda-alias';
import { DEFAULT_SETTLE } from './lambda-versions';
import type { StageRef } from './managed-stages';
import { SageMakerEndpointRouter } from './sagemaker/router';
import type { TrafficRouter } from '../core/traffic-router';

/** Client factories, called only for the kind being released (a cold start pays for what it uses). */
export interface RouterClients {
  lambda: () => LambdaClient;
  apigateway: () => APIGatewayClient;
  sagemaker: () => SageMakerClient;
  sagemakerRuntime: () => SageMakerRuntimeClient;
}

/** What a router may need to know beyond its target: the other routes to the same versions. */
export interface RouterContext {
  /** Checked before a Lambda version is retired (every target of one function shares its versions). */
  managedStages?: readonly StageRef[];
}

/** The router for a target kind; the only place that switches on `kind`. */
export function routerFor(target: Target, clients: RouterClients, context: RouterContext = {}): TrafficRouter {
  const stages = context.managedStages?.length ? { stages: context.managedStages, apigateway: clients.apigateway } : undefined;
  switch (target.kind) {
    case 'lambda-alias':
      return new LambdaAliasRouter(target, clients.lambda(), DEFAULT_SETTLE, stages);
    case 'apigateway-stage':
      return new ApiGatewayStageRouter(target, clients.apigateway(), clients.lambda(), DEFAULT_SETTLE, stages);
    case 'sagemaker-endpoint':
      return new SageMakerEndpointRouter(target, clients.sagemaker(), clients.sagemakerRuntime());
  }
}

export { managedStagesFromEnv, type StageRef } from './managed-stages';
export type { TrafficRouter, Split, InvokeResult, DecommissionResult, GreenReadiness } from '../core/traffic-router';
