import '../sandbox/polyfills';
import { cliClients } from '../cli/config';
import { runRelease } from '../cli/commands/release';
import type { ProgressEvent } from '../cli/follow';
import { startTraffic } from '../examples/ai-service/traffic';
import { manualRollback } from '../core/manual-rollback';
import { routerFor } from '../targets';
import { ReleaseObserver } from './observer';
import type { ReportData } from './report/types';
import { SCENARIOS, type Scenario } from './scenarios';
import { startRehearsalStack } from './stack';
import { sideText } from '../core/release-input';
import type { TargetKind } from './targets';
import { countHistory, type HistoryCount } from './history';
import { failedAroundSwitches, type FailedRequest } from './traffic-log';
import { outcomeWords } from '../core/outcome-words';

export interface RehearsalOptions {
  timeScale: number;
  ratePerSecond: number;
  /** Written for the Lambda alias (as SCENARIOS); the target's rig gives them its own target. */
  scenarios?: Scenario[];
  log?: (line: string) => void;
  /** Release the example service through a Lambda alias (default), a SageMaker endpoint or an API Gateway stage. */
  target?: TargetKind;
}

export interface ScenarioResult {
  scenario: Scenario;
  executionArn: string;
  outcome: string;
  error?: string;
  cause?: string;
  blue?: string;
  green?: string;
  switches: number[];
  failedDuringSwitch: number;
  /** The first few of them, to say why (error and version). */
  failuresDuringSwitch: FailedRequest[];
  alarmToBlueSeconds: number | null;
  manualRollbackSeconds: number | null;
  startedAt: number;
  endedAt: number;
  quality: { greenPassRate: number; bluePassRate?: number; cases: number } | null;
  /** Execution history events and billed state transitions, from GetExecutionHistory. */
  history: HistoryCount;
}

