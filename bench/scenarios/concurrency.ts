import '../../sandbox/polyfills';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { cliClients } from '../../cli/config';
import type { ReleaseInput } from '../../core/release-input';
import type { RehearsalStack } from '../../rehearsal/stack';

/**
 * Concurrency on one sandbox: many releases started at the same moment.
 * The targets are tiny fixture functions (fixtures/echo.js answers with its
 * MODEL_URI at once), not the classifier: what is measured is the
 * orchestrator, not the model.
 */

export const FIXTURE_HANDLER = 'bench/scenarios/fixtures/echo.handler';
export const ALIAS = 'live';
export const fixtureName = (i: number) => `fx-${String(i).padStart(2, '0')}`;
export const fixtureNames = (n: number) => Array.from({ length: n }, (_, i) => fixtureName(i));
const modelUri = (fn: string, tag: string) => `s3://fixtures/${fn}/${tag}.json`;

/** n functions, each with v1 published behind `live`. */
export async function deployFixtures(stack: RehearsalStack, n: number): Promise<void> {
  const { lambda } = stack.aws;
  for (const name of fixtureNames(n)) {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::000000000000:role/fixture',
        Handler: FIXTURE_HANDLER,
        Code: {},
        Timeout: 10,
        Environment: { Variables: { MODEL_URI: modelUri(name, 'v1') } },
      }),
    );
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'v1' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: ALIAS, FunctionVersion: v1.Version! }));
  }
}

export function fixtureRelease(fn: string, tag: string, bake = { seconds: 120, pollSeconds: 60 }): ReleaseInput {
  return {
    target: { kind: 'lambda-alias', functionName: fn, alias: ALIAS },
    artifact: { uri: modelUri(fn, tag), envVar: 'MODEL_URI' },
    description: `${fn} ${tag}`,
    smokeTest: { cases: [{ name: 'echo', input: {}, expect: [{ path: 'ok', equals: true }, { path: 'model', equals: modelUri(fn, tag) }] }] },
    bake: { ...bake, onInconclusive: 'proceed' },
    retention: { seconds: 20, pollSeconds: 10 },
    alarms: { names: [], releaseAlarms: true, errorRateThreshold: 0.05, periodSeconds: 60, latencyP95Ms: 10_000, blockOnPreexistingAlarms: false },
    startedBy: 'concurrency',
  };
}

export interface ExecutionEnd {
  name: string;
  executionArn: string;
  status: string;
  error?: string;
  /** Wall milliseconds from the start of the batch to the end of this execution. */
  endedMs: number;
  /** Whether it got past the lock (entered PrepareGreen). */
  prepared: boolean;
  /** Virtual ms from taking the lock (AcquireLock exited) to giving it back (ReleaseLock exited), when it took it. */
  held?: [number, number];
}

async function startAll(stack: RehearsalStack, sfn: SFNClient, releases: { name: string; input: ReleaseInput }[], timeoutMs: number): Promise<ExecutionEnd[]> {
  const t0 = Date.now();
  const started = await Promise.all(
    releases.map((r) => sfn.send(new StartExecutionCommand({ stateMachineArn: stack.deployed.stateMachineArn, name: r.name, input: JSON.stringify(r.input) }))),
  );
  return Promise.all(
    started.map(async (s, i) => {
      const executionArn = s.executionArn!;
      await stack.sandbox.stepfunctions.waitFor(executionArn, timeoutMs);
      const endedMs = Date.now() - t0;
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const events = stack.sandbox.stepfunctions.getExecution(executionArn).events;
      const prepared = events.some((e) => e.type === 'TaskStateEntered' && e.details?.name === 'PrepareGreen');
      const exited = (state: string) => events.find((e) => e.type === 'TaskStateExited' && e.details?.name === state)?.timestamp;
      const from = exited('AcquireLock');
      const to = exited('ReleaseLock');
      return {
        name: releases[i]!.name,
        executionArn,
        status: d.status ?? 'UNKNOWN',
        error: d.error,
        endedMs,
        prepared,
        ...(prepared && from !== undefined ? { held: [from, to ?? Number.POSITIVE_INFINITY] as [number, number] } : {}),
      };
    }),
  );
}

export interface SameTargetResult {
  ends: ExecutionEnd[];
  winner?: ExecutionEnd;
  losers: ExecutionEnd[];
  problems: string[];
  /** The most invocations of one orchestrator function version that ran at the same moment during the race (1: the racers took turns). */
  peakOverlap: number;
  /** Execution environments started during the race (cold starts), all functions together. */
  environmentsStarted: number;
  wallMs: number;
}

