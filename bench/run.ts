import '../sandbox/polyfills';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliClients } from '../cli/config';
import { runRelease } from '../cli/commands/release';
import { releaseInputSchema, type ReleaseInput } from '../core/release-input';
import { countHistory, type HistoryCount } from '../rehearsal/history';
import { ALIAS, BUCKET, FUNCTION, modelUri } from '../examples/ai-service/sandbox-service';
import { startRehearsalStack } from '../rehearsal/stack';
import { historyBudget, HARD_LIMIT, BUDGET } from '../statemachine/history-budget';
import { FAST_CASE_IDS } from './fault-matrix/matrix';
import { HANDLER_PROPERTY_RUNS, hostileEvents } from './hostile/hostile-events';
import { HOSTILE_RELEASE_INPUTS, PROPERTY_RUNS } from './hostile/hostile-inputs';
import { taskHandlers } from './hostile/support';
import type { ConcurrencyMeasure } from './concurrency';
import { trafficBench, type TrafficMeasure } from './traffic';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

/**
 * `npm run bench`: a benchmark, not a test. Runs, one after the other:
 *  1. releases under traffic at ≥ 200 requests/s through the alias (switch,
 *     canary, alarm rollback, manual rollback): failed requests, alarm → blue;
 *  2. a release with every default (48 h retention) at time scale 10,000:
 *     its execution history, against statemachine/history-budget.ts;
 *  3. 25 releases of 25 targets at once (a child process): peak RSS, no cross-talk;
 *  4. the demo (`npm start`) and the test suite (`npm test`) as child processes: wall time;
 * then writes bench/RESULTS.md.
 *   --rate <n>       requests per second (default 200)
 *   --skip-suite     do not run npm test (its line in RESULTS.md says so)
 *   --skip-demo      do not run npm start
 *   --out <file>     default bench/RESULTS.md
 */
const ROOT = path.join(__dirname, '..');
const BASE_ENV = { ...process.env };
const log = (line: string) => process.stdout.write(`${line}\n`);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(name);

/** Runs a command with the environment this process started with (no sandbox endpoint), capturing stdout. */
function child(command: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string; wallMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(command, args, { cwd: ROOT, env: { ...BASE_ENV, FORCE_COLOR: '0', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGTERM'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, wallMs: Date.now() - t0 });
    });
  });
}

interface DefaultRelease {
  measured: HistoryCount;
  outcome: string;
  formula: ReturnType<typeof historyBudget>;
  wallMs: number;
}

/** A release with every default (10 min bake polled every 30 s, 48 h retention polled every 300 s), counted from GetExecutionHistory. */
async function defaultRelease(): Promise<DefaultRelease> {
  const stack = await startRehearsalStack({ timeScale: 10_000 });
  const cli = cliClients(stack.config);
  try {
    await stack.aws.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'ai-handler/models/default.json', CopySource: `${BUCKET}/ai-handler/models/v2.json` }));
    const input: ReleaseInput = { target: { kind: 'lambda-alias', functionName: FUNCTION, alias: ALIAS }, artifact: { uri: modelUri('default') } };
    const t0 = Date.now();
    const run = await runRelease(cli, stack.config, input, { name: `bench-default-${t0}`, pollMs: 500 });
    return { measured: await countHistory(cli.sfn, run.executionArn), outcome: run.outcome, formula: historyBudget(releaseInputSchema.parse(input)), wallMs: Date.now() - t0 };
  } finally {
    cli.destroy();
    await stack.stop();
  }
}

