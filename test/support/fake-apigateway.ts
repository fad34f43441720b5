import { APIGatewayClient, GetStageCommand, UpdateStageCommand, type PatchOperation } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from './fake-lambda';

/**
 * One API Gateway stage, stateful: its variables and canary settings, changed
 * by UpdateStage patch operations as API Gateway applies them (all or nothing).
 * Pair it with FakeLambda for the function behind the stage variable.
 */
export class FakeApiGateway {
  public readonly mock = mockClient(APIGatewayClient);
  public variables: Record<string, string> = {};
  public canary: { percentTraffic: number; deploymentId?: string; stageVariableOverrides: Record<string, string> } | undefined;
  public deploymentId = 'dep001';
  public patches: PatchOperation[][] = [];
  /** Called before each UpdateStage: lets a test make it fail. */
  public onUpdate: (ops: PatchOperation[]) => void = () => undefined;

  public constructor(
    public readonly restApiId = 'a1b2c3d4e5',
    public readonly stageName = 'prod',
  ) {
    this.wire();
  }

  /** The stage serving `version` through `variable`, no canary. */
  public seed(version: string, variable = 'lambda_version'): void {
    this.variables = { [variable]: version };
    this.canary = undefined;
    this.patches = [];
    this.onUpdate = () => undefined;
  }

  /** Share of traffic per version, in percent. */
  public split(variable = 'lambda_version'): Record<string, number> {
    const main = this.variables[variable]!;
    const override = this.canary?.stageVariableOverrides[variable];
    if (!this.canary || !override || override === main || this.canary.percentTraffic === 0) return { [main]: 100 };
    return { [main]: 100 - this.canary.percentTraffic, [override]: this.canary.percentTraffic };
  }

  public reset(): void {
    this.mock.reset();
    this.wire();
  }

  private stage() {
    return {
      stageName: this.stageName,
      deploymentId: this.deploymentId,
      variables: { ...this.variables },
      ...(this.canary ? { canarySettings: { ...this.canary, stageVariableOverrides: { ...this.canary.stageVariableOverrides } } } : {}),
    };
  }

  private wire(): void {
    const known = (input: { restApiId?: string; stageName?: string }) => {
      if (input.restApiId !== this.restApiId || input.stageName !== this.stageName) throw awsError('NotFoundException', 'Invalid stage identifier specified', 404);
    };
    this.mock.on(GetStageCommand).callsFake((input) => {
      known(input);
      return this.stage();
    });
    this.mock.on(UpdateStageCommand).callsFake((input) => {
      known(input);
      const ops = input.patchOperations ?? [];
      this.onUpdate(ops);
      this.patches.push(ops);
      const variables = { ...this.variables };
      let canary = this.canary ? { ...this.canary, stageVariableOverrides: { ...this.canary.stageVariableOverrides } } : undefined;
      const ensure = () => (canary ??= { percentTraffic: 0, deploymentId: this.deploymentId, stageVariableOverrides: {} });
      for (const op of ops) {
        const variable = /^\/variables\/(.+)$/.exec(op.path ?? '');
        const override = /^\/canarySettings\/stageVariableOverrides\/(.+)$/.exec(op.path ?? '');
        if (variable) variables[variable[1]!] = op.value!;
        else if (override) ensure().stageVariableOverrides[override[1]!] = op.value!;
        else if (op.path === '/canarySettings' && op.op === 'remove') canary = undefined;
        else if (op.path === '/canarySettings/percentTraffic') ensure().percentTraffic = Number(op.value);
        else if (op.path === '/canarySettings/deploymentId') ensure().deploymentId = op.value!;
        else throw awsError('BadRequestException', `Invalid patch path ${op.path}`, 400);
      }
      this.variables = variables;
      this.canary = canary;
      return this.stage();
    });
  }
}