/**
 * The winner's bake in a race, simulated seconds: 10 wall seconds at 1,000×. The racers' ValidateInput and
 * AcquireLock run side by side in several environments per function version (at most four in the sandbox, so
 * ten racers still partly queue; seconds under heavy load); the winner must still hold the lock when the last
 * of them arrives. The lock intervals are checked for overlap anyway.
 */
export const RACE_BAKE = { seconds: 10_000, pollSeconds: 2_500 };

/** k releases of one target at once: exactly one runs, the others fail fast with ReleaseInProgress (Rejected in the ledger). */
export async function sameTargetRace(stack: RehearsalStack, fn: string, k: number, runId: string, timeoutMs = 120_000): Promise<SameTargetResult> {
  const sfn = new SFNClient({ ...stack.sandbox.clientConfig, maxAttempts: 3 });
  const cli = cliClients(stack.config);
  try {
    const releases = Array.from({ length: k }, (_, i) => ({ name: `race-${runId}-${i}`, input: fixtureRelease(fn, `race-${runId}-${i}`, RACE_BAKE) }));
    stack.sandbox.lambda.startOverStats();
    const t0 = Date.now();
    const ends = await startAll(stack, sfn, releases, timeoutMs);
    const wallMs = Date.now() - t0;
    const orchestrator = new Set(Object.values(stack.deployed.functions));
    const stats = Object.entries(stack.sandbox.lambda.environmentStats()).filter(([key]) => orchestrator.has(key.slice(0, key.lastIndexOf(':'))));
    const peakOverlap = Math.max(0, ...stats.map(([, s]) => s.peakBusy));
    const environmentsStarted = stats.reduce((n, [, s]) => n + s.started, 0);
    const problems: string[] = [];
    // Mutual exclusion, whatever the timing: no two executions held the target's lock at the same time.
    const holders = ends.filter((e) => e.held);
    for (const a of holders) {
      for (const b of holders) {
        if (a !== b && a.held![0] < b.held![1] && b.held![0] < a.held![1]) problems.push(`${a.name} and ${b.name} held the lock at the same time`);
      }
    }
    const runners = ends.filter((e) => e.prepared);
    const winner = runners[0];
    const losers = ends.filter((e) => !e.prepared);
    if (runners.length !== 1) problems.push(`${runners.length} releases got past the lock: ${runners.map((r) => r.name).join(', ')}`);
    if (winner && winner.status !== 'SUCCEEDED') problems.push(`the release that ran ended ${winner.status} (${winner.error})`);
    for (const l of losers) {
      if (l.status !== 'FAILED' || l.error !== 'ReleaseInProgress') problems.push(`${l.name} ended ${l.status} (${l.error}), not FAILED (ReleaseInProgress)`);
      if (winner && l.endedMs >= winner.endedMs) problems.push(`${l.name} ended after the release that ran: not fast`);
    }
    const items = await cli.ledger.listReleases(`lambda-alias:${fn}:${ALIAS}`, 100);
    for (const e of ends) {
      const item = items.find((i) => i.releaseId === e.name);
      const want = e === winner ? 'Succeeded' : 'Rejected';
      if (item?.status !== want) problems.push(`ledger: ${e.name} is ${item?.status ?? 'missing'}, expected ${want}`);
    }
    if (await cli.ledger.getLock(`lambda-alias:${fn}:${ALIAS}`)) problems.push('the lock is still held');
    if (winner) problems.push(...(await checkTarget(stack, fn, winner.name, `race-${runId}-${ends.indexOf(winner)}`)));
    return { ends, winner, losers, problems, peakOverlap, environmentsStarted, wallMs };
  } finally {
    sfn.destroy();
    cli.destroy();
  }
}

export interface ManyTargetsResult {
  ends: ExecutionEnd[];
  problems: string[];
  wallMs: number;
}

