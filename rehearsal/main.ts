import '../sandbox/polyfills';
import { Command, Option } from 'commander';
import path from 'node:path';
import { table } from '../cli/format';
import { writeReport } from './report';
import { rehearse } from './run';
import { KIND_NAMES, SHORT_TARGET_NAMES } from './targets';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const program = new Command('npm start --')
  .description('Rehearse four real releases of the example AI service on the sandbox (AWS on localhost) and write an HTML report.')
  .option('--time-scale <n>', 'simulated seconds per wall second in the sandbox', '40')
  .option('--rate <n>', 'requests per second through the alias while releasing', '40')
  .option('--report <file>', 'where to write the HTML report', '.rehearsal/report.html')
  .addOption(new Option('--target <kind>', 'release through a Lambda alias, a SageMaker endpoint (its variants) or an API Gateway stage (its variable)').choices([...Object.keys(SHORT_TARGET_NAMES), ...KIND_NAMES]).default('lambda'))
  .parse();

async function main(): Promise<void> {
  const o = program.opts<{ timeScale: string; rate: string; report: string; target: string }>();
  const started = Date.now();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const { results, report, traffic } = await rehearse({ timeScale: Number(o.timeScale), ratePerSecond: Number(o.rate), log: out, target: SHORT_TARGET_NAMES[o.target] ?? (o.target as (typeof KIND_NAMES)[number]) });
  const file = await writeReport(report, path.resolve(o.report));
  out('');
  out(
    table(
      ['release', 'outcome', 'expected', 'failed requests during switch', 'alarm → 100 % on blue', 'manual rollback', 'took'],
      results.map((r) => [
        r.scenario.name,
        `${r.outcome}${r.error ? ` (${r.error})` : ''}`,
        r.scenario.expect,
        r.failedDuringSwitch,
        r.alarmToBlueSeconds === null ? null : `${r.alarmToBlueSeconds.toFixed(2)} s wall (${(r.alarmToBlueSeconds * Number(o.timeScale)).toFixed(0)} s simulated)`,
        r.manualRollbackSeconds === null ? null : `${r.manualRollbackSeconds.toFixed(2)} s`,
        `${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s`,
      ]),
    ),
  );
  out('');
  out(`traffic: ${traffic.sent} requests, ${traffic.failed} failed (all of them function errors of a bad green unless counted above)`);
  out(`execution history: ${results.map((r) => `${r.scenario.name} ${r.history.events} events / ${r.history.transitions} state transitions`).join('; ')}`);
  out(`report: ${file}`);
  out(`rehearsal took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const unexpected = results.filter((r) => r.outcome !== r.scenario.expect);
  if (unexpected.length) {
    out(`✘ ${unexpected.map((r) => `${r.scenario.name} ended ${r.outcome}, expected ${r.scenario.expect}`).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`rehearsal failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
