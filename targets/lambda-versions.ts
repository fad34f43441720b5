import {
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { ConcurrentModification, EnvironmentUnreadable, IncompatibleCanaryVersions, NothingToRelease, TargetBusy, TargetNotReady } from '../core/errors';
import type { Green, ReleaseContext } from '../core/release-state';
import { stagesRoutingTo, type ManagedStages, type StageRef } from './managed-stages';
import { releaseAlarmParts } from './release-alarms';
import type { AlarmThresholds, DecommissionResult, InvokeResult, TaskBudget } from '../core/traffic-router';

/**
 * What every target whose green is a published Lambda version shares (the
 * Lambda alias and the API Gateway stage variable): publishing $LATEST with
 * the artifact, invoking a version directly, retiring a version nobody routes
 * to, and the release alarms on a version's metrics.
 */

export interface SettleOptions {
  settleDelayMs: number;
  /** Checks at most, whatever the budget (a bound when the caller gives none). */
  settleAttempts: number;
  /**
   * What a wait leaves of the invocation's remaining time for the calls after
   * it (publish, ledger write: each up to 3 × 5 s SDK attempts) and for
   * returning: the wait ends with TargetBusy (retried) before the function would be killed.
   */
  reserveMs?: number;
}

export const DEFAULT_SETTLE: SettleOptions = { settleDelayMs: 1000, settleAttempts: 60, reserveMs: 12_000 };

/** No budget given: only the attempts bound the wait. */
const UNBOUNDED: TaskBudget = { remainingMs: () => Number.POSITIVE_INFINITY };

/** Lambda's ResourceConflictException while an update runs or a version is Pending (not "already exists"). */
export function isBusyConflict(err: unknown): boolean {
  return errorName(err) === 'ResourceConflictException' && /update is in progress|currently in the following state/i.test((err as Error)?.message ?? '');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function errorName(err: unknown): string {
  return (err as Error)?.name ?? '';
}

/** The description PublishVersion gets: how a version is known to be this release's. */
export const descriptionOf = (release: ReleaseContext) => `cutover ${release.id}`;

/** What publishing green gave. */
export interface PublishedGreen {
  green: string;
  /** True only when this release published it (Lambda returns the existing version when nothing changed). */
  createdGreen: boolean;
  greenArn: string;
  blueArn: string;
  codeSha256?: string;
  /** The variable the artifact was set in, and its value (put back to blue's value after a failure). */
  artifactVar?: string;
  artifactUri?: string;
}

export class LambdaVersions {
  public constructor(
    public readonly fn: string,
    private readonly lambda: LambdaClient,
    private readonly options: SettleOptions = DEFAULT_SETTLE,
    /** The managed stages, for what may route to a version before it is retired. */
    private readonly stages?: ManagedStages,
  ) {}

  /** What every target of this function writes while preparing (PrepareGreen's writer lease). */
  public get latest(): string {
    return `lambda:${this.fn}:$LATEST`;
  }

  /**
   * Sets the artifact URI on $LATEST (merging the other variables), waits for
   * the update, publishes with CodeSha256 + RevisionId. `NothingToRelease`
   * when the published version is blue.
   */
  public async publishGreen(release: ReleaseContext, blue: string, servedBy: string, budget: TaskBudget = UNBOUNDED): Promise<PublishedGreen> {
    const artifact = release.spec.artifact;
    if (artifact) await this.setEnvironment(artifact.envVar, artifact.uri, budget);
    const latest = await this.settled(budget);
    // The RevisionId below only says that nothing changed since this read. Another release of another alias of
    // this function may have set its own artifact between our update and the read: publishing that would ship
    // its model under our name. The retry sets ours again.
    const current = artifact ? latest.Environment?.Variables?.[artifact.envVar] : undefined;
    if (artifact && current !== artifact.uri) {
      throw new ConcurrentModification(
        `${this.fn} changed while Cutover was updating it: $LATEST's ${artifact.envVar} is ${current ?? 'unset'}, not ${artifact.uri} (another release of this function?); the step will retry`,
      );
    }
    const description = descriptionOf(release);
    const published = await this.call(() =>
      this.lambda.send(
        new PublishVersionCommand({
          FunctionName: this.fn,
          CodeSha256: latest.CodeSha256,
          RevisionId: latest.RevisionId,
          Description: description,
        }),
      ),
    );
    const green = published.Version!;
    if (green === blue) {
      throw new NothingToRelease(`$LATEST of ${this.fn} is identical to version ${blue}, which ${servedBy} already serves: change the code or the artifact`);
    }
    // A new version may be Pending a while; SmokeTest invokes it next, and Lambda does not invoke a Pending version.
    const shipped = await this.waitFor(green, budget);
    // What was published, compared with what was asked for: the version is what every check after this one tests.
    const shippedUri = artifact ? shipped.Environment?.Variables?.[artifact.envVar] : undefined;
    if ((artifact && shippedUri !== artifact.uri) || (latest.CodeSha256 && shipped.CodeSha256 !== latest.CodeSha256)) {
      throw new ConcurrentModification(
        `version ${green} of ${this.fn} is not what this release published from: ` +
          (artifact && shippedUri !== artifact.uri ? `its ${artifact.envVar} is ${shippedUri ?? 'unset'}, not ${artifact.uri}` : `its code is ${shipped.CodeSha256}, not ${latest.CodeSha256}`) +
          '; the step will retry',
      );
    }
    const arn = published.FunctionArn!;
    return {
      green,
      createdGreen: published.Description === description,
      greenArn: arn,
      blueArn: `${arn.slice(0, arn.lastIndexOf(':'))}:${blue}`,
      codeSha256: published.CodeSha256,
      ...(artifact ? { artifactVar: artifact.envVar, artifactUri: artifact.uri } : {}),
    };
  }

  /** Invoke one version directly (never through a route) and decode its JSON output. */
  public async invoke(qualifier: string, payload: unknown): Promise<InvokeResult> {
    const started = performance.now();
    const out = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.fn,
        Qualifier: qualifier,
        Payload: new TextEncoder().encode(JSON.stringify(payload ?? null)),
      }),
      // The AI service may legitimately run longer than a control-plane call: its own function timeout bounds it, not the client's.
      { requestTimeout: 0 },
    );
    const latencyMs = Math.round(performance.now() - started);
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: keep the text as the output.
    }
    if (out.FunctionError) {
      const e = body as { errorType?: string; errorMessage?: string };
      return { error: `${e?.errorType ?? out.FunctionError}: ${e?.errorMessage ?? text}`, latencyMs };
    }
    return { output: body, latencyMs };
  }

  /**
   * Retire one side of a release, given who still routes to it (`servedBy`:
   * then it is kept untouched). A green this release did not create belongs to
   * someone else and is left exactly as it is; otherwise provisioned
   * concurrency is dropped and the version deleted when it may be (green this
   * release created; blue with `deleteVersion`).
   */
  public async retireSide(green: Green, side: 'blue' | 'green', servedBy: string[], options: { deleteVersion: boolean }): Promise<DecommissionResult> {
    const version = side === 'blue' ? green.blue : green.green;
    // Green is retired after a failure: its artifact must not stay on $LATEST, or the next release without one ships it
    // again. Restoring and retiring are independent: a restore that fails (denied, say) must not keep green alive; its
    // error is raised once green is retired, so the Task's retry restores again (green's value is in `green`).
    let restored: string[] = [];
    let restoreError: unknown;
    if (side === 'green' && servedBy.length === 0) {
      try {
        restored = await this.restoreArtifact(green);
      } catch (err) {
        restoreError = err;
      }
    }
    let result: DecommissionResult;
    if (servedBy.length === 0 && side === 'green' && !green.createdGreen) {
      result = { removed: [], kept: [{ what: `${this.fn}:${version}`, why: 'this release did not create it' }] };
    } else {
      const mayDelete = side === 'green' ? green.createdGreen : options.deleteVersion;
      result = await this.retire(version, servedBy, mayDelete, side === 'green' ? 'this release did not create it' : 'decommission.deleteBlueVersion is false');
    }
    if (restoreError !== undefined) throw restoreError;
    return { ...result, removed: [...restored, ...result.removed] };
  }

  /**
   * $LATEST's artifact variable (green.artifactVar) back to blue's value, when it still holds green's: a value
   * someone set since (another release of this function) is left alone.
   */
  private async restoreArtifact(green: Green): Promise<string[]> {
    const name = green.artifactVar;
    const shipped = green.artifactUri;
    if (!name || !shipped || !green.blue) return [];
    const blue = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: this.fn, Qualifier: green.blue }));
    // Variables that cannot be read (a KMS key we may not use) tell nothing: leave $LATEST as it is.
    if (blue.Environment?.Error) return [];
    const want = blue.Environment?.Variables?.[name];
    if (want === shipped) return [];
    const latest = await this.settled();
    const variables = latest.Environment?.Variables;
    // Unreadable variables (a KMS key we may not use) cannot be merged without wiping the others.
    if (latest.Environment?.Error || !variables || variables[name] !== shipped) return [];
    await this.writeVariable(latest, variables, name, want);
    return [`${name} of ${this.fn} $LATEST (back to blue ${green.blue}'s ${want ?? 'unset'})`];
  }

  /** The versions this release published but never reported (PrepareGreen failed after publishing), each retired as a green it created. */
  public async discardOrphans(release: ReleaseContext, decommission: (green: Green) => Promise<DecommissionResult>): Promise<DecommissionResult> {
    const result: DecommissionResult = { removed: [], kept: [] };
    for (const version of await this.publishedBy(release)) {
      const r = await decommission({ blue: '', green: version, createdGreen: true });
      result.removed.push(...r.removed);
      result.kept.push(...r.kept);
    }
    return result;
  }

  /** Provisioned concurrency dropped, the version deleted only when `mayDelete` (else kept with `why`); kept untouched while something routes to it. */
  private async retire(version: string, servedBy: string[], mayDelete: boolean, why: string): Promise<DecommissionResult> {
    const result: DecommissionResult = { removed: [], kept: [] };
    if (servedBy.length > 0) {
      result.kept.push({ what: `${this.fn}:${version}`, why: `${servedBy.join(', ')} routes traffic to it` });
      return result;
    }
    try {
      await this.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: this.fn, Qualifier: version }));
      result.removed.push(`provisioned concurrency of ${this.fn}:${version}`);
    } catch (err) {
      if (errorName(err) !== 'ProvisionedConcurrencyConfigNotFoundException' && errorName(err) !== 'ResourceNotFoundException') throw err;
    }
    if (!mayDelete) {
      result.kept.push({ what: `${this.fn}:${version}`, why });
      return result;
    }
    try {
      await this.lambda.send(new DeleteFunctionCommand({ FunctionName: this.fn, Qualifier: version }));
      result.removed.push(`${this.fn}:${version}`);
    } catch (err) {
      if (errorName(err) !== 'ResourceNotFoundException') throw err;
      result.removed.push(`${this.fn}:${version} (already gone)`);
    }
    return result;
  }

  /**
   * Everything that may route to `version`: the function's aliases (any weight) and the managed API Gateway
   * stages (every target of one function shares its versions), but for `skipStage`, which the caller checks.
   */
  public async routesTo(version: string, skipStage?: StageRef): Promise<string[]> {
    const aliases = await this.aliasesServing(version);
    return [...(aliases.length > 0 ? [`alias ${aliases.join(', ')}`] : []), ...(await stagesRoutingTo(this.stages, version, skipStage))];
  }

  /** Aliases that route to `version`, whatever the weight (a version at weight 0 is still referenced). */
  public async aliasesServing(version: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListAliasesCommand({ FunctionName: this.fn, Marker: marker }));
      for (const a of page.Aliases ?? []) {
        if (a.Name && (a.FunctionVersion === version || version in (a.RoutingConfig?.AdditionalVersionWeights ?? {}))) names.push(a.Name);
      }
      marker = page.NextMarker;
    } while (marker);
    return names;
  }

  /** Versions this release published (found by their description), e.g. after PrepareGreen failed before reporting green. */
  public async publishedBy(release: ReleaseContext): Promise<string[]> {
    const ours: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: this.fn, Marker: marker }));
      for (const v of page.Versions ?? []) if (v.Version && v.Description === descriptionOf(release)) ours.push(v.Version);
      marker = page.NextMarker;
    } while (marker);
    return ours;
  }

  public async setEnvironment(name: string, value: string, budget: TaskBudget = UNBOUNDED): Promise<void> {
    const config = await this.settled(budget);
    const unreadable = config.Environment?.Error;
    if (unreadable) {
      // Without Variables the merge below would send one variable and wipe the others.
      throw new EnvironmentUnreadable(
        `cannot read the environment variables of ${this.fn} (${unreadable.ErrorCode ?? 'Error'}: ${unreadable.Message ?? 'no message'}): ` +
          `grant the PrepareGreen function's role kms:Decrypt on ${config.KMSKeyArn ?? "the function's KMS key"}; nothing was changed`,
      );
    }
    const variables = config.Environment?.Variables ?? {};
    if (variables[name] === value) return;
    await this.writeVariable(config, variables, name, value);
  }

  /**
   * $LATEST's variables as read in `config`, with `name` set to `value` (or removed when undefined).
   * UpdateFunctionConfiguration replaces the whole map, so the others are sent back unchanged, and the
   * RevisionId read makes a change made in between fail it (ConcurrentModification) instead of being lost.
   */
  private async writeVariable(config: { RevisionId?: string }, variables: Record<string, string>, name: string, value: string | undefined): Promise<void> {
    const next = { ...variables };
    if (value === undefined) delete next[name];
    else next[name] = value;
    await this.call(() => this.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: this.fn, Environment: { Variables: next }, RevisionId: config.RevisionId })));
  }

  /** $LATEST once no update is in progress (PublishVersion would fail during one). */
  public async settled(budget: TaskBudget = UNBOUNDED) {
    return this.waitFor('$LATEST', budget);
  }

  /**
   * The configuration of `qualifier` once it is Active and no update is in
   * progress. Every wait fits in the invocation (`budget`, less `reserveMs`):
   * when it would not, TargetBusy, which the state machine retries, and the
   * retry finds what this attempt already changed.
   */
  private async waitFor(qualifier: string, budget: TaskBudget) {
    const what = qualifier === '$LATEST' ? this.fn : `${this.fn}:${qualifier}`;
    const reserve = this.options.reserveMs ?? 0;
    for (let attempt = 0; ; attempt++) {
      const config = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: this.fn, ...(qualifier === '$LATEST' ? {} : { Qualifier: qualifier }) }));
      if (config.LastUpdateStatus === 'Failed') {
        throw new TargetNotReady(`the last update of ${what} failed: ${config.LastUpdateStatusReason ?? 'no reason given'}`);
      }
      if (config.State === 'Failed') throw new TargetNotReady(`${what} is in state Failed: ${config.StateReason ?? 'no reason given'}`);
      if (config.LastUpdateStatus !== 'InProgress' && config.State !== 'Pending') return config;
      if (attempt + 1 >= this.options.settleAttempts || budget.remainingMs() - this.options.settleDelayMs < reserve) {
        throw new TargetBusy(`${what} is still ${config.State === 'Pending' ? 'Pending' : 'updating (LastUpdateStatus InProgress)'} after ${attempt + 1} checks; the step will retry`);
      }
      await sleep(this.options.settleDelayMs);
    }
  }

  /**
   * Lambda weights an alias between two versions only when they have the same
   * execution role and dead-letter queue configuration: a canary between
   * versions that differ would fail at its first step, after the lock and the
   * smoke test, so it is refused here, before any traffic moves.
   */
  public async assertWeightable(blue: string, green: string): Promise<void> {
    const [b, g] = await Promise.all(
      [blue, green].map((q) => this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: this.fn, Qualifier: q }))),
    );
    const differences = [
      ...(b.Role !== g.Role ? [`execution role (blue ${b.Role}, green ${g.Role})`] : []),
      ...((b.DeadLetterConfig?.TargetArn ?? '') !== (g.DeadLetterConfig?.TargetArn ?? '')
        ? [`dead-letter queue (blue ${b.DeadLetterConfig?.TargetArn || 'none'}, green ${g.DeadLetterConfig?.TargetArn || 'none'})`]
        : []),
    ];
    if (differences.length > 0) {
      throw new IncompatibleCanaryVersions(
        `a canary needs an alias weighted between versions ${blue} and ${green} of ${this.fn}, and Lambda allows that only with the same execution role and dead-letter queue configuration; they differ in ${differences.join(' and ')}: make $LATEST match blue, or release all at once`,
      );
    }
  }

  /** A RevisionId / CodeSha256 mismatch means someone changed the function under us. */
  public async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      // A stale RevisionId is PreconditionFailedException; a CodeSha256 that no longer matches $LATEST is InvalidParameterValueException.
      const message = (err as Error)?.message ?? '';
      if (errorName(err) === 'PreconditionFailedException' || (errorName(err) === 'InvalidParameterValueException' && /CodeSHA256/i.test(message))) {
        throw new ConcurrentModification(`${this.fn} changed while Cutover was updating it (${(err as Error).message}); the step will retry`, {
          cause: err,
        });
      }
      // Someone else's update started between our check and our call: wait for it on the retry.
      if (isBusyConflict(err)) throw new TargetBusy(`${this.fn} is busy (${message}); the step will retry`, { cause: err });
      throw err;
    }
  }
}

