import '../sandbox/polyfills';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { CliConfig } from '../cli/config';
import { deployOrchestrator, type DeployedOrchestrator } from '../sandbox/deploy-orchestrator';
import { startSandbox, type Sandbox } from '../sandbox';
import { bundleForSandbox } from '../sandbox/bundle';
import { recordOutputs } from '../sandbox/cli-entry';
import { deployExampleService, FUNCTION, GOLDEN_SET_LOCATION } from '../examples/ai-service/sandbox-service';
import { deployTarget, type TargetKind, type TargetRig } from './targets';

export interface RehearsalStack {
  sandbox: Sandbox;
  deployed: DeployedOrchestrator;
  /** What served at the start (model v1): the alias's version, or the endpoint's variant. */
  blue: string;
  /** The target the rehearsal releases through (the Lambda alias unless told). */
  rig: TargetRig;
  /** The routes asked for in `extraTargets`. */
  extraRigs: Partial<Record<TargetKind, TargetRig>>;
  config: CliConfig;
  aws: { lambda: LambdaClient; s3: S3Client; cloudwatch: CloudWatchClient };
  stop(): Promise<void>;
}

/**
 * The sandbox with the orchestrator deployed (handlers bundled, as NodejsFunction
 * does) and the example service live on v1 behind `production`. Points this
 * process's SDK clients at the sandbox (AWS_ENDPOINT_URL and dummy credentials).
 */
export async function startRehearsalStack(options: {
  timeScale: number;
  /** Extra environment for the orchestrator's functions (the fault matrix sets a short request timeout). */
  environment?: Record<string, string>;
  /** Functions the orchestrator manages besides the example service (synthesized as `-c managedFunctions`). */
  managedFunctions?: string[];
  /** The kind of target the example service is released through. @default 'lambda' */
  target?: TargetKind;
  /** More routes to the example service, deployed (and managed by the orchestrator) as well: `stack.extraRigs`. */
  extraTargets?: TargetKind[];
}): Promise<RehearsalStack> {
  const sandbox = await startSandbox({ timeScale: options.timeScale, quiet: true });
  try {
    Object.assign(process.env, sandbox.env);
    const aws = {
      lambda: new LambdaClient({ ...sandbox.clientConfig, maxAttempts: 1 }),
      s3: new S3Client(sandbox.clientConfig),
      cloudwatch: new CloudWatchClient(sandbox.clientConfig),
    };
    const bundled = await bundleForSandbox(sandbox.repoRoot);
    // The service and its route first: the orchestrator is synthesized to manage exactly them.
    const { blue: lambdaBlue } = await deployExampleService({ ...aws, iam: sandbox.iam }, bundled.exampleHandler);
    const rigContext = { sandbox, lambda: aws.lambda, lambdaBlue, exampleHandler: bundled.exampleHandler };
    const rig = await deployTarget(options.target ?? 'lambda-alias', rigContext);
    const extraRigs: Partial<Record<TargetKind, TargetRig>> = {};
    for (const kind of options.extraTargets ?? []) extraRigs[kind] = await deployTarget(kind, rigContext);
    const deployed = await deployOrchestrator(sandbox, {
      functionsDir: bundled.functionsDir,
      triggersDir: bundled.triggersDir,
      source: {
        context: {
          managedFunctions: [FUNCTION, ...(options.managedFunctions ?? [])].join(','),
          goldenSetBuckets: GOLDEN_SET_LOCATION,
          ...rig.orchestratorContext,
          ...Object.assign({}, ...Object.values(extraRigs).map((r) => r.orchestratorContext)),
        },
      },
      environment: {
        // Wall-clock polls of an Updating SageMaker endpoint, about one simulated second apart.
        CUTOVER_SAGEMAKER_BUSY_POLL_MS: String(Math.max(20, Math.round(1000 / options.timeScale))),
        ...options.environment,
      },
    });
    recordOutputs(sandbox, deployed);
    const blue = rig.blue;
    const config: CliConfig = { region: sandbox.region, endpoint: sandbox.url, stateMachineArn: deployed.stateMachineArn, tableName: deployed.tableName, json: false };
    return {
      sandbox,
      deployed,
      blue,
      rig,
      extraRigs,
      config,
      aws,
      async stop() {
        rig.destroy();
        for (const r of Object.values(extraRigs)) r.destroy();
        for (const c of Object.values(aws)) c.destroy();
        await sandbox.stop();
      },
    };
  } catch (err) {
    await sandbox.stop();
    throw err;
  }
}
