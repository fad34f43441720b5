import { GetStageCommand, UpdateStageCommand, type APIGatewayClient, type PatchOperation, type Stage } from '@aws-sdk/client-api-gateway';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { AddPermissionCommand, GetPolicyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ConcurrentModification, TargetBusy, TargetNotReady, TrafficShiftFailed } from '../core/errors';
import { bareFunctionName, type ApiGatewayStageTarget } from '../core/release-input';
import type { Green, ReleaseContext } from '../core/release-state';
import { DEFAULT_SETTLE, errorName, lambdaReleaseAlarms, LambdaVersions, type SettleOptions } from './lambda-versions';
import type { ManagedStages } from './managed-stages';
import { releaseScopedName } from './names';
import { sameSplit, splitFor } from './split';
import type { AlarmThresholds, DecommissionResult, InvokeResult, Split, TaskBudget, TrafficRouter } from '../core/traffic-router';

/**
 * An API Gateway REST API stage whose Lambda integration calls
 * `<function>:${stageVariables.<variable>}`. Green is a published version of
 * the function (the Lambda publishing logic, shared with the alias router),
 * with the invoke permission for API Gateway; the switch is an UpdateStage
 * patch of the variable. Canary steps use the stage's canary settings: the
 * canary is pinned to the stage's current deployment and differs only by the
 * variable override, so nothing but the version changes; 100 % promotes the
 * variable and removes the canary in the same UpdateStage (atomic).
 */
export class ApiGatewayStageRouter implements TrafficRouter {
  private readonly fn: string;
  private readonly versions: LambdaVersions;
  private readonly where: string;

  public constructor(
    private readonly target: ApiGatewayStageTarget,
    private readonly apigateway: APIGatewayClient,
    private readonly lambda: LambdaClient,
    private readonly options: SettleOptions = DEFAULT_SETTLE,
    stages?: ManagedStages,
  ) {
    this.fn = bareFunctionName(target.functionName);
    this.versions = new LambdaVersions(this.fn, lambda, options, stages);
    this.where = `stage ${target.restApiId}/${target.stageName} (variable ${target.variable})`;
  }

  public sharedResource(): string {
    return this.versions.latest;
  }

  public async prepare(release: ReleaseContext, budget?: TaskBudget): Promise<Green> {
    const stage = await this.getStage();
    const blue = stage.variables?.[this.target.variable];
    if (!blue || !/^\d+$/.test(blue)) {
      throw new TargetNotReady(
        `${this.where} is ${blue === undefined ? 'not set' : `"${blue}"`}: set it to the published version of ${this.fn} the stage serves (it is the rollback target)`,
      );
    }
    const canary = canaryOf(stage, this.target.variable);
    if (canary) {
      throw new TargetNotReady(
        `stage ${this.target.restApiId}/${this.target.stageName} already has a canary (${canary.percent} % on ${this.target.variable}=${canary.version}); promote or remove it first`,
      );
    }
    const published = await this.versions.publishGreen(release, blue, this.where, budget);
    await this.allowApiGateway(release, published.green, published.greenArn, budget);
    return { blue, ...published };
  }

  public invoke(green: Green, side: 'green' | 'blue', payload: unknown): Promise<InvokeResult> {
    return this.versions.invoke(side === 'green' ? green.green : green.blue, payload);
  }

  public async setGreenPercent(green: Green, percent: number): Promise<Split> {
    const stage = await this.getStage();
    const foreign = Object.keys(splitOfStage(stage, this.target.variable)).filter((v) => v !== green.blue && v !== green.green);
    if (foreign.length > 0) {
      throw new ConcurrentModification(
        `${this.where} now routes to version ${foreign.join(', ')}, neither blue ${green.blue} nor green ${green.green}: someone else changed it`,
      );
    }
    return this.apply(green, percent, stage);
  }

  public async rollback(green: Green): Promise<Split> {
    return this.apply(green, 0, await this.getStage());
  }

  public async currentSplit(): Promise<Split> {
    return splitOfStage(await this.getStage(), this.target.variable);
  }

  public async decommission(green: Green, side: 'blue' | 'green', options: { deleteVersion: boolean }): Promise<DecommissionResult> {
    return this.versions.retireSide(green, side, await this.servedBy(side === 'blue' ? green.blue : green.green), options);
  }

  public async discardOrphans(release: ReleaseContext): Promise<DecommissionResult> {
    return this.versions.discardOrphans(release, (orphan) => this.decommission(orphan, 'green', { deleteVersion: false }));
  }

  public releaseAlarms(release: ReleaseContext, green: Green, t: AlarmThresholds): PutMetricAlarmCommandInput[] {
    // No alias, so no ExecutedVersion: API Gateway invokes the qualified ARN, which Lambda reports under Resource name:version.
    const dims = [
      { Name: 'FunctionName', Value: this.fn },
      { Name: 'Resource', Value: `${this.fn}:${green.green}` },
    ];
    return lambdaReleaseAlarms(release, this.fn, green.green, dims, t);
  }

  /** The UpdateStage patch for `percent` on green (nothing when the stage is there already), then the stage read back. */
  private async apply(green: Green, percent: number, stage: Stage): Promise<Split> {
    const want = splitFor(green, percent);
    // At 0 or 100 % a canary left on the stage (even one at the same version) is removed too.
    const leftoverCanary = (percent <= 0 || percent >= 100) && Boolean(stage.canarySettings);
    if (!sameSplit(splitOfStage(stage, this.target.variable), want) || leftoverCanary) {
      await this.apigateway.send(
        new UpdateStageCommand({
          restApiId: this.target.restApiId,
          stageName: this.target.stageName,
          patchOperations: stagePatch(stage, this.target.variable, green, percent),
        }),
      );
    }
    const now = splitOfStage(await this.getStage(), this.target.variable);
    if (!sameSplit(now, want)) throw new TrafficShiftFailed(`${this.where} shows ${JSON.stringify(now)} after asking for ${JSON.stringify(want)}`);
    return now;
  }

