import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Target } from '../core/release-input';
import { ApiGatewayStageRouter } from './api-gateway-stage';
import { LambdaAliasRouter } from './lambda-alias';
import { SageMakerEndpointRouter } from './sagemaker-endpoint';
import type { TrafficRouter } from '../core/traffic-router';

/** Client factories, called only for the kind being released (a cold start pays for what it uses). */
export interface RouterClients {
  lambda: () => LambdaClient;
  apigateway: () => APIGatewayClient;
  sagemaker: () => SageMakerClient;
  sagemakerRuntime: () => SageMakerRuntimeClient;
}

/** The router for a target kind; the only place that switches on `kind`. */
export function routerFor(target: Target, clients: RouterClients): TrafficRouter {
  switch (target.kind) {
    case 'lambda-alias':
      return new LambdaAliasRouter(target, clients.lambda());
    case 'apigateway-stage':
      return new ApiGatewayStageRouter(target, clients.apigateway(), clients.lambda());
    case 'sagemaker-endpoint':
      return new SageMakerEndpointRouter(target, clients.sagemaker(), clients.sagemakerRuntime());
  }
}

export type { TrafficRouter, Split, InvokeResult, DecommissionResult, GreenReadiness } from '../core/traffic-router';