/** One release per target, all at once: each alias ends on its own green, each ledger has its own release, nothing left. */
export async function manyTargets(stack: RehearsalStack, targets: string[], runId: string, timeoutMs = 240_000): Promise<ManyTargetsResult> {
  const sfn = new SFNClient({ ...stack.sandbox.clientConfig, maxAttempts: 3 });
  const cli = cliClients(stack.config);
  const t0 = Date.now();
  try {
    const releases = targets.map((fn) => ({ name: `many-${runId}-${fn}`, input: fixtureRelease(fn, `many-${runId}`) }));
    const ends = await startAll(stack, sfn, releases, timeoutMs);
    const problems: string[] = [];
    for (const [i, e] of ends.entries()) {
      const fn = targets[i]!;
      if (e.status !== 'SUCCEEDED') problems.push(`${e.name} ended ${e.status} (${e.error})`);
      problems.push(...(await checkTarget(stack, fn, e.name, `many-${runId}`)));
      const items = await cli.ledger.listReleases(`lambda-alias:${fn}:${ALIAS}`, 100);
      const ours = items.filter((it) => it.releaseId.startsWith(`many-${runId}-`));
      if (ours.length !== 1 || ours[0]!.releaseId !== e.name) problems.push(`ledger of ${fn}: ${ours.map((o) => o.releaseId).join(', ') || 'no release'}, expected only ${e.name}`);
      else if (ours[0]!.status !== 'Succeeded') problems.push(`ledger of ${fn}: ${ours[0]!.status}`);
      if (await cli.ledger.getLock(`lambda-alias:${fn}:${ALIAS}`)) problems.push(`lock of ${fn} still held`);
    }
    const alarms = await stack.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `cutover-many-${runId}-` }));
    if (alarms.MetricAlarms?.length) problems.push(`${alarms.MetricAlarms.length} release alarms left`);
    return { ends, problems, wallMs: Date.now() - t0 };
  } finally {
    sfn.destroy();
    cli.destroy();
  }
}

export interface AliasesOfOneFunctionResult {
  ends: ExecutionEnd[];
  problems: string[];
}

/**
 * One release per alias of one function, all at once. Each PrepareGreen sets
 * its own artifact on the same $LATEST and publishes it, so their updates
 * interleave: each alias must still end on a version that runs its own release's artifact.
 */
export async function aliasesOfOneFunction(stack: RehearsalStack, fn: string, aliases: string[], runId: string, timeoutMs = 240_000): Promise<AliasesOfOneFunctionResult> {
  const { lambda } = stack.aws;
  const sfn = new SFNClient({ ...stack.sandbox.clientConfig, maxAttempts: 3 });
  const cli = cliClients(stack.config);
  try {
    const live = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: ALIAS }));
    for (const name of aliases) {
      try {
        await lambda.send(new CreateAliasCommand({ FunctionName: fn, Name: name, FunctionVersion: live.FunctionVersion! }));
      } catch (err) {
        if ((err as Error).name !== 'ResourceConflictException') throw err;
      }
    }
    const tag = (alias: string) => `${runId}-${alias}`;
    const releases = aliases.map((alias) => ({
      name: `aliases-${runId}-${alias}`,
      input: { ...fixtureRelease(fn, tag(alias)), target: { kind: 'lambda-alias' as const, functionName: fn, alias } },
    }));
    const ends = await startAll(stack, sfn, releases, timeoutMs);
    const problems: string[] = [];
    for (const [i, e] of ends.entries()) {
      const alias = aliases[i]!;
      if (e.status !== 'SUCCEEDED') problems.push(`${e.name} ended ${e.status} (${e.error})`);
      problems.push(...(await checkTarget(stack, fn, e.name, tag(alias), alias)));
      if (await cli.ledger.getLock(`lambda-alias:${fn}:${alias}`)) problems.push(`lock of ${fn}:${alias} still held`);
    }
    return { ends, problems };
  } finally {
    sfn.destroy();
    cli.destroy();
  }
}

/** The alias of `fn` serves, at 100 %, the version this release published, which runs this release's artifact. */
async function checkTarget(stack: RehearsalStack, fn: string, releaseName: string, tag: string, aliasName = ALIAS): Promise<string[]> {
  const { lambda } = stack.aws;
  const problems: string[] = [];
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: aliasName }));
  const extra = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
  if (extra.length) problems.push(`${fn}:${aliasName} still splits traffic with ${extra.join(', ')}`);
  const versions = (await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: fn }))).Versions ?? [];
  const ours = versions.filter((v) => v.Description === `cutover ${releaseName}`).map((v) => v.Version);
  if (ours.length !== 1 || alias.FunctionVersion !== ours[0]) problems.push(`${fn}:${aliasName} serves ${alias.FunctionVersion}, its release published ${ours.join(', ') || 'nothing'}`);
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn, Qualifier: alias.FunctionVersion }));
  if (config.Environment?.Variables?.MODEL_URI !== modelUri(fn, tag)) problems.push(`${fn}:${alias.FunctionVersion} runs ${config.Environment?.Variables?.MODEL_URI}, not ${modelUri(fn, tag)}`);
  const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Qualifier: aliasName, Payload: new TextEncoder().encode('{}') }));
  const body = JSON.parse(new TextDecoder().decode(out.Payload)) as { model?: string };
  if (body.model !== modelUri(fn, tag)) problems.push(`${fn}:${aliasName} answered with ${body.model}`);
  return problems;
}
