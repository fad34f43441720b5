import {
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { ConcurrentModification, NothingToRelease, TargetNotReady, TrafficShiftFailed } from '../errors';
import { bareFunctionName } from '../release-input';
import type { Green, ReleaseContext } from '../release-state';
import type { AlarmThresholds, DecommissionResult, InvokeResult, Split, TrafficRouter } from './types';

type LambdaTarget = { kind: 'lambda-alias'; functionName: string; alias: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function errorName(err: unknown): string {
  return (err as Error)?.name ?? '';
}

/** The alias's split as {version: percent}. */
export function splitOf(alias: AliasConfiguration): Split {
  const extra = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
  const split: Split = {};
  let rest = 100;
  for (const [version, weight] of Object.entries(extra)) {
    const pct = Math.round(weight * 10_000) / 100;
    if (pct > 0) split[version] = pct;
    rest -= pct;
  }
  if (alias.FunctionVersion) split[alias.FunctionVersion] = Math.round(rest * 100) / 100;
  return split;
}

/** What UpdateAlias must send to give green `percent` (blue keeps the rest). */
export function aliasUpdateFor(green: Green, percent: number): { FunctionVersion: string; weights: Record<string, number> } {
  if (percent >= 100) return { FunctionVersion: green.green, weights: {} };
  if (percent <= 0) return { FunctionVersion: green.blue, weights: {} };
  return { FunctionVersion: green.blue, weights: { [green.green]: percent / 100 } };
}

/** The description PublishVersion gets: how a version is known to be this release's. */
const descriptionOf = (release: ReleaseContext) => `cutover ${release.id}`;

function sameSplit(a: Split, b: Split): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => Math.abs((a[k] ?? 0) - (b[k] ?? 0)) < 0.01);
}

export class LambdaAliasRouter implements TrafficRouter {
  private readonly fn: string;
  private readonly alias: string;

  public constructor(
    target: LambdaTarget,
    private readonly lambda: LambdaClient,
    private readonly options: { settleDelayMs: number; settleAttempts: number } = { settleDelayMs: 1000, settleAttempts: 60 },
  ) {
    this.fn = bareFunctionName(target.functionName);
    this.alias = target.alias;
  }

