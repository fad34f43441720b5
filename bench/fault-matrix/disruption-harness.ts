import { CreateAliasCommand, GetAliasCommand, GetFunctionConfigurationCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeExecutionCommand, RedriveExecutionCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { manualRollback } from '../../core/manual-rollback';
import { partitionKey, type ReleaseItem } from '../../core/ledger';
import { targetSchema, type ReleaseInput } from '../../core/release-input';
import { routerFor } from '../../targets';
import { FUNCTION } from '../../examples/ai-service/sandbox-service';
import { FaultHarness, sleep, type CaseResult, type Hook } from './harness';
import { judge, type CaseVerdict, type Invariant } from './invariants';
import type { DisruptionCase } from './disruptions';
import { faultTarget, type FaultTarget } from './targets';

/** The operation that writes the route, per target kind: what an outage of the rollback hits. */
const ROUTE_WRITE = {
  'lambda-alias': { service: 'lambda', operation: 'UpdateAlias' },
  'sagemaker-endpoint': { service: 'sagemaker', operation: 'UpdateEndpointWeightsAndCapacities' },
  'apigateway-stage': { service: 'apigateway', operation: 'UpdateStage' },
} as const;

/** The other target of the example function in a two-target case: a second alias, or (beside a stage) the alias. */
const OTHER_ALIAS = { 'lambda-alias': 'staging', 'apigateway-stage': 'production' } as Record<string, string>;

interface Started {
  n: number;
  caseName: string;
  executionArn: string;
  input: ReleaseInput;
  blue: string;
  target: FaultTarget;
}

/**
 * The disruptions table (disruptions.ts) on the fault matrix's sandbox: the same release, target, hooks and
 * invariants as the fault cases, the execution stopped, timed out or redriven from outside, the rollback's
 * route write down for a long while, or two targets of one function released together.
 */
export class DisruptionHarness extends FaultHarness {
  public async runDisruption(c: DisruptionCase): Promise<CaseResult> {
    switch (c.d.kind) {
      case 'stop':
      case 'timeout':
        return this.runInterrupted(c);
      case 'redrive-after-takeover':
        return this.runRedrive(c);
      case 'outage':
        return this.runOutage(c);
      case 'two-targets':
        return this.runTwoTargets(c);
    }
  }

  private executionArnOf(caseName: string): string {
    return `${this.stack.deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:${caseName}`;
  }

  /** A fresh case: no faults or hooks, the user alarm OK, the release input (not started). */
  private async prepare(scenario: 'success' | 'alarm-rollback', options: { target?: FaultTarget; deleteBlueVersion?: boolean; model?: string } = {}): Promise<Omit<Started, 'executionArn'>> {
    const target = options.target ?? this.target;
    const n = ++this.seq;
    const caseName = `fm-${n}-${Date.now().toString(36)}`;
    const blue = (await this.liveVersion(target)).version;
    const input = await this.releaseInput(n, scenario, options.deleteBlueVersion ?? false, undefined, options.model);
    if (target !== this.target) input.target = target.target;
    if (scenario === 'alarm-rollback') this.hooks.push(this.taskHook('CheckAlarms', 'bake', { before: async () => this.breachUserAlarm() }, caseName));
    return { n, caseName, input, blue, target };
  }

  private async start(p: Omit<Started, 'executionArn'>): Promise<Started> {
    const out = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stack.deployed.stateMachineArn, name: p.caseName, input: JSON.stringify(p.input) }));
    return { ...p, executionArn: out.executionArn! };
  }

  private async fresh(): Promise<void> {
    this.clearFaults();
    this.hooks = [];
    this.resetUserAlarm();
  }

  /** The stop or timeout at the case's Task (while its function runs, or once it has answered). */
  private disruptAt(c: DisruptionCase, caseName: string, act: () => Promise<void>): Hook {
    const at = c.d.at!;
    return this.taskHook(at.task, at.phase, at.moment === 'running' ? { before: act } : { afterAnswer: act }, caseName);
  }

  private interrupt(kind: 'stop' | 'timeout', executionArn: string): () => Promise<void> {
    return async () => {
      if (kind === 'timeout') this.stack.sandbox.stepfunctions.getExecution(executionArn).timeOut();
      else await this.sfn.send(new StopExecutionCommand({ executionArn, error: 'FaultMatrix.Stop', cause: 'stopped by the fault matrix' }));
    };
  }

  /** Ended, reconciled, observed and judged against the end the case gives; then the sandbox is cleaned up. */
  private async finish(c: DisruptionCase, s: Started, started: number, options: { interrupted: boolean; reconciled?: number; extra?: CaseVerdict['violations']; timeoutMs?: number; expected?: string[]; deleteBlueVersion?: boolean; completed?: boolean } ): Promise<CaseResult> {
    const { sandbox } = this.stack;
    const status = await sandbox.stepfunctions.waitFor(s.executionArn, options.timeoutMs ?? 90_000);
    const ended = status !== 'RUNNING';
    const reconciled = options.interrupted ? await this.reconciledFor(s.executionArn, options.reconciled ?? 1) : true;
    if (!ended) {
      await this.sfn.send(new StopExecutionCommand({ executionArn: s.executionArn, error: 'FaultMatrix.Timeout', cause: 'the case did not end in time' }));
      await sandbox.stepfunctions.waitFor(s.executionArn, 5_000);
    }
    this.clearFaults();
    const described = await this.sfn.send(new DescribeExecutionCommand({ executionArn: s.executionArn }));
    const observed = await this.observe(s.caseName, s.executionArn, s.blue, s.target);
    const expect = c.d.expect === 'none' ? ['Failed'] : [c.d.expect];
    const verdict = judge({
      completed: options.completed ?? (options.interrupted ? c.d.expect === 'Succeeded' : this.completed(s.executionArn)),
      scenario: c.d.scenario,
      blue: s.blue,
      deleteBlueVersion: options.deleteBlueVersion ?? false,
      ended: ended && reconciled,
      execution: { status: described.status ?? 'UNKNOWN', error: described.error, cause: described.cause },
      observed,
      interrupted: options.interrupted,
      expected: options.expected ?? expect,
    });
    if (!reconciled) verdict.violations.push({ invariant: 'ended', detail: 'the reconciler did not finish within 60 s' });
    if (c.d.expect === 'none' && observed.item) verdict.violations.push({ invariant: 'ledger', detail: `stopped before ValidateInput answered, yet a release item exists (${observed.item.status})` });
    verdict.violations.push(...(options.extra ?? []));
    await this.cleanUp(observed, s.blue, s.target);
    return {
      id: c.id,
      caseName: s.caseName,
      executionArn: s.executionArn,
      executionStatus: described.status ?? 'UNKNOWN',
      executionError: described.error,
      outcome: observed.item?.status,
      outcomeError: observed.item?.outcome?.error,
      hits: 1,
      wallMs: Date.now() - started,
      ...verdict,
    };
  }

  /** Stopped or timed out at the case's Task: the reconciler must bring the release to the case's end. */
  private async runInterrupted(c: DisruptionCase): Promise<CaseResult> {
    const started = Date.now();
    await this.fresh();
    const p = await this.prepare(c.d.scenario as 'success' | 'alarm-rollback');
    this.hooks.push(this.disruptAt(c, p.caseName, this.interrupt(c.d.kind as 'stop' | 'timeout', this.executionArnOf(p.caseName))));
    const s = await this.start(p);
    return this.finish(c, s, started, { interrupted: true });
  }

  /**
   * Release A is stopped at the case's Task and reconciled (the target freed); release B takes the target;
   * at B's first bake check, A is redriven and runs to its end. A must change nothing of the target (B's
   * split, B's lock) and leave the ledger's end of A as the reconciler recorded it; B then ends as usual.
   */
  private async runRedrive(c: DisruptionCase): Promise<CaseResult> {
    const started = Date.now();
    await this.fresh();
    const a = await this.prepare('success');
    const aArn = this.executionArnOf(a.caseName);
    this.hooks.push(this.disruptAt(c, a.caseName, this.interrupt('stop', aArn)));
    await this.start(a);
    await this.stack.sandbox.stepfunctions.waitFor(aArn, 90_000);
    const extra: CaseVerdict['violations'] = [];
    const flag = (invariant: Invariant, detail: string) => extra.push({ invariant, detail: `release A (${a.caseName}): ${detail}` });
    if (!(await this.reconciledFor(aArn))) flag('ended', 'the reconciler did not finish within 60 s');
    const aRecord = await this.itemOf(a.caseName);
    const aAfterStop = await this.liveVersion(a.target);
    // A's own end is what a stop at that moment gives (the stop cases judge it); here only what the redrive may not change.
    const b = await this.prepare('success');
    let during: { before?: Record<string, number>; after?: Record<string, number>; lock?: string; status?: string; error?: string } = {};
    this.hooks.push(
      this.taskHook(
        'CheckAlarms',
        'bake',
        {
          before: async () => {
            during.before = (await this.liveVersion(b.target)).split;
            await this.sfn.send(new RedriveExecutionCommand({ executionArn: aArn }));
            await this.stack.sandbox.stepfunctions.waitFor(aArn, 60_000);
            await this.reconciledFor(aArn, 2, 30_000);
            const described = await this.sfn.send(new DescribeExecutionCommand({ executionArn: aArn }));
            during = { ...during, after: (await this.liveVersion(b.target)).split, lock: (await this.cli.ledger.getLock(b.target.key))?.ownerExecutionArn, status: described.status, error: described.error };
          },
        },
        b.caseName,
      ),
    );
    const s = await this.start(b);
    const result = await this.finish(c, s, started, { interrupted: false, extra });
    // What A's redriven run did, checked after B's end (the hook ran during B's bake).
    const more: CaseVerdict['violations'] = [];
    const note = (invariant: Invariant, detail: string) => more.push({ invariant, detail: `redriven A (${a.caseName}): ${detail}` });
    if (!during.status) note('ended', 'B never reached its bake check, so A was not redriven');
    else {
      if (during.status === 'RUNNING') note('ended', 'still running 60 s after the redrive');
      if (JSON.stringify(during.after) !== JSON.stringify(during.before)) note('known-good', `moved B's traffic: ${JSON.stringify(during.before)} → ${JSON.stringify(during.after)}`);
      if (during.lock !== s.executionArn) note('lock', `B's lock is now ${during.lock ?? 'free'}`);
      const aNow = await this.itemOf(a.caseName);
      const summary = (i?: ReleaseItem) => JSON.stringify({ status: i?.status, outcome: i?.outcome, endedBy: i?.endedBy });
      if (summary(aNow) !== summary(aRecord)) note('ledger', `rewrote the reconciled end ${summary(aRecord)} as ${summary(aNow)}`);
      const alarms = (await this.stack.aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `cutover-${a.caseName}-` }))).MetricAlarms ?? [];
      if (alarms.length) {
        note('leftover-alarms', `left ${alarms.map((x) => x.AlarmName).join(', ')}`);
        await this.stack.aws.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: alarms.map((x) => x.AlarmName!) }));
      }
    }
    if (Object.values(aAfterStop.split).length !== 1) note('one-version', `the stopped release left ${JSON.stringify(aAfterStop.split)}`);
    return { ...result, violations: [...result.violations, ...more], executionError: result.executionError ?? (during.error ? `A: ${during.error}` : undefined) };
  }

  /**
   * RollBackToBlue's route write fails with 5xx: 40 times in a row (then it works), or every time until the
   * rollback gives up; then the target is held for a person (RollbackFailed), and `cutover rollback` with
   * the service back must put 100 % on blue, record the release RolledBack and free the target.
   */
  private async runOutage(c: DisruptionCase): Promise<CaseResult> {
    const started = Date.now();
    await this.fresh();
    const p = await this.prepare('alarm-rollback');
    const write = ROUTE_WRITE[this.target.kind];
    const beyond = c.d.variant === 'beyond-budget';
    this.hooks.push(
      this.taskHook('RollBackToBlue', undefined, {
        before: async () => {
          this.injected.push(this.stack.sandbox.faults.inject({ service: write.service, operation: write.operation, kind: '5xx', ...(beyond ? {} : { times: 40 }) }));
        },
      }, p.caseName),
    );
    const s = await this.start(p);
    if (!beyond) return this.finish(c, s, started, { interrupted: false, timeoutMs: 180_000 });
    const status = await this.stack.sandbox.stepfunctions.waitFor(s.executionArn, 240_000);
    const extra: CaseVerdict['violations'] = [];
    const held = await this.cli.ledger.getLock(s.target.key);
    const item = await this.itemOf(s.caseName);
    if (status === 'RUNNING') extra.push({ invariant: 'ended', detail: 'the rollback was still retrying after 240 s' });
    else if (item?.outcome?.error !== 'RollbackFailed' || !held?.needsAttention) extra.push({ invariant: 'lock', detail: `after the outage: outcome ${item?.outcome?.error ?? item?.status}, lock ${held ? (held.needsAttention ? 'needs attention' : 'held') : 'free'}; expected RollbackFailed with the target held for a person` });
    this.clearFaults();
    let cliError: string | undefined;
    try {
      await manualRollback(s.target.target, { by: 'fault-matrix', reason: 'the service is back' }, { ledger: this.cli.ledger, router: (t) => routerFor(t, this.cli.routers) });
    } catch (err) {
      cliError = `${(err as Error).name}: ${(err as Error).message}`;
      extra.push({ invariant: 'known-good', detail: `cutover rollback failed: ${cliError}` });
    }
    return this.finish(c, s, started, { interrupted: true, extra, completed: false, expected: ['RolledBack'] });
  }

  /** The other target of the example function (created on blue when missing), as the matrix reads it. */
  private async otherTarget(): Promise<{ target: FaultTarget; alias: string }> {
    const alias = OTHER_ALIAS[this.target.kind];
    if (!alias) throw new Error(`two-target cases need a Lambda function behind the target; ${this.target.kind} has none`);
    const blue = (await this.liveVersion()).version;
    try {
      await this.stack.aws.lambda.send(new GetAliasCommand({ FunctionName: FUNCTION, Name: alias }));
    } catch {
      await this.stack.aws.lambda.send(new CreateAliasCommand({ FunctionName: FUNCTION, Name: alias, FunctionVersion: blue }));
    }
    // Every case starts with both targets on the same version, with no lock.
    await this.stack.aws.lambda.send(new UpdateAliasCommand({ FunctionName: FUNCTION, Name: alias, FunctionVersion: blue, RoutingConfig: { AdditionalVersionWeights: {} } }));
    const target = faultTarget(targetSchema.parse({ kind: 'lambda-alias', functionName: FUNCTION, alias }), this.cli.routers);
    await this.cli.dynamo.send(new DeleteCommand({ TableName: this.stack.deployed.tableName, Key: { pk: partitionKey(target.key), sk: 'LOCK' } }));
    return { target, alias };
  }

  /**
   * Two targets of one function: both released at once (each must end on a version that runs its own
   * artifact), one of them failing its gate meanwhile, or the other target released with deleteBlueVersion
   * while this one still routes to blue (blue must stay).
   */
  private async runTwoTargets(c: DisruptionCase): Promise<CaseResult> {
    const started = Date.now();
    await this.fresh();
    const { target: other } = await this.otherTarget();
    const extra: CaseVerdict['violations'] = [];
    if (c.d.variant?.includes('deleteBlueVersion')) {
      const p = await this.prepare('success', { target: other, deleteBlueVersion: true });
      const s = await this.start(p);
      const r = await this.finish(c, s, started, { interrupted: false, deleteBlueVersion: false });
      const still = (await this.liveVersion()).version;
      if (still !== p.blue) extra.push({ invariant: 'known-good', detail: `${this.target.key} moved to ${still}` });
      if (!(await this.versionExists(p.blue))) extra.push({ invariant: 'leftover-versions', detail: `blue ${p.blue} deleted while ${this.target.key} still routes to it` });
      return { ...r, violations: [...r.violations, ...extra] };
    }
    const fails = c.d.variant === 'the other fails its gate';
    const mine = await this.prepare('success');
    const theirs = await this.prepare('success', { target: other, model: fails ? 'v3' : 'v2' });
    const [sMine, sTheirs] = await Promise.all([this.start(mine), this.start(theirs)]);
    await this.stack.sandbox.stepfunctions.waitFor(sTheirs.executionArn, 90_000);
    const theirItem = await this.itemOf(sTheirs.caseName);
    const want = fails ? 'Failed' : 'Succeeded';
    if (theirItem?.status !== want) extra.push({ invariant: 'ledger', detail: `the other release (${other.key}) ended ${theirItem?.status ?? 'unrecorded'}${theirItem?.outcome?.error ? ` (${theirItem.outcome.error})` : ''}, expected ${want}` });
    const theirLive = (await this.liveVersion(other)).version;
    await this.checkArtifact(other, theirLive, fails ? undefined : theirs.input.artifact?.uri, extra);
    const r = await this.finish(c, sMine, started, { interrupted: false });
    await this.checkArtifact(this.target, r.live, mine.input.artifact?.uri, extra);
    if (theirLive === r.live && !fails) extra.push({ invariant: 'known-good', detail: `both targets serve version ${r.live}: one release shipped the other's` });
    // The other alias back on this target's version for the next case (its green stays published).
    const otherItemLock = await this.cli.ledger.getLock(other.key);
    if (otherItemLock) extra.push({ invariant: 'lock', detail: `the other release's lock is still held (${otherItemLock.ownerExecutionArn})` });
    return { ...r, violations: [...r.violations, ...extra] };
  }

  /** The version live on `target` runs `uri` as its artifact (none given: nothing to check). */
  private async checkArtifact(target: FaultTarget, version: string, uri: string | undefined, extra: CaseVerdict['violations']): Promise<void> {
    if (!uri || !/^\d+$/.test(version)) return;
    const config = await this.stack.aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION, Qualifier: version }));
    const shipped = config.Environment?.Variables?.MODEL_URI;
    if (shipped !== uri) extra.push({ invariant: 'known-good', detail: `${target.key} serves version ${version}, whose MODEL_URI is ${shipped ?? 'unset'}, not its release's ${uri}` });
  }

  private async versionExists(version: string): Promise<boolean> {
    try {
      await this.stack.aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FUNCTION, Qualifier: version }));
      return true;
    } catch {
      return false;
    }
  }

  private async itemOf(caseName: string): Promise<ReleaseItem | undefined> {
    const releases = await this.cli.ledger.listReleases(this.target.key, 50);
    const others = OTHER_ALIAS[this.target.kind] ? await this.cli.ledger.listReleases(`lambda-alias:${FUNCTION}:${OTHER_ALIAS[this.target.kind]}`, 50) : [];
    return [...releases, ...others].find((r) => r.releaseId === caseName);
  }
}

export { sleep };
