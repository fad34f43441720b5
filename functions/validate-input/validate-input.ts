import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { describeAlarmsNamed } from '../../core/alarm-reader';
import { InvalidReleaseInput } from '../../core/errors';
import { releaseInputSchema, targetKey, bareFunctionName, kindFacts, unjudgedWindows, type ReleaseSpec } from '../../core/release-input';
import type { ReleaseContext } from '../../core/release-state';
import { parseOrThrow } from '../../core/validation';
import { BUDGET, historyBudget, type Budget } from '../../statemachine/history-budget';
import { EXECUTION_TIMEOUT_SECONDS, timeBudget } from '../../statemachine/time-budget';
import type { ValidateInputEvent } from './schema';
import { checkContent } from './content';

export interface ValidateDeps {
  /** Orchestrator-wide defaults (CUTOVER_DEFAULTS), applied under the input. */
  defaults?: Record<string, unknown>;
  /** Functions this orchestrator may manage (CUTOVER_MANAGED_FUNCTIONS); undefined = any. */
  managedFunctions?: string[];
  /** SageMaker endpoints it may manage (CUTOVER_MANAGED_ENDPOINTS); undefined = any. */
  managedEndpoints?: string[];
  /** API Gateway stages it may manage (CUTOVER_MANAGED_STAGES); undefined = any. */
  managedStages?: { restApiId: string; stageName: string }[];
  region?: string;
  accountId?: string;
  cloudwatch?: CloudWatchClient;
  /** The owner allows releases that nothing watches (CUTOVER_ALLOW_UNWATCHED, the construct's allowUnwatchedReleases). */
  allowUnwatched?: boolean;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Defaults one level deep (bake, retention, alarms), the input winning. */
export function withDefaults(input: unknown, defaults: Record<string, unknown> | undefined): unknown {
  if (!defaults || !isPlainObject(input)) return input;
  const merged: Record<string, unknown> = { ...input };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in input)) merged[key] = value;
    else if (isPlainObject(value) && isPlainObject(input[key])) merged[key] = { ...value, ...(input[key] as object) };
  }
  return merged;
}

function reject(field: string, message: string): never {
  throw new InvalidReleaseInput(`invalid release input: ${field}: ${message}`, [{ field, message }]);
}

/** Checks the schema cannot express: this orchestrator's reach, the history budget and the execution's timeout. */
function checkReach(spec: ReleaseSpec, deps: ValidateDeps): void {
  const target = spec.target;
  if (target.kind === 'sagemaker-endpoint' && deps.managedEndpoints && !deps.managedEndpoints.includes(target.endpointName)) {
    reject(
      'target.endpointName',
      `${target.endpointName} is not managed by this orchestrator (it manages ${deps.managedEndpoints.join(', ') || 'no endpoint'}): add it to managedEndpoints in the CDK app`,
    );
  }
  if (target.kind === 'apigateway-stage' && deps.managedStages && !deps.managedStages.some((s) => s.restApiId === target.restApiId && s.stageName === target.stageName)) {
    reject(
      'target.stageName',
      `stage ${target.stageName} of REST API ${target.restApiId} is not managed by this orchestrator (it manages ${deps.managedStages.map((s) => `${s.restApiId}/${s.stageName}`).join(', ') || 'no stage'}): add it to managedStages in the CDK app`,
    );
  }
  if ('functionName' in target) checkFunctionReach(target.functionName, deps);
  const readiness = kindFacts(target.kind).readiness?.(target);
  const budget = historyBudget({ ...spec, ...(readiness ? { readiness } : {}) });
  if (budget.events > BUDGET) {
    reject(
      costliestPollField(budget),
      `these durations need about ${budget.events} execution history events (budget ${BUDGET}, hard limit 25,000): poll less often (bake.pollSeconds, retention.pollSeconds${readiness ? ', target.readyPollSeconds' : ''}) or shorten retention.seconds`,
    );
  }
  // A release that cannot end before the execution times out would time out in retention, its clean-up never run.
  const time = timeBudget({ ...spec, ...(readiness ? { readiness } : {}) });
  if (time.seconds > EXECUTION_TIMEOUT_SECONDS) {
    const [field] = Object.entries(time.parts)
      .filter(([name]) => name !== 'tasks')
      .reduce((max, entry) => (entry[1] > max[1] ? entry : max));
    const over = time.seconds - EXECUTION_TIMEOUT_SECONDS;
    const spelled = Object.entries(time.parts)
      .filter(([, seconds]) => seconds > 0)
      .map(([name, seconds]) => `${name === 'tasks' ? "the Tasks' retries at their longest" : name} ${seconds.toLocaleString('en-US')}`)
      .join(' + ');
    reject(
      field,
      `the release may take up to ${time.seconds.toLocaleString('en-US')} s (${spelled}), longer than the execution's timeout of ${EXECUTION_TIMEOUT_SECONDS.toLocaleString('en-US')} s (21 days), and would time out before its clean-up: take at least ${over.toLocaleString('en-US')} s off ${field}${field === 'strategy.stepSeconds' ? ' (all steps together)' : ''} or another phase`,
    );
  }
}

