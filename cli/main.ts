import '../sandbox/polyfills';
import { Command, Option } from 'commander';
import path from 'node:path';
import { abortRelease, NothingToAbort } from '../core/abort-release';
import { manualRollback, NothingToRollBack } from '../core/manual-rollback';
import { managedStagesFromEnv, routerFor } from '../targets';
import { cliClients, loadConfig, type CliConfig, type GlobalOptions } from './config';
import { EXIT, exitCodeOf, UsageError } from './errors';
import type { ProgressEvent } from './follow';
import { clockDuration, clockNote, clockTime, outcomeText, splitText, suggestion, table, wantsColor } from './format';
import { readHistory } from './commands/history';
import { buildReleaseInput, type ReleaseFlags } from './commands/release-input';
import { runRelease } from './commands/release';
import { readStatus } from './commands/status';
import { sandboxNow } from './sandbox-endpoint';
import { parseTargetRef, resolveTarget, targetKey } from './target';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const out = (text: string) => process.stdout.write(`${text}\n`);
const time = (iso: string) => iso.slice(11, 19);

/** Now on the clock the ledger's times are on: the sandbox's virtual one, or the wall. */
const nowOn = (config: CliConfig) => (config.sandbox ? sandboxNow(config.sandbox) : Date.now());

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

function progressPrinter(json: boolean) {
  return (e: ProgressEvent): void => {
    if (json) out(JSON.stringify(e));
    else if (e.kind === 'state') out(`  ${time(e.at)}  ${(e.state ?? '').padEnd(15)} ${e.text}`);
    else if (e.kind === 'retry') out(`  ${time(e.at)}  ${''.padEnd(15)} ↻ ${e.text}`);
    else if (e.kind === 'failed') out(`  ${time(e.at)}  ${(e.state ?? '').padEnd(15)} ✘ ${e.text}`);
  };
}

const program = new Command('cutover')
  .description('Blue-green releases for AI services on AWS: start, follow, roll back and audit releases run by the Cutover state machine.')
  .option('--endpoint <url>', 'AWS endpoint, e.g. the sandbox http://127.0.0.1:4566 (default: AWS_ENDPOINT_URL, else AWS)')
  .option('--region <region>', 'AWS region (default: AWS_REGION)')
  .option('--state-machine-arn <arn>', 'the Cutover state machine (default: CUTOVER_STATE_MACHINE_ARN; the sandbox one with --endpoint)')
  .option('--table <name>', 'the ledger table (default: CUTOVER_LEDGER_TABLE; with --endpoint, the table of the ready stack in a sandbox)')
  .option('--json', 'machine-readable output (one JSON object per line)')
  .showHelpAfterError();

program
  .command('release')
  .description('start a release and follow it to its outcome')
  .argument('[target]', 'FUNCTION:ALIAS, e.g. ai-handler:production (or "target" in --input)')
  .option('-i, --input <file>', 'release input JSON (as pasted in the console); "-" reads stdin; flags override it')
  .option('-a, --artifact <uri>', 'model artifact URI set on $LATEST before publishing (s3://, file://, https://)')
  .option('--env-var <name>', 'environment variable that carries the artifact URI (default MODEL_URI)')
  .option('--canary <steps>', 'canary percentages before 100 %, e.g. 10,50 (default: all at once)')
  .option('--step-seconds <s>', 'bake per canary step (default 300)')
  .option('--bake <s>', 'bake at 100 % in seconds (default 600)')
  .option('--bake-poll <s>', 'alarm poll during the bake (default 30)')
  .option('--retention <s>', 'how long blue is kept as the rollback target (default 172800)')
  .option('--retention-poll <s>', 'alarm poll during retention (default 300)')
  .option('-g, --golden-set <uri>', 'golden set (JSON Lines in S3) scored on green against blue')
  .option('--alarm <name...>', 'your CloudWatch alarms to watch besides the release alarms')
  .option('--period <s>', 'window of the release alarms: a multiple of 60 (default 60); each canary step and the bake last at least this + 60')
  .option('-d, --description <text>', 'what this release changes, for the history')
  .option('--name <name>', 'execution name (default FUNCTION-ALIAS-<time>); the same name and input reattach to a running release')
  .option('--no-wait', 'start and return the execution ARN without following it')
  .addOption(new Option('--poll-ms <ms>', 'how often to read the execution history').default('1000'))
  .action(async (targetText: string | undefined, flags: ReleaseFlags & { name?: string; wait: boolean; pollMs: string }, cmd: Command) => {
    const config = await loadConfig(globals(cmd));
    const input = buildReleaseInput(targetText, flags);
    const clients = cliClients(config);
    try {
      const run = await runRelease(clients, config, input, {
        name: flags.name,
        wait: flags.wait,
        pollMs: Number(flags.pollMs),
        onEvent: progressPrinter(config.json),
        onStarted: (s) =>
          config.json
            ? out(JSON.stringify({ kind: 'started', executionArn: s.executionArn, name: s.name, reattached: !s.started }))
            : out(`▶ ${s.started ? 'started' : 'following'} ${s.name}\n  ${s.executionArn}${config.sandbox ? `\n  ${clockNote(config.sandbox)}` : ''}`),
      });
      if (config.json) out(JSON.stringify({ kind: 'result', executionArn: run.executionArn, outcome: run.outcome, error: run.end.error, cause: run.end.cause }));
      else if (run.outcome === 'Running') out(`Started; follow it with: ${suggestion(config.endpoint, 'status', targetKey(input.target as Parameters<typeof targetKey>[0]))}`);
      else out(`${outcomeText(run.outcome, wantsColor())}${run.end.error ? ` (${run.end.error})` : ''}${run.end.cause ? `: ${run.end.cause}` : ''}`);
      process.exitCode = run.outcome === 'InputRejected' ? EXIT.usage : exitCodeOf(run.outcome);
    } finally {
      clients.destroy();
    }
  });

