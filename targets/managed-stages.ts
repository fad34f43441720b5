import { GetStageCommand, type APIGatewayClient } from '@aws-sdk/client-api-gateway';

/** An API Gateway stage the orchestrator manages (CUTOVER_MANAGED_STAGES). */
export interface StageRef {
  restApiId: string;
  stageName: string;
}

/** The managed stages, read on demand (only a Task that retires a version asks). */
export interface ManagedStages {
  stages: readonly StageRef[];
  apigateway: () => APIGatewayClient;
}

/**
 * The managed stages that may route to `version` of a function: a stage variable or a canary override whose
 * value is the version. Which function a variable selects is the integration's business (its URI reads
 * `…:function:<name>:${stageVariables.<variable>}`), and any match counts: keeping a version another function
 * happens to number alike costs a version, deleting one a stage still calls costs an outage. `skip` is the
 * stage a router already checks itself. A managed stage that no longer exists routes nothing.
 */
export async function stagesRoutingTo(managed: ManagedStages | undefined, version: string, skip?: StageRef): Promise<string[]> {
  const found: string[] = [];
  for (const ref of managed?.stages ?? []) {
    if (skip && ref.restApiId === skip.restApiId && ref.stageName === skip.stageName) continue;
    let stage;
    try {
      stage = await managed!.apigateway().send(new GetStageCommand({ restApiId: ref.restApiId, stageName: ref.stageName }));
    } catch (err) {
      if ((err as Error)?.name === 'NotFoundException') continue;
      throw err;
    }
    const values = [
      ...Object.entries(stage.variables ?? {}).map(([name, value]) => ({ name, value, where: 'variable' })),
      ...Object.entries(stage.canarySettings?.stageVariableOverrides ?? {}).map(([name, value]) => ({ name, value, where: 'canary override' })),
    ];
    for (const v of values.filter((x) => x.value === version)) found.push(`stage ${ref.restApiId}/${ref.stageName} (${v.where} ${v.name})`);
  }
  return found;
}

/** CUTOVER_MANAGED_STAGES as the construct writes it (a JSON list); unset: none. */
export function managedStagesFromEnv(env: NodeJS.ProcessEnv = process.env): StageRef[] {
  return env.CUTOVER_MANAGED_STAGES ? (JSON.parse(env.CUTOVER_MANAGED_STAGES) as StageRef[]) : [];
}
