import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Target } from '../release-input';
import { LambdaAliasRouter } from './lambda-alias';
import type { TrafficRouter } from './types';

export interface RouterClients {
  lambda: () => LambdaClient;
}

/** The router for a target kind; the only place that switches on `kind`. */
export function routerFor(target: Target, clients: RouterClients): TrafficRouter {
  switch (target.kind) {
    case 'lambda-alias':
      return new LambdaAliasRouter(target, clients.lambda());
  }
}

export type { TrafficRouter, Split, InvokeResult, DecommissionResult } from './types';