/** A command on a target that a person asks for, with who and why kept in the history. */
const personCommand = (name: string, description: string, defaultReason: string) =>
  program
    .command(name)
    .description(description)
    .argument('<target>', 'FUNCTION:ALIAS, sagemaker-endpoint:ENDPOINT or apigateway-stage:RESTAPI:STAGE')
    .option('-r, --reason <text>', 'why (kept in the history)', defaultReason)
    .option('--by <who>', 'who asks (kept in the history)', process.env.USER ?? 'cli');

personCommand('rollback', 'put 100 % of traffic back on blue now, and end the running release as RolledBack', 'manual rollback')
  .action(async (targetText: string, flags: { reason: string; by: string }, cmd: Command) => {
    const config = await loadConfig(globals(cmd));
    const ref = parseTargetRef(targetText);
    const clients = cliClients(config);
    try {
      const target = await resolveTarget(ref, clients.ledger);
      // Retiring green after a target that needed a person checks the managed stages the operator names (the construct's managedStages).
      const r = await manualRollback(target, flags, { ledger: clients.ledger, router: (t) => routerFor(t, clients.routers, { managedStages: managedStagesFromEnv() }) });
      if (config.json) out(JSON.stringify({ releaseId: r.release.releaseId, split: r.split, elapsedMs: r.elapsedMs }));
      else {
        out(`✔ ${splitText(r.split, target.kind)} (in ${(r.elapsedMs / 1000).toFixed(2)} s)`);
        out(r.freed ? `  release ${r.release.releaseId} recorded as RolledBack; the target is free for the next release` : `  release ${r.release.releaseId} will end as RolledBack at its next alarm check`);
      }
    } finally {
      clients.destroy();
    }
  });

personCommand('abort', 'stop the running release: its execution is stopped and the reconciler puts 100 % of traffic on a known-good version', 'aborted by an operator')
  .option('--wait <seconds>', 'how long to wait for the reconciler to record the end', '600')
  .action(async (targetText: string, flags: { reason: string; by: string; wait: string }, cmd: Command) => {
    const config = await loadConfig(globals(cmd));
    const wait = Number(flags.wait);
    if (!Number.isInteger(wait) || wait < 0) throw new UsageError(`--wait ${flags.wait}: give whole seconds, e.g. --wait 600`);
    const clients = cliClients(config);
    try {
      const target = await resolveTarget(parseTargetRef(targetText), clients.ledger);
      if (!config.json) out(`stopping the release of ${targetKey(target)} and waiting for the reconciler…`);
      const r = await abortRelease(target, flags, { ledger: clients.ledger, sfn: clients.sfn, waitMs: wait * 1000 });
      const status = r.release.outcome?.status ?? r.release.status;
      if (config.json) out(JSON.stringify({ releaseId: r.release.releaseId, executionArn: r.executionArn, status, cause: r.release.outcome?.cause }));
      else out(`${outcomeText(status, wantsColor())} ${r.release.releaseId}${r.release.outcome?.cause ? ` — ${r.release.outcome.cause}` : ''}`);
      process.exitCode = exitCodeOf(status);
    } finally {
      clients.destroy();
    }
  });

program
  .command('status')
  .description('the live traffic split and the running release (phase, verdict, time left in retention)')
  .argument('<target>', 'FUNCTION:ALIAS, sagemaker-endpoint:ENDPOINT or apigateway-stage:RESTAPI:STAGE')
  .action(async (targetText: string, _flags: object, cmd: Command) => {
    const config = await loadConfig(globals(cmd));
    const clients = cliClients(config);
    try {
      const target = await resolveTarget(parseTargetRef(targetText), clients.ledger);
      const s = await readStatus(clients, target, nowOn(config));
      if (config.json) {
        out(JSON.stringify(config.sandbox ? { ...s, clock: { simulated: true, timeScale: config.sandbox.timeScale } } : s));
        return;
      }
      out(`${s.target}: ${splitText(s.split, target.kind)}`);
      if (s.running) {
        const r = s.running;
        out(`running: ${r.releaseId} (blue ${r.blueVersion ?? '?'}, green ${r.greenVersion ?? '?'}), ${r.phase ?? 'preparing'}, green at ${r.greenPercent ?? 0} %, last verdict ${r.lastVerdict ?? '—'}`);
        if (r.startedBy) out(`started by ${r.startedBy} at ${clockTime(r.startedAt, config.sandbox)}`);
        if (r.retentionLeftSeconds !== undefined) {
          out(`retention: ${clockDuration(r.retentionLeftSeconds * 1000, config.sandbox)} left (ends ${clockTime(r.retentionEndsAt, config.sandbox)})`);
          out(`go back to blue now: ${suggestion(config.endpoint, 'rollback', targetText)}`);
        }
      } else out('no release running');
      if (s.needsAttention) out(`needs a person since ${clockTime(s.needsAttention.since, config.sandbox)}: ${s.needsAttention.reason}; check the target, then ${suggestion(config.endpoint, 'rollback', targetText)}`);
      if (s.last) out(`last: ${s.last.releaseId} ${outcomeText(s.last.status, wantsColor())}${s.last.cause ? ` — ${s.last.cause}` : ''}`);
    } finally {
      clients.destroy();
    }
  });