  /**
   * AddPermission for API Gateway on green's version, scoped to this API and
   * stage. ResourceConflictException means either "the statement id already
   * exists" (a retry: the release's own statement is there, go on) or
   * "another operation is in progress" on the function: GetPolicy tells them
   * apart, and the second is tried again while the invocation has time, then
   * TargetBusy (retried by the state machine).
   */
  private async allowApiGateway(release: ReleaseContext, version: string, versionArn: string, budget?: TaskBudget): Promise<void> {
    const [, partition, , region, account] = versionArn.split(':');
    const sid = statementIdOf(release);
    const reserve = this.options.reserveMs ?? 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.lambda.send(
          new AddPermissionCommand({
            FunctionName: this.fn,
            Qualifier: version,
            StatementId: sid,
            Action: 'lambda:InvokeFunction',
            Principal: 'apigateway.amazonaws.com',
            SourceArn: `arn:${partition}:execute-api:${region}:${account}:${this.target.restApiId}/${this.target.stageName}/*`,
          }),
        );
        return;
      } catch (err) {
        if (errorName(err) !== 'ResourceConflictException') throw err;
        if (await this.hasStatement(version, sid)) return;
        const remaining = budget ? budget.remainingMs() : Number.POSITIVE_INFINITY;
        if (attempt >= this.options.settleAttempts || remaining - this.options.settleDelayMs < reserve) {
          throw new TargetBusy(`AddPermission on ${this.fn}:${version} conflicts with another operation in progress (${(err as Error).message}); the step will retry`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, this.options.settleDelayMs));
      }
    }
  }

  /** Whether the version's resource policy already has statement `sid` (no policy at all: ResourceNotFoundException). */
  private async hasStatement(version: string, sid: string): Promise<boolean> {
    try {
      const out = await this.lambda.send(new GetPolicyCommand({ FunctionName: this.fn, Qualifier: version }));
      const policy = JSON.parse(out.Policy ?? '{}') as { Statement?: { Sid?: string }[] };
      return (policy.Statement ?? []).some((s) => s.Sid === sid);
    } catch (err) {
      if (errorName(err) === 'ResourceNotFoundException') return false;
      throw err;
    }
  }

  /** Who still routes to a version: this stage (variable or canary override), any alias, any other managed stage. */
  private async servedBy(version: string): Promise<string[]> {
    const stage = await this.getStage();
    const split = splitOfStage(stage, this.target.variable);
    const canary = canaryOf(stage, this.target.variable);
    const byStage = version in split || canary?.version === version ? [this.where] : [];
    return [...byStage, ...(await this.versions.routesTo(version, this.target))];
  }

  private async getStage(): Promise<Stage> {
    try {
      return await this.apigateway.send(new GetStageCommand({ restApiId: this.target.restApiId, stageName: this.target.stageName }));
    } catch (err) {
      if (errorName(err) === 'NotFoundException') {
        throw new TargetNotReady(`stage ${this.target.stageName} of REST API ${this.target.restApiId} does not exist: deploy the API to it first`, { cause: err });
      }
      throw err;
    }
  }
}

/** Lambda statement ids: letters, digits, - and _, at most 100. */
export const statementIdOf = (release: ReleaseContext) => releaseScopedName('cutover-', release.id, { max: 100, allowed: /[A-Za-z0-9_-]/ });

/** The stage's canary on `variable`: the version it overrides the variable with and its share. */
export function canaryOf(stage: Stage, variable: string): { version: string; percent: number } | undefined {
  const c = stage.canarySettings;
  if (!c) return undefined;
  return { version: c.stageVariableOverrides?.[variable] ?? stage.variables?.[variable] ?? '', percent: Math.round((c.percentTraffic ?? 0) * 100) / 100 };
}

/** The stage's split as {version: percent}: the variable gets what the canary does not. */
export function splitOfStage(stage: Stage, variable: string): Split {
  const main = stage.variables?.[variable];
  const split: Split = {};
  const canary = canaryOf(stage, variable);
  let rest = 100;
  if (canary && canary.version && canary.version !== main && canary.percent > 0) {
    split[canary.version] = canary.percent;
    rest -= canary.percent;
  }
  if (main) split[main] = Math.round(((split[main] ?? 0) + rest) * 100) / 100;
  return split;
}

/** The patch operations that put `percent` of the stage's traffic on green. */
export function stagePatch(stage: Stage, variable: string, green: Green, percent: number): PatchOperation[] {
  const set = (path: string, value: string): PatchOperation => ({ op: 'replace', path, value });
  const main = `/variables/${variable}`;
  if (percent >= 100 || percent <= 0) {
    return [set(main, percent >= 100 ? green.green : green.blue), ...(stage.canarySettings ? [{ op: 'remove' as const, path: '/canarySettings' }] : [])];
  }
  return [
    set(main, green.blue),
    // Pinned to the deployment the stage serves: the canary differs from it only by the variable.
    ...(stage.deploymentId ? [set('/canarySettings/deploymentId', stage.deploymentId)] : []),
    set(`/canarySettings/stageVariableOverrides/${variable}`, green.green),
    set('/canarySettings/percentTraffic', String(percent)),
  ];
}