/** The poll interval whose polls cost the most events: the field a user most likely has to change. */
function costliestPollField(budget: Budget): string {
  const b = budget.breakdown;
  const byField: [string, number][] = [
    ['bake.pollSeconds', (b.canaryPolls ?? 0) + (b.bakePolls ?? 0)],
    ['retention.pollSeconds', b.retentionPolls ?? 0],
    ['target.readyPollSeconds', b.readinessPolls ?? 0],
  ];
  return byField.reduce((max, entry) => (entry[1] > max[1] ? entry : max))[0];
}

/** A Lambda function of this account and region, managed by this orchestrator. */
function checkFunctionReach(functionName: string, deps: ValidateDeps): void {
  const target = { functionName };
  const arn = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:/.exec(target.functionName);
  if (arn && deps.region && arn[1] !== deps.region) {
    reject('target.functionName', `is in region ${arn[1]} but this orchestrator runs in ${deps.region}: release it from an orchestrator in ${arn[1]}`);
  }
  if (arn && deps.accountId && arn[2] !== deps.accountId) {
    reject('target.functionName', `belongs to account ${arn[2]}, not ${deps.accountId}: Cutover releases functions of its own account`);
  }
  const name = bareFunctionName(target.functionName);
  if (deps.managedFunctions && !deps.managedFunctions.includes(name)) {
    reject(
      'target.functionName',
      `${name} is not managed by this orchestrator (it manages ${deps.managedFunctions.join(', ') || 'no function'}): add it to managedFunctions in the CDK app`,
    );
  }
}

/** The user's alarms must exist: a typo would otherwise read as "never in ALARM". */
async function checkAlarmsExist(names: string[], cloudwatch: CloudWatchClient): Promise<void> {
  const found = new Set((await describeAlarmsNamed(cloudwatch, names)).map((a) => a.AlarmName));
  const missing = names.filter((n) => !found.has(n));
  if (missing.length > 0) {
    reject('alarms.names', `no alarm named ${missing.map((m) => JSON.stringify(m)).join(', ')} in this account and region: create it or fix the name`);
  }
}

export async function validateInput(event: ValidateInputEvent, deps: ValidateDeps): Promise<{ release: ReleaseContext }> {
  const spec = parseOrThrow(releaseInputSchema, withDefaults(event.input, deps.defaults), 'release input');
  checkContent(event.input, spec);
  const unjudged = unjudgedWindows(spec);
  if (unjudged.length > 0) throw new InvalidReleaseInput(`invalid release input: ${unjudged.map((i) => `${i.field}: ${i.message}`).join('; ')}`, unjudged);
  checkReach(spec, deps);
  // With no alarm at all every poll reads Healthy: green would be judged good by nothing.
  if (!spec.alarms.releaseAlarms && spec.alarms.names.length === 0 && !deps.allowUnwatched) {
    reject(
      'alarms',
      'nothing would watch green (releaseAlarms is false and alarms.names is empty), so every check would read Healthy: keep alarms.releaseAlarms true, or name your own alarms in alarms.names (the orchestrator\'s owner may allow unwatched releases with allowUnwatchedReleases in the CDK app)',
    );
  }
  if (deps.cloudwatch && spec.alarms.names.length > 0) await checkAlarmsExist(spec.alarms.names, deps.cloudwatch);
  return {
    release: {
      id: event.execution.name,
      executionArn: event.execution.id,
      startedAt: event.execution.startTime,
      targetKey: targetKey(spec.target),
      spec,
    },
  };
}