export interface RehearsalResult {
  results: ScenarioResult[];
  report: ReportData;
  traffic: { sent: number; ok: number; failed: number };
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The rehearsal: the sandbox, the orchestrator deployed in it from the real
 * ASL and handlers, the example service live on v1 with traffic flowing,
 * then each scenario released through the same code as `cutover release`.
 */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalResult> {
  const log = options.log ?? (() => undefined);
  const t0 = Date.now();
  const stack = await startRehearsalStack({ timeScale: options.timeScale, ...(options.target ? { target: options.target } : {}) });
  const { sandbox, aws, config, blue } = stack;
  let traffic: ReturnType<typeof startTraffic> | undefined;
  let cli: ReturnType<typeof cliClients> | undefined;
  try {
    log(`sandbox on ${sandbox.url} (1 wall second = ${options.timeScale} simulated seconds); orchestrator ${stack.deployed.stateMachineArn}`);
    log(`orchestrator deployed from the synthesized ${stack.deployed.stackName} stack (${stack.deployed.synth.cached ? 'cached template' : `synthesized in ${(stack.deployed.synth.ms / 1000).toFixed(1)} s`}), its IAM roles enforced`);
    log(`${stack.rig.label} serves ${stack.rig.blueText} (model v1); traffic at ${options.ratePerSecond} requests/s`);
    cli = cliClients(config);
    const recorder = stack.rig.invoker();
    const trafficT0 = Date.now();
    traffic = startTraffic({ invoke: recorder.invoke, ratePerSecond: options.ratePerSecond, maxRequests: 20_000, maxSeconds: 300 });

    const results: ScenarioResult[] = [];
    const events: ReportData['events'] = [];
    const versions: Record<string, string> = { [blue]: 'v1' };
    const at = () => (Date.now() - t0) / 1000;
    for (const scenario of stack.rig.scenarios(options.scenarios ?? SCENARIOS)) {
      log('');
      log(`━━ release ${scenario.name}: ${scenario.story}`);
      const started = Date.now();
      events.push({ t: at(), release: scenario.name, kind: 'started', label: `${scenario.name} started` });
      const observer = new ReleaseObserver(aws, `cutover-`, stack.rig.isAllOn).start();
      const switches: number[] = [];
      let green: Obj | undefined;
      let quality: ScenarioResult['quality'] = null;
      let manualSeconds: number | null = null;
      let manual: Promise<void> | undefined;
      const onEvent = (e: ProgressEvent) => {
        // The end is the ✔/✘ line printed below, with the same cause: not twice.
        if (e.kind !== 'end') log(`   ${e.kind === 'retry' ? '↻' : e.kind === 'failed' ? '✘' : ' '} ${(e.state ?? e.kind).padEnd(15)} ${e.text}`);
        const r = e.result as Obj | undefined;
        if (e.state === 'PrepareGreen' && r) {
          green = r;
          observer.blue = r.blue;
          versions[r.green] = scenario.artifact;
        }
        if (e.state === 'SmokeTestGreen' && r?.quality) {
          const q = r.quality.report;
          quality = { greenPassRate: q.green.passRate, bluePassRate: q.blue?.passRate, cases: q.cases };
        }
        if (e.state === 'ShiftTraffic' && r) {
          switches.push(Date.now());
          events.push({ t: at(), release: scenario.name, kind: 'switched', label: `${scenario.name}: green ${r.greenPercent} %` });
        }
        if (e.state === 'CheckAlarms' && r?.next === 'Rollback') events.push({ t: at(), release: scenario.name, kind: 'alarm', label: `${scenario.name}: alarm` });
        if (e.state === 'CheckAlarms' && r?.phase === 'retention' && !manual) {
          events.push({ t: at(), release: scenario.name, kind: 'retention', label: `${scenario.name}: retention` });
          if (scenario.manualRollbackInRetention) {
            manual = manualRollback(
              scenario.input.target as never,
              { by: 'rehearsal', reason: 'a stakeholder reports the answers changed tone' },
              { ledger: cli!.ledger, router: (t) => routerFor(t, cli!.routers) },
            ).then((m) => {
              switches.push(Date.now());
              manualSeconds = m.elapsedMs / 1000;
              events.push({ t: at(), release: scenario.name, kind: 'manual-rollback', label: `${scenario.name}: manual rollback` });
              log(`     ${'cutover rollback'.padEnd(15)} 100 % on blue = ${sideText(stack.rig.kind, String(green?.blue))} in ${manualSeconds.toFixed(2)} s; the release ends at its next check`);
            }, (err: Error) => {
              // Recorded but not moved now (RollbackPending): the release moves traffic itself at its next check.
              log(`     ${'cutover rollback'.padEnd(15)} ${err.name}: ${err.message}`);
            });
          }
        }
        if (e.state === 'RollBackToBlue' && r) {
          switches.push(Date.now());
          events.push({ t: at(), release: scenario.name, kind: 'rolled-back', label: `${scenario.name}: back on blue` });
        }
      };
      const run = await runRelease(cli, config, scenario.input, { name: `rehearsal-${scenario.name}-${t0}`, pollMs: 100, onEvent });
      await manual;
      observer.stop();
      const endedAt = Date.now();
      // The outcome's own word: a rollback that worked is not a failure.
      const kind = run.outcome === 'Succeeded' ? 'succeeded' : run.outcome === 'RolledBack' ? 'ended-rolled-back' : run.end.error === 'QualityGateFailed' ? 'quality-gate' : 'failed';
      events.push({ t: at(), release: scenario.name, kind, label: `${scenario.name}: ${outcomeWords(run.outcome)}` });
      const badVersion = run.outcome === 'RolledBack' && run.end.error === 'AlarmRollback' ? green?.green : undefined;
      const nearSwitch = failedAroundSwitches(recorder.failures, { startedAt: started, endedAt }, switches, badVersion);
      results.push({
        scenario,
        executionArn: run.executionArn,
        outcome: run.outcome,
        error: run.end.error,
        cause: run.end.cause,
        blue: green?.blue,
        green: green?.green,
        switches,
        failedDuringSwitch: nearSwitch.length,
        failuresDuringSwitch: nearSwitch.slice(0, 5),
        alarmToBlueSeconds: observer.alarmToBlueSeconds(),
        manualRollbackSeconds: manualSeconds,
        startedAt: started,
        endedAt,
        quality,
        history: await countHistory(cli.sfn, run.executionArn),
      });
      log(`   ${run.outcome === scenario.expect ? '✔' : '✘'} ${run.outcome}${run.end.error ? ` (${run.end.error})` : ''}${run.end.cause ? `: ${run.end.cause}` : ''}`);
    }
    const stats = await traffic.stop();
    traffic = undefined;
    const report: ReportData = {
      title: `Cutover rehearsal — ${stack.rig.label}`,
      generatedAt: new Date().toISOString(),
      timeScale: options.timeScale,
      wallSeconds: (Date.now() - t0) / 1000,
      series: stats.series.map((b) => ({
        t: (trafficT0 - t0 + b.startMs) / 1000,
        requests: b.requests,
        failures: b.failures,
        p95LatencyMs: b.p95LatencyMs,
        perVersion: { ...b.byVersion },
      })),
      events,
      releases: results.map((r) => ({
        name: r.scenario.name,
        artifact: r.scenario.input.artifact?.uri ?? (r.scenario.input.target as { greenModel?: { modelDataUrl?: string } }).greenModel?.modelDataUrl ?? '',
        outcome: r.outcome as ReportData['releases'][number]['outcome'],
        error: r.error,
        cause: r.cause,
        blue: r.blue,
        green: r.green,
        failedRequestsDuringSwitch: r.failedDuringSwitch,
        alarmToBlueSeconds: r.alarmToBlueSeconds,
        durationSeconds: (r.endedAt - r.startedAt) / 1000,
        quality: r.quality,
      })),
      versions,
      totals: { requests: stats.sent, failures: stats.failed },
    };
    return { results, report, traffic: { sent: stats.sent, ok: stats.ok, failed: stats.failed } };
  } finally {
    if (traffic) await traffic.stop();
    cli?.destroy();
    await stack.stop();
  }
}
