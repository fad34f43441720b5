import * as path from 'path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { TriggerConfig } from '../../triggers/start-release/config';
import { mapEvent } from '../../triggers/start-release/mapper';
import { BUNDLING_DEFAULTS, DEFAULT_LOG_LEVEL, FUNCTION_DEFAULTS, LOG_RETENTION, PROJECT_ROOT, TRIGGER_FUNCTION } from '../defaults';
import { acknowledge, acknowledgeWildcardResources } from '../nag-acknowledgements';
import type { CutoverLogLevel } from '../release-orchestrator';

/** Lambda allows 4 KB of environment variables in all; leave room for the others. */
const MAX_CONFIG_BYTES = 3_000;

export interface StartReleaseFunctionProps {
  /** The Cutover state machine; the function may start executions of it and do nothing else. */
  readonly stateMachine: sfn.IStateMachine;
  /** What to map (written to CUTOVER_TRIGGER_CONFIG). */
  readonly config: TriggerConfig;
  /** One line for the function's description. */
  readonly description: string;
  /**
   * `POWERTOOLS_LOG_LEVEL`.
   * @default 'INFO'
   */
  readonly logLevel?: CutoverLogLevel;
}

/**
 * The start-release Lambda function (triggers/start-release): maps an
 * EventBridge event to a release input and an execution name derived from
 * the artifact, and calls StartExecution. Its role: `states:StartExecution`
 * on the given state machine, its own log group, X-Ray.
 */
export class StartReleaseFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;

  public constructor(scope: Construct, id: string, props: StartReleaseFunctionProps) {
    super(scope, id);
    const config = JSON.stringify(props.config);
    if (Buffer.byteLength(config) > MAX_CONFIG_BYTES) {
      throw new Error(`${this.node.path}: the trigger configuration is ${Buffer.byteLength(config)} bytes, over ${MAX_CONFIG_BYTES} (Lambda environment variables are limited to 4 KB): use fewer mappings or shorter release settings`);
    }
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: LOG_RETENTION });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'StartReleases', actions: ['states:StartExecution'], resources: [props.stateMachine.stateMachineArn] }));

    this.function = new NodejsFunction(this, TRIGGER_FUNCTION.function, {
      ...FUNCTION_DEFAULTS,
      description: props.description,
      entry: path.join(PROJECT_ROOT, 'triggers', TRIGGER_FUNCTION.folder, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      role: this.role,
      logGroup,
      environment: {
        CUTOVER_STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        CUTOVER_TRIGGER_CONFIG: config,
        POWERTOOLS_SERVICE_NAME: 'cutover',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? DEFAULT_LOG_LEVEL,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      bundling: BUNDLING_DEFAULTS,
    });
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose, like the orchestrator: the handler, @middy/core 6 and the bundled SDK are built and tested for Node 22 (esbuild target node22); ' +
        'moving to a newer runtime is a deliberate, tested change rather than a silent one.',
    );
    acknowledgeWildcardResources(
      this.role,
      ['*'],
      'Only the X-Ray PutTraceSegments / PutTelemetryRecords actions added by active tracing are on "*"; X-Ray does not support resource-level permissions for them.',
    );
  }
}

/**
 * Checks a trigger configuration at synth time by running the function's own
 * mapper on a sample event per mapping: a mapping that cannot make a valid
 * release input fails `cdk synth` with the field and the fix, instead of
 * failing the first real event.
 */
export function checkMapping(owner: string, config: TriggerConfig, sampleEvent: unknown, what: string): void {
  const mapped = mapEvent(sampleEvent, config);
  if (mapped.action === 'reject') throw new Error(`${owner}: ${what} does not make a valid release input: ${mapped.reason}`);
  if (mapped.action === 'ignore') throw new Error(`${owner}: ${what} would never start a release: ${mapped.reason}`);
}
