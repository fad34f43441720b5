import { GetAliasCommand, UpdateAliasCommand, type AliasConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { ConcurrentModification, TargetNotReady, TrafficShiftFailed } from '../core/errors';
import { bareFunctionName } from '../core/release-input';
import type { Green, ReleaseContext } from '../core/release-state';
import { DEFAULT_SETTLE, errorName, lambdaReleaseAlarms, LambdaVersions, type SettleOptions } from './lambda-versions';
import type { ManagedStages } from './managed-stages';
import { sameSplit } from './split';
import type { AlarmThresholds, DecommissionResult, InvokeResult, Split, TaskBudget, TrafficRouter } from '../core/traffic-router';

type LambdaTarget = { kind: 'lambda-alias'; functionName: string; alias: string };

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

export class LambdaAliasRouter implements TrafficRouter {
  private readonly fn: string;
  private readonly alias: string;
  private readonly versions: LambdaVersions;

  public constructor(
    target: LambdaTarget,
    private readonly lambda: LambdaClient,
    options: SettleOptions = DEFAULT_SETTLE,
    stages?: ManagedStages,
  ) {
    this.fn = bareFunctionName(target.functionName);
    this.alias = target.alias;
    this.versions = new LambdaVersions(this.fn, lambda, options, stages);
  }

  public sharedResource(): string {
    return this.versions.latest;
  }

  public async prepare(release: ReleaseContext, budget?: TaskBudget): Promise<Green> {
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
    // Lambda returns the existing version when nothing changed: only ours carries our description (createdGreen).
    const published = await this.versions.publishGreen(release, blue, this.alias, budget);
    if (release.spec.strategy.type === 'canary') await this.versions.assertWeightable(blue, published.green);
    return { blue, ...published };
  }

  public async invoke(green: Green, side: 'green' | 'blue', payload: unknown): Promise<InvokeResult> {
    return this.versions.invoke(side === 'green' ? green.green : green.blue, payload);
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
    return this.versions.retireSide(green, side, await this.versions.routesTo(side === 'blue' ? green.blue : green.green), options);
  }

  public async discardOrphans(release: ReleaseContext): Promise<DecommissionResult> {
    return this.versions.discardOrphans(release, (orphan) => this.decommission(orphan, 'green', { deleteVersion: false }));
  }

  public releaseAlarms(release: ReleaseContext, green: Green, t: AlarmThresholds): PutMetricAlarmCommandInput[] {
    // Lambda publishes per-version metrics for alias invocations with these three dimensions.
    const dims = [
      { Name: 'FunctionName', Value: this.fn },
      { Name: 'Resource', Value: `${this.fn}:${this.alias}` },
      { Name: 'ExecutedVersion', Value: green.green },
    ];
    return lambdaReleaseAlarms(release, this.fn, green.green, dims, t);
  }

  /** Move the alias to the split for `percent` unless it is there already, then read it back. */
  private async apply(green: Green, percent: number, alias: AliasConfiguration): Promise<Split> {
    const want = aliasUpdateFor(green, percent);
    const wantSplit = splitOf({ FunctionVersion: want.FunctionVersion, RoutingConfig: { AdditionalVersionWeights: want.weights } });
    if (!sameSplit(splitOf(alias), wantSplit)) {
      await this.versions.call(() =>
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
}
