import '../sandbox/polyfills';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { cliClients } from '../cli/config';
import { runRelease } from '../cli/commands/release';
import { startTraffic, type Invoke } from '../examples/ai-service/traffic';
import { manualRollback } from '../core/manual-rollback';
import type { ReleaseInput } from '../core/release-input';
import { routerFor } from '../targets';
import { countHistory, type HistoryCount } from '../rehearsal/history';
import { SCENARIOS } from '../rehearsal/scenarios';
import { ALIAS, BUCKET, FUNCTION, modelUri } from '../examples/ai-service/sandbox-service';
import { startRehearsalStack } from '../rehearsal/stack';

/**
 * Traffic through the alias at a fixed rate while releases switch it and roll
 * it back: which requests fail because of a switch, and how long an alarm
 * takes to put 100 % back on blue. Everything runs in this process: the
 * sandbox, its Lambda workers, the traffic generator.
 */

export interface Switch {
  /** Wall ms (Date.now) and virtual ms (sandbox clock) of the UpdateAlias. */
  wall: number;
  virtual: number;
  release: string;
  kind: 'switch' | 'rollback';
  to: string;
}

export interface ReleaseMeasure {
  name: string;
  kind: 'canary' | 'alarm-rollback' | 'manual-rollback';
  outcome: string;
  error?: string;
  blue?: string;
  green?: string;
  switches: number;
  /** Virtual seconds from the release alarm's StateUpdatedTimestamp (ALARM) to the UpdateAlias that put 100 % on blue. */
  alarmToBlueVirtualSeconds?: number;
  /** The same, in wall seconds of this run (virtual / timeScale). */
  alarmToBlueWallSeconds?: number;
  /** Of which: waiting for the next CheckAlarms (virtual s), and CheckAlarms + Choice + RollBackToBlue up to the UpdateAlias (wall ms). */
  waitForPollSeconds?: number;
  checkAndRollbackWallMs?: number;
  /** `cutover rollback`: from the call to 100 % on blue (wall). */
  manualRollbackSeconds?: number;
  history: HistoryCount;
}

export interface TrafficMeasure {
  rate: number;
  timeScale: number;
  windowMs: number;
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  achievedRate: number;
  /** Lowest requests/s over 1 s buckets, from the first release's start to the last one's end. */
  minRatePerSecond: number;
  /** Requests sent within ±windowMs of an UpdateAlias (switch or rollback). */
  inWindows: { sent: number; failed: number; switches: number };
  /** Failures anywhere that are not a bad green answering (throttles, 5xx, network, or a good version failing). */
  failedNotBadGreen: number;
  /** Function errors of the bad greens (v4), before the rollback: the alarm's business, not the switch's. */
  badGreenErrors: number;
  releases: ReleaseMeasure[];
  updateAliasLatencyMs: { p50: number; max: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function trafficBench(o: { rate: number; timeScale: number; log?: (line: string) => void; windowMs?: number }): Promise<TrafficMeasure> {
  const log = o.log ?? (() => undefined);
  const windowMs = o.windowMs ?? 1000;
  const stack = await startRehearsalStack({ timeScale: o.timeScale });
  const { sandbox, aws, config } = stack;
  const cli = cliClients(config);
  const switches: Switch[] = [];
  const updateLatencies: number[] = [];
  let current = '';
  try {
    // Every UpdateAlias of the service's alias, as the sandbox applies it.
    const lambda = sandbox.lambda;
    const update = lambda.updateAlias.bind(lambda);
    lambda.updateAlias = ((fn: string, name: string, body: Record<string, unknown>) => {
      const t = performance.now();
      const out = update(fn, name, body);
      updateLatencies.push(performance.now() - t);
      if (fn === FUNCTION && name === ALIAS) {
        const weights = (body.RoutingConfig as { AdditionalVersionWeights?: Record<string, number> } | undefined)?.AdditionalVersionWeights ?? {};
        switches.push({ wall: Date.now(), virtual: sandbox.clock.now(), release: current, kind: 'switch', to: `${String(body.FunctionVersion)}${Object.keys(weights).length ? ` + ${JSON.stringify(weights)}` : ''}` });
      }
      return out;
    }) as typeof lambda.updateAlias;

    for (const copy of ['v4-a', 'v4-b']) {
      await aws.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: `ai-handler/models/${copy}.json`, CopySource: `${BUCKET}/ai-handler/models/v4.json` }));
    }
    const base = SCENARIOS.find((s) => s.name === 'v2')!.input;
    const input = (artifact: string, extra: Partial<ReleaseInput>): ReleaseInput => ({
      ...base,
      artifact: { uri: modelUri(artifact), envVar: 'MODEL_URI' },
      description: `bench ${artifact}`,
      strategy: { type: 'all-at-once' },
      bake: { seconds: 120, pollSeconds: 10, onInconclusive: 'rollback' },
      retention: { seconds: 20, pollSeconds: 10 },
      startedBy: 'npm run bench',
      ...extra,
    });
    const plan: { name: string; kind: ReleaseMeasure['kind']; input: ReleaseInput }[] = [
      { name: 'v2', kind: 'canary', input: input('v2', { strategy: { type: 'canary', steps: [25, 50], stepSeconds: 120 } }) },
      { name: 'v4-a', kind: 'alarm-rollback', input: input('v4-a', {}) },
      { name: 'v4-b', kind: 'alarm-rollback', input: input('v4-b', {}) },
      { name: 'v2-retrained', kind: 'manual-rollback', input: input('v2-retrained', {}) },
    ];