const usd = (transitions: number) => (transitions / 1000) * 0.025;
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(3)} %` : 'n/a');
const fmt = (n: number) => n.toLocaleString('en-US');

function faultsSummary(): string {
  const file = path.join(__dirname, 'FAULTS.md');
  if (!existsSync(file)) return 'not run yet (`npm run faults` writes bench/FAULTS.md)';
  const m = /\*\*(\d+) cases tried, (\d+) violations\*\*, (\d+) accepted(?: \([^)]*\))?, (\d+) unexpected outcomes/.exec(readFileSync(file, 'utf8'));
  return m ? `${m[1]} cases tried, **${m[2]} violations**, ${m[3]} accepted (a permanent AccessDenied on the operation an invariant needs, reported), ${m[4]} unexpected outcomes` : 'see bench/FAULTS.md';
}

function hostileCounts() {
  const handlers = taskHandlers();
  const handlerFixed = handlers.reduce((n, h) => n + hostileEvents(h).length, 0);
  const fixed = HOSTILE_RELEASE_INPUTS.length;
  const properties = PROPERTY_RUNS.anything + PROPERTY_RUNS.mutation + handlers.length * HANDLER_PROPERTY_RUNS;
  return { fixed, handlerFixed, handlers: handlers.length, properties, total: fixed + handlerFixed + properties };
}

function markdown(r: {
  date: string;
  traffic?: TrafficMeasure;
  defaults?: DefaultRelease;
  concurrency?: ConcurrencyMeasure;
  demo?: { wallMs: number; code: number; history: { name: string; events: number; transitions: number }[] };
  suite?: { wallMs: number; code: number; summary: string };
  skipped: string[];
}): string {
  const L: string[] = [];
  const cpus = os.cpus();
  L.push('# Benchmark results', '');
  L.push(`Written by \`npm run bench\` (bench/run.ts) on ${r.date}. Machine: ${cpus.length} cores (${cpus[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}, Node.js ${process.version}; load average at the start ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (the machine is shared: wall times are indicative, counts and ratios are what to compare).`, '');
  if (r.skipped.length) L.push(`Skipped in this run: ${r.skipped.join(', ')}.`, '');

  const t = r.traffic;
  if (t) {
    L.push('## Failed requests during switches and rollbacks', '');
    L.push(
      `${t.rate} requests/s through \`${FUNCTION}:${ALIAS}\` (open loop, SDK retries off) on the sandbox at time scale ${t.timeScale}, while ${t.releases.length} releases switch it: a canary 25 % → 50 % → 100 %, two automatic rollbacks by the error-rate alarm of a bad green (model v4, which fails on live non-ASCII tickets), and a manual rollback (\`cutover rollback\`) during a bake. A request counts "during" a switch when sent within ${t.windowMs / 1000} s of an UpdateAlias.`,
      '',
      '| measure | value |',
      '|---|---|',
      `| alias updates (switches and rollbacks) | ${t.inWindows.switches} |`,
      `| requests sent within ±${t.windowMs / 1000} s of an update | ${fmt(t.inWindows.sent)} |`,
      `| of which failed (not a bad green answering) | **${t.inWindows.failed}** (${pct(t.inWindows.failed, t.inWindows.sent)}) |`,
      `| requests in the whole run / failed other than the bad greens' own errors | ${fmt(t.sent)} / **${t.failedNotBadGreen}** (${pct(t.failedNotBadGreen, t.sent)}) |`,
      `| function errors of the bad greens before their rollback (the alarm's signal) | ${fmt(t.badGreenErrors)} |`,
      `| rate achieved (whole run) / lowest 1 s bucket during the releases | ${t.achievedRate.toFixed(0)} / ${t.minRatePerSecond} requests/s |`,
      `| slots skipped (more than 256 requests in flight) | ${t.skipped} |`,
      '',
    );
    L.push('| release | what | outcome | alias updates | alarm → 100 % on blue | manual rollback | history events / transitions |', '|---|---|---|---|---|---|---|');
    for (const x of t.releases) {
      L.push(
        `| ${x.name} | ${x.kind} | ${x.outcome}${x.error ? ` (${x.error})` : ''} | ${x.switches} | ${x.alarmToBlueVirtualSeconds !== undefined ? `${x.alarmToBlueVirtualSeconds.toFixed(1)} s simulated (${x.alarmToBlueWallSeconds!.toFixed(2)} s wall)${x.waitForPollSeconds !== undefined ? `: ${x.waitForPollSeconds.toFixed(1)} s waiting for the next poll, then ${x.checkAndRollbackWallMs!.toFixed(0)} ms wall of CheckAlarms + RollBackToBlue` : ''}` : ''} | ${x.manualRollbackSeconds !== undefined ? `${x.manualRollbackSeconds.toFixed(2)} s wall` : ''} | ${x.history.events} / ${x.history.transitions} |`,
      );
    }
    L.push('');
    const samples = t.releases.filter((x) => x.alarmToBlueVirtualSeconds !== undefined).map((x) => x.alarmToBlueVirtualSeconds!);
    L.push('## From an alarm in ALARM to 100 % on blue', '');
    L.push(
      `Measured in the sandbox (bake polled every 10 s simulated): ${samples.map((s) => `${s.toFixed(1)} s`).join(', ') || 'no sample'} simulated, from the release alarm's StateUpdatedTimestamp to the UpdateAlias that put blue back. It is the wait until the next CheckAlarms (uniform between 0 and the poll interval), then CheckAlarms, the Choice, and RollBackToBlue; in the sandbox the Tasks' wall time is multiplied by the time scale (${t.timeScale}), which inflates the simulated figure.`,
      '',
      'On AWS: **T = W + t(CheckAlarms) + t(RollBackToBlue)**, where W, the wait for the next poll, is uniform on [0, poll interval]; t(CheckAlarms) is a warm Lambda Task (DescribeAlarms, a ledger GetItem and UpdateItem) and t(RollBackToBlue) another (GetAlias, UpdateAlias, GetAlias, a ledger UpdateItem), plus the Step Functions transitions between them (Choice, Task scheduling).',
      '',
      '| poll interval | expected T | worst T |',
      '|---|---|---|',
      '| 30 s (default bake) | 15 s + t(CheckAlarms) + t(RollBackToBlue) ≈ 16 s | 30 s + t(CheckAlarms) + t(RollBackToBlue) ≈ 31–33 s |',
      '| 300 s (default retention) | 150 s + … ≈ 151 s | 300 s + … ≈ 301–303 s |',
      '',
      'The "≈" takes each warm Task with its AWS calls as well under a second (an assumption from typical control-plane latencies, not measured here); a cold start adds about a second per Task, a throttled call the SDK\'s back-off. CloudWatch\'s own delay (the alarm\'s period and evaluation) comes before the alarm enters ALARM and is not in T. A manual rollback does not wait for a poll: it is one UpdateAlias (measured above, wall time on loopback).',
      '',
    );
  }

  if (r.defaults || r.demo) {
    L.push('## Execution history and price', '', 'Step Functions Standard bills $0.025 per 1,000 state transitions; an execution may write at most 25,000 history events.', '');
    L.push('| execution | history events | state transitions | price |', '|---|---|---|---|');
    if (r.defaults) {
      const f = r.defaults.formula;
      L.push(`| default release, formula (statemachine/history-budget.ts) | ${fmt(f.events)} | ${fmt(f.stateTransitions)} | $${f.priceUsd.toFixed(3)} |`);
      L.push(`| default release, run in the sandbox (${r.defaults.outcome}, counted from GetExecutionHistory) | ${fmt(r.defaults.measured.events)} | ${fmt(r.defaults.measured.transitions)} | $${usd(r.defaults.measured.transitions).toFixed(3)} |`);
    }
    for (const h of r.demo?.history ?? []) L.push(`| demo (\`npm start\`): ${h.name} | ${fmt(h.events)} | ${fmt(h.transitions)} | $${usd(h.transitions).toFixed(5)} |`);
    if (r.demo?.history.length) {
      const ev = r.demo.history.reduce((n, h) => n + h.events, 0);
      const tr = r.demo.history.reduce((n, h) => n + h.transitions, 0);
      L.push(`| demo, all ${r.demo.history.length} releases | ${fmt(ev)} | ${fmt(tr)} | $${usd(tr).toFixed(4)} |`);
    }
    L.push('', `A default release uses ${r.defaults ? pct(r.defaults.formula.events, HARD_LIMIT) : 'about 22 %'} of the hard limit (${fmt(HARD_LIMIT)}) and stays under Cutover's budget (${fmt(BUDGET)}), which ValidateInput enforces.`, '');
  }

  const c = r.concurrency;
  if (c) {
    L.push('## Concurrency and memory', '');
    L.push(
      '| measure | value |',
      '|---|---|',
      `| ${c.targets} releases of ${c.targets} targets started together | ${c.manySucceeded} / ${c.targets} succeeded, ${c.manyProblems.length} cross-talk problems (each alias on its own green, running its own artifact; one ledger item per target; no lock or alarm left) |`,
      `| peak RSS of the sandbox process during them | ${c.rssPeakMb.toFixed(0)} MB (${c.rssBaselineMb.toFixed(0)} MB before: ${(c.rssPeakMb - c.rssBaselineMb).toFixed(0)} MB for ${c.targets} releases, i.e. ${((c.rssPeakMb - c.rssBaselineMb) / c.targets).toFixed(1)} MB each) |`,
      `| ${c.racers} releases of one target started together | 1 ran (${c.race.winner ?? 'none'}), ${c.race.losers} rejected with ${c.race.loserErrors.join(', ')}; all rejected ${c.race.losersEndedBeforeWinner ? 'before' : 'NOT before'} the winner ended (slowest rejection ${((100 * c.race.slowestLoserMs) / Math.max(1, c.race.winnerMs)).toFixed(0)} % of the winner's time); their Tasks overlapped: up to ${c.race.peakOverlap} invocations of one orchestrator function at once, ${c.race.environmentsStarted} new execution environment${c.race.environmentsStarted === 1 ? '' : 's'} started for it (the others warm from the run above) |`,
      '',
      'Each target is a fixture function (bench/scenarios/fixtures/echo.js), time scale 1,000; the RSS includes every Lambda worker thread the sandbox runs (one per execution environment, up to four per function version in use, the orchestrator\'s included). Each function version runs as many execution environments as are busy (at most four in the sandbox, where AWS would start more), so the racing releases\' ValidateInput and AcquireLock run side by side; the winner bakes 10 wall seconds so that all of them arrive while it holds the lock.',
      '',
    );
    if (c.manyProblems.length || c.race.problems.length) L.push(`Problems: ${[...c.manyProblems, ...c.race.problems].join('; ')}`, '');
  }

  L.push('## Wall time', '', '| what | wall time |', '|---|---|');
  if (r.demo) L.push(`| the demo, \`npm start\` (4 releases under 40 requests/s, time scale 40) | ${(r.demo.wallMs / 1000).toFixed(0)} s${r.demo.code ? ` (exit code ${r.demo.code})` : ''} |`);
  if (r.suite) L.push(`| the test suite, \`npm test\` | ${(r.suite.wallMs / 1000).toFixed(0)} s${r.suite.code ? ` (exit code ${r.suite.code})` : ''}: ${r.suite.summary} |`);
  if (r.defaults) L.push(`| a default release (48 h retention) in the sandbox at time scale 10,000 | ${(r.defaults.wallMs / 1000).toFixed(0)} s |`);
  L.push('');

  const h = hostileCounts();
  L.push('## Evidence in `npm test`', '');
  L.push(
    `- Fault matrix (FAST subset, test/faults/fault-matrix.test.ts): ${FAST_CASE_IDS.length} cases covering every fault kind and lifecycle point, plus a check that the table lists every AWS call each Task makes. Full matrix (\`npm run faults\`, bench/FAULTS.md): ${faultsSummary()}. The matrix is data (bench/fault-matrix/matrix.ts: target kind × Task → the AWS operations it calls, by lifecycle point), with rows for the three target kinds (Lambda alias, SageMaker endpoint, API Gateway stage).`,
    `- Hostile inputs (test/hostile/): ${fmt(h.total)} inputs per run: ${h.fixed} fixed hostile release inputs, ${h.handlerFixed} fixed hostile events over ${h.handlers} Task handlers, and ${fmt(h.properties)} fast-check runs (${PROPERTY_RUNS.anything} arbitrary JSON values, ${PROPERTY_RUNS.mutation} one-field mutations of a valid input, ${HANDLER_PROPERTY_RUNS} per handler schema). Each is rejected as InvalidReleaseInput naming the field, with no AWS call that changes anything.`,
    '- Idempotency (test/unit/idempotency*.test.ts, one per target kind): every Task run twice with the same input leaves one end state (no second version, endpoint config, model, permission, stage update, alarm, ledger item or change) and gives the same answer.',
    '- Concurrency (test/concurrency/): 10 releases of one target (one runs, nine ReleaseInProgress) and 8 releases of 8 targets; the 25-target run is above.',
    '',
  );
  return `${L.join('\n')}\n`;
}