program
  .command('history')
  .description('releases of a target, newest first: artifact, versions, who started it, outcome, duration')
  .argument('<target>', 'FUNCTION:ALIAS, sagemaker-endpoint:ENDPOINT or apigateway-stage:RESTAPI:STAGE')
  .option('-n, --limit <n>', 'how many', '20')
  .action(async (targetText: string, flags: { limit: string }, cmd: Command) => {
    const config = await loadConfig(globals(cmd));
    const clients = cliClients(config);
    try {
      const ref = parseTargetRef(targetText);
      const rows = await readHistory(clients, ref.key, Number(flags.limit), nowOn(config));
      if (config.json) {
        rows.forEach((r) => out(JSON.stringify(r)));
        return;
      }
      out(
        table(
          ['started', 'release', 'by', 'artifact', 'blue→green', 'outcome', 'took', 'switched after', 'cause'],
          rows.map((r) => [r.startedAt.slice(0, 19), r.releaseId, r.startedBy, r.artifact, `${r.blue ?? '?'}→${r.green ?? '?'}`, outcomeText(r.status), clockDuration(r.durationMs, config.sandbox), clockDuration(r.switchedAfterMs, config.sandbox), r.cause?.slice(0, 80)]),
        ),
      );
      const note = clockNote(config.sandbox);
      if (note) out(note);
    } finally {
      clients.destroy();
    }
  });

program
  .command('sandbox')
  .description('run the sandbox (AWS on localhost) in the foreground with the orchestrator deployed')
  .option('-p, --port <port>', 'port on 127.0.0.1', '4566')
  .option('--time-scale <n>', 'simulated seconds per wall second', '1')
  .option('--no-example', 'do not deploy the example AI service (ai-handler:production on model v1)')
  .action(async (flags: { port: string; timeScale: string; example: boolean }) => {
    // Loaded here only: the other commands should not pay for the sandbox's start-up.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { runSandboxForeground } = require('../sandbox/cli-entry') as typeof import('../sandbox/cli-entry');
    const { bundleForSandbox } = require('../sandbox/bundle') as typeof import('../sandbox/bundle');
    const { deployExampleService, modelUri, GOLDEN_SET_URI, GOLDEN_SET_LOCATION, FUNCTION } = require('../examples/ai-service/sandbox-service') as typeof import('../examples/ai-service/sandbox-service');
    const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
    const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const repoRoot = path.join(__dirname, '..');
    const bundled = await bundleForSandbox(repoRoot);
    await runSandboxForeground({
      port: Number(flags.port),
      timeScale: Number(flags.timeScale),
      quiet: true,
      repoRoot,
      // With the example, the orchestrator is synthesized to manage it and read its golden set (IAM is enforced).
      deployOptions: { functionsDir: bundled.functionsDir, triggersDir: bundled.triggersDir, ...(flags.example ? { source: { context: { managedFunctions: FUNCTION, goldenSetBuckets: GOLDEN_SET_LOCATION } } } : {}) },
      onReady: (sandbox) => {
        if (!flags.example) return;
        const aws = { lambda: new LambdaClient(sandbox.clientConfig), s3: new S3Client(sandbox.clientConfig) };
        void deployExampleService({ ...aws, iam: sandbox.iam }, bundled.exampleHandler).then(
          ({ blue }) =>
            out(
              `Example service: ai-handler:production on version ${blue} (model v1). Try, in another terminal:\n` +
                `  ${suggestion(sandbox.url, 'release', 'ai-handler:production', '--artifact', modelUri('v2'), '--golden-set', GOLDEN_SET_URI, '--bake', '120', '--bake-poll', '10', '--retention', '60', '--retention-poll', '20', '--period', '60')}\n` +
                `  ${suggestion(sandbox.url, 'history', 'ai-handler:production')}\n`,
            ),
          (err: Error) => out(`Example service not deployed: ${err.message}`),
        );
      },
    });
  });

export async function main(argv = process.argv): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as Error;
    process.stderr.write(`cutover: ${e.message}\n`);
    process.exitCode = e instanceof UsageError || e instanceof NothingToRollBack || e instanceof NothingToAbort ? EXIT.usage : EXIT.error;
  }
}

if (require.main === module) void main();