  public async prepare(release: ReleaseContext): Promise<Green> {
    const alias = await this.getAlias();
    const blue = alias.FunctionVersion;
    if (!blue || blue === '$LATEST') {
      throw new TargetNotReady(
        `alias ${this.fn}:${this.alias} points to ${blue ?? 'nothing'}; point it at a published version first (it is the rollback target)`,
      );
    }
    const extra = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
    if (extra.length > 0) {
      throw new TargetNotReady(
        `alias ${this.fn}:${this.alias} already splits traffic with version ${extra.join(', ')}; finish or roll back that release first`,
      );
    }
    const artifact = release.spec.artifact;
    if (artifact) await this.setEnvironment(artifact.envVar, artifact.uri);
    const latest = await this.settled();
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
      throw new NothingToRelease(
        `$LATEST of ${this.fn} is identical to version ${blue}, which ${this.alias} already serves: change the code or the artifact`,
      );
    }
    const arn = published.FunctionArn!;
    return {
      blue,
      green,
      // Lambda returns the existing version when nothing changed: only ours carries our description.
      createdGreen: published.Description === description,
      greenArn: arn,
      blueArn: `${arn.slice(0, arn.lastIndexOf(':'))}:${blue}`,
      codeSha256: published.CodeSha256,
    };
  }

  public async invoke(green: Green, side: 'green' | 'blue', payload: unknown): Promise<InvokeResult> {
    const started = performance.now();
    const out = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.fn,
        Qualifier: side === 'green' ? green.green : green.blue,
        Payload: new TextEncoder().encode(JSON.stringify(payload ?? null)),
      }),
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

  public async setGreenPercent(green: Green, percent: number): Promise<Split> {
    const alias = await this.getAlias();
    const serving = Object.keys(splitOf(alias));
    const foreign = serving.filter((v) => v !== green.blue && v !== green.green);
    if (foreign.length > 0) {
      throw new ConcurrentModification(
        `alias ${this.fn}:${this.alias} now serves version ${foreign.join(', ')}, neither blue ${green.blue} nor green ${green.green}: someone else changed it`,
      );
    }
    return this.apply(green, percent, alias);
  }

  public async rollback(green: Green): Promise<Split> {
    return this.apply(green, 0, await this.getAlias());
  }

  public async currentSplit(): Promise<Split> {
    return splitOf(await this.getAlias());
  }

  public async decommission(green: Green, side: 'blue' | 'green', options: { deleteVersion: boolean }): Promise<DecommissionResult> {
    const version = side === 'blue' ? green.blue : green.green;
    const result: DecommissionResult = { removed: [], kept: [] };
    const servedBy = await this.aliasesServing(version);
    if (servedBy.length > 0) {
      result.kept.push({ what: `${this.fn}:${version}`, why: `alias ${servedBy.join(', ')} routes traffic to it` });
      return result;
    }
    // A green this release did not create belongs to someone else: leave it exactly as it is.
    if (side === 'green' && !green.createdGreen) {
      result.kept.push({ what: `${this.fn}:${version}`, why: 'this release did not create it' });
      return result;
    }
    try {
      await this.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: this.fn, Qualifier: version }));
      result.removed.push(`provisioned concurrency of ${this.fn}:${version}`);
    } catch (err) {
      if (errorName(err) !== 'ProvisionedConcurrencyConfigNotFoundException' && errorName(err) !== 'ResourceNotFoundException') throw err;
    }
    const mayDelete = side === 'green' ? green.createdGreen : options.deleteVersion;
    if (!mayDelete) {
      const why = side === 'green' ? 'this release did not create it' : 'decommission.deleteBlueVersion is false';
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

  public async discardOrphans(release: ReleaseContext): Promise<DecommissionResult> {
    const result: DecommissionResult = { removed: [], kept: [] };
    const ours: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: this.fn, Marker: marker }));
      for (const v of page.Versions ?? []) if (v.Version && v.Description === descriptionOf(release)) ours.push(v.Version);
      marker = page.NextMarker;
    } while (marker);
    for (const version of ours) {
      const r = await this.decommission({ blue: '', green: version, createdGreen: true }, 'green', { deleteVersion: false });
      result.removed.push(...r.removed);
      result.kept.push(...r.kept);
    }
    return result;
  }

  public releaseAlarms(release: ReleaseContext, green: Green, t: AlarmThresholds): PutMetricAlarmCommandInput[] {
    // Lambda publishes per-version metrics for alias invocations with these three dimensions.
    const dims = [
      { Name: 'FunctionName', Value: this.fn },
      { Name: 'Resource', Value: `${this.fn}:${this.alias}` },
      { Name: 'ExecutedVersion', Value: green.green },
    ];
    const name = (suffix: string) => `${t.prefix}${release.id}-${suffix}`;
    // With `Metrics` (metric math) PutMetricAlarm refuses a top-level Period: each MetricStat carries it.
    const common = {
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanThreshold' as const,
      // No traffic on green is not a failure of green; the bake's end judges "not proven".
      TreatMissingData: 'notBreaching',
      Tags: [{ Key: 'cutover:release', Value: release.id }],
    };
    const metric = (id: string, metricName: string, stat: string, namespace = 'AWS/Lambda', dimensions = dims) => ({
      Id: id,
      ReturnData: false,
      MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: t.periodSeconds, Stat: stat },
    });
    return [
      {
        ...common,
        AlarmName: name('error-rate'),
        AlarmDescription: `Cutover ${release.id}: errors / invocations of ${this.fn} version ${green.green} above ${t.errorRateThreshold}`,
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
        AlarmDescription: `Cutover ${release.id}: p95 duration of ${this.fn} version ${green.green} above ${t.latencyP95Ms} ms`,
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
        AlarmDescription: `Cutover ${release.id}: outputs of ${this.fn} version ${green.green} that break the output schema`,
        Threshold: 0,
        Period: t.periodSeconds,
        Namespace: 'Cutover',
        MetricName: 'OutputSchemaValidationFailures',
        Dimensions: [
          { Name: 'FunctionName', Value: this.fn },
          { Name: 'ExecutedVersion', Value: green.green },
        ],
        Statistic: 'Sum',
      },
    ];
  }

  /** Move the alias to the split for `percent` unless it is there already, then read it back. */
  private async apply(green: Green, percent: number, alias: AliasConfiguration): Promise<Split> {
    const want = aliasUpdateFor(green, percent);
    const wantSplit = splitOf({ FunctionVersion: want.FunctionVersion, RoutingConfig: { AdditionalVersionWeights: want.weights } });
    if (!sameSplit(splitOf(alias), wantSplit)) {
      await this.call(() =>
        this.lambda.send(
          new UpdateAliasCommand({
            FunctionName: this.fn,
            Name: this.alias,
            FunctionVersion: want.FunctionVersion,
            RoutingConfig: { AdditionalVersionWeights: want.weights },
            RevisionId: alias.RevisionId,
          }),
        ),
      );
    }
    const now = splitOf(await this.getAlias());
    if (!sameSplit(now, wantSplit)) {
      throw new TrafficShiftFailed(`alias ${this.fn}:${this.alias} shows ${JSON.stringify(now)} after asking for ${JSON.stringify(wantSplit)}`);
    }
    return now;
  }

  private async setEnvironment(name: string, value: string): Promise<void> {
    const config = await this.settled();
    const variables = config.Environment?.Variables ?? {};
    if (variables[name] === value) return;
    // UpdateFunctionConfiguration replaces the whole map: send the others back unchanged.
    await this.call(() =>
      this.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: this.fn,
          Environment: { Variables: { ...variables, [name]: value } },
          RevisionId: config.RevisionId,
        }),
      ),
    );
  }

  /** $LATEST once no update is in progress (PublishVersion would fail during one). */
  private async settled() {
    for (let attempt = 0; attempt < this.options.settleAttempts; attempt++) {
      const config = await this.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: this.fn }));
      if (config.LastUpdateStatus === 'Failed') {
        throw new TargetNotReady(`the last update of ${this.fn} failed: ${config.LastUpdateStatusReason ?? 'no reason given'}`);
      }
      if (config.LastUpdateStatus !== 'InProgress' && config.State !== 'Pending') return config;
      await sleep(this.options.settleDelayMs);
    }
    throw new TargetNotReady(`${this.fn} is still updating after ${this.options.settleAttempts} checks; try again later`);
  }

  private async getAlias(): Promise<AliasConfiguration> {
    try {
      return await this.lambda.send(new GetAliasCommand({ FunctionName: this.fn, Name: this.alias }));
    } catch (err) {
      if (errorName(err) === 'ResourceNotFoundException') {
        throw new TargetNotReady(`alias ${this.fn}:${this.alias} does not exist: create it on the live version first`, { cause: err });
      }
      throw err;
    }
  }

  private async aliasesServing(version: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListAliasesCommand({ FunctionName: this.fn, Marker: marker }));
      // Routed whatever its weight: a version at weight 0 is still referenced and cannot be deleted.
      for (const a of page.Aliases ?? []) {
        if (a.Name && (a.FunctionVersion === version || version in (a.RoutingConfig?.AdditionalVersionWeights ?? {}))) names.push(a.Name);
      }
      marker = page.NextMarker;
    } while (marker);
    return names;
  }

  /** A RevisionId / CodeSha256 mismatch means someone changed the function under us. */
  private async call<T>(send: () => Promise<T>): Promise<T> {
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
      throw err;
    }
  }
}
