/**
 * `cutover sandbox`: run the sandbox in the foreground with the orchestrator
 * deployed, print the endpoint and the environment to export, and stop cleanly
 * on SIGINT/SIGTERM (or when `signal` aborts).
 */
import { deployOrchestrator, type DeployedOrchestrator, type DeployOrchestratorOptions } from './deploy-orchestrator';
import { startSandbox, type Sandbox } from './index';

export interface ForegroundOptions {
  /** @default 4566 */
  port?: number;
  /** @default 1 */
  timeScale?: number;
  repoRoot?: string;
  quiet?: boolean;
  /** Deploy the orchestrator (ledger table, task functions, state machine). @default true */
  deploy?: boolean;
  deployOptions?: DeployOrchestratorOptions;
  /** Where the banner goes. @default process.stdout */
  out?: (text: string) => void;
  /** Stops the sandbox when aborted (besides SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the sandbox is up (and deployed), e.g. by tests. */
  onReady?: (sandbox: Sandbox, deployed: DeployedOrchestrator | undefined) => void;
}

export const DEFAULT_SANDBOX_PORT = 4566;

/** Names the deployment like the Cutover stack's outputs, so GET /_sandbox/health tells the CLI where it is. */
export function recordOutputs(sandbox: Sandbox, deployed: DeployedOrchestrator): void {
  sandbox.outputs.StateMachineArn = deployed.stateMachineArn;
  sandbox.outputs.LedgerTableName = deployed.tableName;
}

/** The banner: endpoint and the shell lines that point the CLI and SDK at the sandbox. */
export function sandboxBanner(sandbox: Sandbox, deployed: DeployedOrchestrator | undefined): string {
  const lines = [
    `Cutover sandbox listening on ${sandbox.url} (region ${sandbox.region}, timeScale ${sandbox.clock.timeScale})`,
    '',
    'Point the CLI and SDK clients at it:',
    ...Object.entries(sandbox.env).map(([k, v]) => `export ${k}=${v}`),
  ];
  if (deployed) {
    lines.push(`export CUTOVER_STATE_MACHINE_ARN=${deployed.stateMachineArn}`, `export CUTOVER_LEDGER_TABLE=${deployed.tableName}`);
  }
  lines.push('', 'Health: GET /_sandbox/health   Faults: POST|DELETE /_sandbox/faults   Press Ctrl+C to stop.');
  return `${lines.join('\n')}\n`;
}

/** Resolves once the sandbox has stopped. */
export async function runSandboxForeground(options: ForegroundOptions = {}): Promise<void> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const sandbox = await startSandbox({
    port: options.port ?? DEFAULT_SANDBOX_PORT,
    timeScale: options.timeScale ?? 1,
    ...(options.repoRoot ? { repoRoot: options.repoRoot } : {}),
    ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
  });
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    options.signal?.removeEventListener('abort', stop);
    out('Stopping the sandbox…\n');
    void sandbox.stop().then(stopped, stopped);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  options.signal?.addEventListener('abort', stop, { once: true });

  let deployed: DeployedOrchestrator | undefined;
  if (options.deploy !== false) {
    try {
      deployed = await deployOrchestrator(sandbox, options.deployOptions);
      recordOutputs(sandbox, deployed);
    } catch (err) {
      // The sandbox stays useful without the orchestrator (e.g. while its files are being written).
      out(`Orchestrator not deployed: ${(err as Error).message}\n`);
    }
  }
  out(sandboxBanner(sandbox, deployed));
  options.onReady?.(sandbox, deployed);
  if (options.signal?.aborted) stop();
  await done;
}