async function main(): Promise<void> {
  const rate = Number(arg('--rate') ?? 200);
  const out = arg('--out') ?? path.join(__dirname, 'RESULTS.md');
  const date = new Date().toISOString().slice(0, 10);
  const skipped: string[] = [];
  const t0 = Date.now();

  log(`1/5 traffic: ${rate} requests/s through the alias during switches and rollbacks`);
  const traffic = await trafficBench({ rate, timeScale: 20, log });
  log(`    ${traffic.inWindows.failed} failed of ${traffic.inWindows.sent} near ${traffic.inWindows.switches} alias updates; ${traffic.failedNotBadGreen} failed overall (not bad green) of ${traffic.sent}`);

  log('2/5 a release with every default (48 h retention) at time scale 10,000');
  const defaults = await defaultRelease();
  log(`    ${defaults.outcome}: ${defaults.measured.events} events (formula ${defaults.formula.events}), ${defaults.measured.transitions} transitions (formula ${defaults.formula.stateTransitions})`);

  log('3/5 25 releases of 25 targets at once (child process)');
  const conc = await child(process.execPath, [require.resolve('tsx/cli'), 'bench/concurrency.ts', '25', '10'], 600_000);
  const line = conc.stdout.split('\n').find((l) => l.startsWith('CONCURRENCY '));
  const concurrency = line ? (JSON.parse(line.slice('CONCURRENCY '.length)) as ConcurrencyMeasure) : undefined;
  log(concurrency ? `    peak RSS ${concurrency.rssPeakMb.toFixed(0)} MB; ${concurrency.manySucceeded}/25 succeeded; ${concurrency.manyProblems.length + concurrency.race.problems.length} problems` : `    failed: ${conc.stderr.slice(-500)}`);

  let demo: { wallMs: number; code: number; history: { name: string; events: number; transitions: number }[] } | undefined;
  if (flag('--skip-demo')) skipped.push('the demo');
  else {
    log('4/5 the demo: npm start (child process)');
    const report = path.join(mkdtempSync(path.join(os.tmpdir(), 'cutover-bench-')), 'report.html');
    const d = await child('npm', ['start', '--', '--report', report], 900_000);
    const h = /^execution history: (.*)$/m.exec(d.stdout)?.[1] ?? '';
    const history = [...h.matchAll(/(\S+) (\d+) events \/ (\d+) state transitions/g)].map((m) => ({ name: m[1]!, events: Number(m[2]), transitions: Number(m[3]) }));
    demo = { wallMs: d.wallMs, code: d.code, history };
    log(`    ${(d.wallMs / 1000).toFixed(0)} s, exit code ${d.code}`);
  }

  let suite: { wallMs: number; code: number; summary: string } | undefined;
  if (flag('--skip-suite')) skipped.push('the test suite');
  else {
    log('5/5 the test suite: npm test (child process)');
    const s = await child('npm', ['test'], 1_800_000);
    const summary = [/^Test Suites: .*$/m.exec(s.stderr)?.[0], /^Tests: .*$/m.exec(s.stderr)?.[0]].filter(Boolean).join('; ').replace(/\s+/g, ' ');
    suite = { wallMs: s.wallMs, code: s.code, summary };
    log(`    ${(s.wallMs / 1000).toFixed(0)} s: ${summary}`);
  }

  writeFileSync(out, markdown({ date, traffic, defaults, concurrency, demo, suite, skipped }));
  log(`wrote ${out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