    // Traffic: every request's send time and outcome, through the alias, no SDK retries.
    const sends: number[] = [];
    const failures: { at: number; version?: string; functionError: boolean }[] = [];
    const invoke: Invoke = async (payload) => {
      const started = performance.now();
      sends.push(Date.now());
      try {
        const out = await aws.lambda.send(new InvokeCommand({ FunctionName: FUNCTION, Qualifier: ALIAS, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
        if (out.FunctionError) failures.push({ at: Date.now(), version: out.ExecutedVersion, functionError: true });
        return { ok: !out.FunctionError, version: out.ExecutedVersion, latencyMs: performance.now() - started };
      } catch {
        failures.push({ at: Date.now(), functionError: false });
        return { ok: false, latencyMs: performance.now() - started };
      }
    };
    const traffic = startTraffic({ invoke, ratePerSecond: o.rate, maxRequests: 100_000, maxSeconds: 600, maxInFlight: 256 });
    await sleep(2000); // warm: the traffic's rate settles before the first switch
    const releases: ReleaseMeasure[] = [];
    const badVersions = new Set<string>();
    const tFirst = Date.now();
    for (const p of plan) {
      current = p.name;
      log(`  release ${p.name} (${p.kind}) under ${o.rate} requests/s`);
      let green: { blue: string; green: string } | undefined;
      let manual: Promise<number | undefined> | undefined;
      const run = await runRelease(cli, config, p.input, {
        name: `bench-${p.name}-${Date.now()}`,
        pollMs: 50,
        onEvent: (e) => {
          const r = e.result as { blue?: string; green?: string; greenPercent?: number } | undefined;
          if (e.state === 'PrepareGreen' && r?.green) green = { blue: r.blue!, green: r.green };
          if (p.kind === 'manual-rollback' && e.state === 'ShiftTraffic' && !manual) {
            manual = sleep(1000).then(async () => {
              const m = await manualRollback(p.input.target as never, { by: 'bench', reason: 'measure the manual rollback' }, { ledger: cli.ledger, router: (t) => routerFor(t, cli.routers) });
              const last = switches[switches.length - 1];
              if (last) last.kind = 'rollback';
              return m.elapsedMs / 1000;
            });
          }
        },
      });
      const manualSeconds = manual ? await manual : undefined;
      if (p.kind === 'alarm-rollback' && green) badVersions.add(green.green);
      const mine = switches.filter((s) => s.release === p.name);
      if (p.kind === 'alarm-rollback' && mine.length > 1) mine[mine.length - 1]!.kind = 'rollback';
      // The alarm that breached: its transition to ALARM (virtual time), from the alarm history (the alarm itself is deleted by now).
      let alarmToBlue: number | undefined;
      let breakdown: { waitForPollSeconds: number; checkAndRollbackWallMs: number } | undefined;
      if (p.kind === 'alarm-rollback') {
        const items = sandbox.cloudwatch.alarms.historyItems({ type: 'StateUpdate' }).filter((h) => h.AlarmName.includes(run.executionArn.split(':').pop()!));
        const alarmAt = items.filter((h) => (JSON.parse(h.HistoryData) as { newState?: { stateValue?: string } }).newState?.stateValue === 'ALARM').map((h) => h.Timestamp)[0];
        const back = mine.find((s) => s.kind === 'rollback');
        if (alarmAt !== undefined && back) {
          alarmToBlue = (back.virtual - alarmAt) / 1000;
          // The CheckAlarms that saw it: the last one entered before the rollback's UpdateAlias.
          const checks = sandbox.stepfunctions.getExecution(run.executionArn).events.filter((e) => e.type === 'TaskStateEntered' && e.details?.name === 'CheckAlarms' && e.timestamp <= back.virtual);
          const seen = checks[checks.length - 1]?.timestamp;
          if (seen !== undefined) breakdown = { waitForPollSeconds: Math.max(0, seen - alarmAt) / 1000, checkAndRollbackWallMs: (back.virtual - seen) / o.timeScale };
        }
      }
      releases.push({
        name: p.name,
        kind: p.kind,
        outcome: run.outcome,
        error: run.end.error,
        blue: green?.blue,
        green: green?.green,
        switches: mine.length,
        ...(alarmToBlue !== undefined ? { alarmToBlueVirtualSeconds: alarmToBlue, alarmToBlueWallSeconds: alarmToBlue / o.timeScale, ...breakdown } : {}),
        ...(manualSeconds !== undefined ? { manualRollbackSeconds: manualSeconds } : {}),
        history: await countHistory(cli.sfn, run.executionArn),
      });
      log(`    ${run.outcome}${run.end.error ? ` (${run.end.error})` : ''}; ${mine.length} alias updates${alarmToBlue !== undefined ? `; alarm → blue ${alarmToBlue.toFixed(1)} s simulated` : ''}`);
    }
    const tLast = Date.now();
    const stats = await traffic.stop();
    const near = (t: number) => switches.some((s) => Math.abs(t - s.wall) <= windowMs);
    const notBadGreen = failures.filter((f) => !(f.functionError && f.version && badVersions.has(f.version)));
    const buckets = new Map<number, number>();
    for (const t of sends) if (t >= tFirst && t <= tLast) buckets.set(Math.floor((t - tFirst) / 1000), (buckets.get(Math.floor((t - tFirst) / 1000)) ?? 0) + 1);
    const fullSeconds = Math.floor((tLast - tFirst) / 1000);
    const perSecond = Array.from({ length: fullSeconds }, (_, i) => buckets.get(i) ?? 0);
    const sorted = [...updateLatencies].sort((a, b) => a - b);
    return {
      rate: o.rate,
      timeScale: o.timeScale,
      windowMs,
      sent: stats.sent,
      ok: stats.ok,
      failed: stats.failed,
      skipped: stats.skipped,
      achievedRate: stats.sent / (stats.elapsedMs / 1000),
      minRatePerSecond: perSecond.length ? Math.min(...perSecond) : 0,
      inWindows: { sent: sends.filter(near).length, failed: notBadGreen.filter((f) => near(f.at)).length, switches: switches.length },
      failedNotBadGreen: notBadGreen.length,
      badGreenErrors: failures.length - notBadGreen.length,
      releases,
      updateAliasLatencyMs: { p50: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted[sorted.length - 1] ?? 0 },
    };
  } finally {
    cli.destroy();
    await stack.stop();
  }
}