/**
 * The release alarms on one Lambda version: error rate (metric math), p95
 * duration, and output-schema failures (the EMF metric of the output-schema
 * middleware, dimension ExecutedVersion). `dims` picks the version's metrics:
 * ExecutedVersion under an alias, or Resource `name:version` for direct invocations.
 */
export function lambdaReleaseAlarms(
  release: ReleaseContext,
  fn: string,
  version: string,
  dims: { Name: string; Value: string }[],
  t: AlarmThresholds,
): PutMetricAlarmCommandInput[] {
  const { name, common, metric } = releaseAlarmParts(release, t, 'AWS/Lambda', dims);
  return [
    {
      ...common,
      AlarmName: name('error-rate'),
      AlarmDescription: `Cutover ${release.id}: errors / invocations of ${fn} version ${version} above ${t.errorRateThreshold}`,
      Threshold: t.errorRateThreshold,
      Metrics: [
        metric('errors', 'Errors', 'Sum'),
        metric('invocations', 'Invocations', 'Sum'),
        { Id: 'rate', Expression: 'errors / invocations', Label: 'error rate', ReturnData: true },
      ],
    },
    {
      ...common,
      AlarmName: name('p95-latency'),
      AlarmDescription: `Cutover ${release.id}: p95 duration of ${fn} version ${version} above ${t.latencyP95Ms} ms`,
      Threshold: t.latencyP95Ms,
      Period: t.periodSeconds,
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Dimensions: dims,
      ExtendedStatistic: 'p95',
    },
    {
      ...common,
      AlarmName: name('output-schema'),
      AlarmDescription: `Cutover ${release.id}: outputs of ${fn} version ${version} that break the output schema`,
      Threshold: 0,
      Period: t.periodSeconds,
      Namespace: 'Cutover',
      MetricName: 'OutputSchemaValidationFailures',
      Dimensions: [
        { Name: 'FunctionName', Value: fn },
        { Name: 'ExecutedVersion', Value: version },
      ],
      Statistic: 'Sum',
    },
  ];
}
