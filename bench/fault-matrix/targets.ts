import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateEndpointConfigCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  UpdateEndpointCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { SAGEMAKER_NAME_PREFIX, targetKey, type ReleaseInput, type Target } from '../../core/release-input';
import type { ReleaseContext } from '../../core/release-state';
import { routerFor, type RouterClients, type Split } from '../../targets';
import { errorName, LambdaVersions } from '../../targets/lambda-versions';
import { sagemakerNamesOf } from '../../targets/sagemaker/endpoint';
import type { Scenario as RehearsalScenario } from '../../rehearsal/scenarios';
import { FUNCTION } from '../../examples/ai-service/sandbox-service';
import type { RehearsalStack } from '../../rehearsal/stack';

/**
 * What the fault matrix needs to know about a target kind beyond the release
 * itself: how to read what is live, what a release left behind, and how to leave
 * one version on the route between cases. The targets are the rehearsal's
 * (rehearsal/targets.ts deploys them, its `scenarios` writes their release
 * input) and everything is read through the product's own router, so the
 * matrix judges the target the way Cutover sees it.
 */


export interface Leftovers {
  /** What this release created that still exists, by name; green's own name (version or variant) when it is green itself. */
  created: string[];
  blueExists: boolean;
}

export interface FaultTarget {
  kind: Target['kind'];
  /** The release input's target (the rehearsal's mapping of a Lambda-alias input whose artifact is `models/<artifact>.json`). */
  target: Target;
  /** The lock and history key. */
  key: string;
  /** The Lambda function an Invoke scoped to 'target' hits (the smoke test's calls of green and blue); none for SageMaker (InvokeEndpoint). */
  invokedFunction?: string;
  /** 100 % on what, as the router reports it (steady: a SageMaker endpoint is waited for while Updating). */
  split(): Promise<Split>;
  leftovers(caseName: string, blue: string): Promise<Leftovers>;
  /** Whether `decommission.deleteBlueVersion` may delete this blue at all (SageMaker: only models Cutover created). */
  blueDeletable(blue: string): boolean;
  /**
   * For the next case: what is live alone on the route (green stays after a release that completed, as on
   * AWS: it is the next release's blue), or back to `blue` when the release left traffic split.
   */
  restore(blue: string, split: Split): Promise<void>;
}

/**
 * A Lambda-alias release input of artifact `models/<artifact>.json`, released through the rehearsal's
 * target instead (its own mapping of a scenario: a SageMaker model takes the artifact as its model data).
 */
export function rigInput(stack: RehearsalStack, input: ReleaseInput, artifact: string): ReleaseInput {
  const scenario: RehearsalScenario = { name: 'fault-matrix', artifact, expect: 'Succeeded', story: '', input };
  return stack.rig.scenarios([scenario])[0]!.input;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The router's Green for reading or restoring a split: only `blue` and `green` are looked at there. */
const greenOf = (blue: string, green = blue) => ({ blue, green, createdGreen: false });
/** The one version (or variant) with all of the traffic, if there is one. */
const liveAlone = (split: Split) => Object.entries(split).find(([, pct]) => pct === 100)?.[0];

/** The matrix's view of `target`, through the router clients the CLI uses. */
export function faultTarget(target: Target, routers: RouterClients): FaultTarget {
  const router = () => routerFor(target, routers);
  const base = { kind: target.kind, target, key: targetKey(target) };
  if (target.kind === 'sagemaker-endpoint') return sagemakerTarget(base, target.endpointName, router, routers.sagemaker());
  const lambda = routers.lambda();
  return {
    ...base,
    invokedFunction: FUNCTION,
    split: () => router().currentSplit(greenOf('')),
    leftovers: (caseName, blue) => lambdaLeftovers(lambda, caseName, blue),
    blueDeletable: () => true,
    restore: async (blue, split) => {
      if (liveAlone(split)) return;
      await router().rollback(greenOf(blue, Object.keys(split).find((v) => v !== blue)));
    },
  };
}

/** Versions of the example function this release published (by description), and whether blue's version is still there. */
async function lambdaLeftovers(lambda: LambdaClient, caseName: string, blue: string): Promise<Leftovers> {
  const created = await new LambdaVersions(FUNCTION, lambda).publishedBy({ id: caseName } as ReleaseContext);
  let blueExists = true;
  try {
    await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION, Qualifier: blue }));
  } catch (err) {
    if (errorName(err) !== 'ResourceNotFoundException') throw err;
    blueExists = false;
  }
  return { created, blueExists };
}

function sagemakerTarget(
  base: Pick<FaultTarget, 'kind' | 'target' | 'key'>,
  endpointName: string,
  router: () => ReturnType<typeof routerFor>,
  sm: SageMakerClient,
): FaultTarget {
  const exists = async (send: () => Promise<unknown>) => {
    try {
      await send();
      return true;
    } catch (err) {
      if (errorName(err) !== 'ValidationException') throw err;
      return false;
    }
  };
  /** The endpoint once no update is in flight (the sandbox's updates take tens of milliseconds at the matrix's time scale). */
  const steady = async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      if (endpoint.EndpointStatus !== 'Updating' || Date.now() > deadline) return endpoint;
      await sleep(20);
    }
  };
  return {
    ...base,
    split: async () => {
      await steady();
      return router().currentSplit(greenOf(''));
    },
    /**
     * Green (its model, or its variant still on the endpoint) and the endpoint configs named after this
     * release (sagemakerNamesOf). Green is reported by its name, the model's and the variant's: the judge
     * keeps it when green is live. A config the endpoint runs on is what serves, not a leftover.
     */
    leftovers: async (caseName, blue) => {
      const names = sagemakerNamesOf({ id: caseName } as ReleaseContext);
      const endpoint = await steady();
      const created: string[] = [];
      const onEndpoint = (endpoint.ProductionVariants ?? []).some((v) => v.VariantName === names.model);
      if (onEndpoint || (await exists(() => sm.send(new DescribeModelCommand({ ModelName: names.model }))))) created.push(names.model);
      for (const config of [names.config, names.finalConfig]) {
        if (config === endpoint.EndpointConfigName) continue;
        if (await exists(() => sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: config })))) created.push(`endpoint config ${config}`);
      }
      return { created, blueExists: await exists(() => sm.send(new DescribeModelCommand({ ModelName: blue }))) };
    },
    blueDeletable: (blue) => blue.startsWith(SAGEMAKER_NAME_PREFIX),
    /** One variant on the endpoint: a config with the live variant only (as the endpoint's config defines it), then wait for InService. */
    restore: async (blue, split) => {
      const keep = liveAlone(split) ?? blue;
      const endpoint = await steady();
      const variants = endpoint.ProductionVariants ?? [];
      if (variants.length === 1 && variants[0]!.VariantName === keep && endpoint.EndpointStatus === 'InService') return;
      const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName! }));
      const blueDef = (config.ProductionVariants ?? []).find((v) => v.VariantName === keep);
      if (!blueDef) throw new Error(`cannot restore ${endpointName}: its config ${endpoint.EndpointConfigName} has no variant ${keep}`);
      const name = `fault-matrix-restore-${Date.now().toString(36)}`;
      await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [{ ...blueDef, InitialVariantWeight: 1 }] }));
      await sm.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: name }));
      const after = await steady();
      if (after.EndpointStatus !== 'InService' || after.EndpointConfigName !== name) throw new Error(`cannot restore ${endpointName}: ${after.EndpointStatus} on ${after.EndpointConfigName}`);
    },
  };
}
