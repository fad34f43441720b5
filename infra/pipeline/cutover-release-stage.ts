import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { releaseInputSchema, type ReleaseInput } from '../../core/release-input';
import { issuesOf } from '../../core/validation';
import { DEFAULT_STATE_MACHINE_NAME } from '../defaults';
import { acknowledgeWildcardResources } from '../nag-acknowledgements';

/** CodePipeline fails a Step Functions invoke action that runs longer than this (CodePipeline quotas). */
export const PIPELINE_ACTION_TIMEOUT_SECONDS = 7 * 86_400;

export interface CutoverReleaseStageProps {
  /** The pipeline to add the stage to. */
  readonly pipeline: codepipeline.Pipeline;
  /** The Cutover state machine (`ReleaseOrchestrator.stateMachine`), in the pipeline's account and region. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The state machine's name, to scope `states:DescribeExecution` to its
   * executions started by this action (`ReleaseOrchestrator.stateMachineName`).
   * @default 'cutover-release'
   */
  readonly stateMachineName?: string;
  /**
   * The release input, as pasted in the console; checked against the release
   * input schema at synth time. `startedBy` defaults to `codepipeline`.
   * Without an `artifact`, the release publishes `$LATEST` as the pipeline
   * left it (e.g. after a CloudFormation deploy action updated the code).
   * Give either `input` or `inputFile`.
   * @default - none
   */
  readonly input?: ReleaseInput;
  /**
   * A release input file produced by an earlier action (e.g. a build writing
   * `release.json` with the new artifact URI). Set `startedBy` in it
   * (`"codepipeline"`) for the history.
   * @default - none
   */
  readonly inputFile?: codepipeline.ArtifactPath;
  /**
   * @default 'Release'
   */
  readonly stageName?: string;
  /**
   * @default 'Cutover'
   */
  readonly actionName?: string;
  /**
   * The execution (release) name is `<prefix>-<action execution id>`.
   * @default 'codepipeline'
   */
  readonly executionNamePrefix?: string;
  /**
   * Where the stage goes in the pipeline.
   * @default - after the last stage
   */
  readonly placement?: codepipeline.StagePlacement;
}

/**
 * A pipeline stage that runs a Cutover release and waits for its outcome:
 * a Step Functions invoke action (the action succeeds when the execution
 * succeeds, and fails when the release rolls back, fails or is rejected).
 * The action waits for the whole release, retention included, and
 * CodePipeline gives it at most 7 days.
 *
 * The action's role is the construct's: `states:StartExecution` and
 * `states:DescribeStateMachine` on the state machine, `states:DescribeExecution`
 * on its executions named `<prefix>-*`, and `s3:GetObject` on the pipeline's
 * artifacts when the input is a file.
 */
export class CutoverReleaseStage extends Construct {
  public readonly stage: codepipeline.IStage;
  public readonly action: actions.StepFunctionInvokeAction;
  /** The action's role (trusted by the pipeline's role only). */
  public readonly role: iam.Role;

  public constructor(scope: Construct, id: string, props: CutoverReleaseStageProps) {
    super(scope, id);
    if ((props.input === undefined) === (props.inputFile === undefined)) {
      throw new Error(`${this.node.path}: give either input (a release input) or inputFile (a release input file in an artifact)`);
    }
    const prefix = props.executionNamePrefix ?? 'codepipeline';
    // The action execution id is a UUID: 36 characters and a hyphen after the prefix.
    if (!/^[A-Za-z0-9_-]{1,43}$/.test(prefix)) {
      throw new Error(`${this.node.path}: executionNamePrefix must be 1 to 43 letters, digits, - and _ (the execution name is <prefix>-<36-character id>, at most 80); got ${JSON.stringify(prefix)}`);
    }
    const input = props.input ? checkInput(this.node.path, { startedBy: 'codepipeline', ...props.input }) : undefined;

    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachineName ?? DEFAULT_STATE_MACHINE_NAME}:${prefix}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.role = new iam.Role(this, 'ActionRole', {
      assumedBy: new iam.ArnPrincipal(props.pipeline.role.roleArn),
      description: 'Cutover: the CodePipeline action that runs a release',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'StartRelease', actions: ['states:StartExecution', 'states:DescribeStateMachine'], resources: [props.stateMachine.stateMachineArn] }),
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'FollowRelease', actions: ['states:DescribeExecution'], resources: [executions] }));
    const granted = [executions];
    if (props.inputFile) {
      const objects = props.pipeline.artifactBucket.arnForObjects('*');
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadReleaseInputFile', actions: ['s3:GetObject'], resources: [objects] }));
      props.pipeline.artifactBucket.encryptionKey?.grantDecrypt(this.role);
      granted.push(objects);
    }
    acknowledgeWildcardResources(
      this.role,
      granted,
      'The executions this action starts ("execution:<stateMachineName>:<prefix>-*": their names end with the action execution id, unknown at deploy time) ' +
        "and, when the release input is a file, the pipeline's own artifact objects (their keys are generated per run).",
    );

    this.action = new actions.StepFunctionInvokeAction({
      actionName: props.actionName ?? 'Cutover',
      stateMachine: props.stateMachine,
      stateMachineInput: input ? actions.StateMachineInput.literal(input) : fileInput(props.inputFile as codepipeline.ArtifactPath),
      executionNamePrefix: prefix,
      // Immutable: the statements above are all it gets (the action would add broader ones).
      role: this.role.withoutPolicyUpdates(),
    });
    this.stage = props.pipeline.addStage({
      stageName: props.stageName ?? 'Release',
      actions: [this.action],
      ...(props.placement ? { placement: props.placement } : {}),
    });
  }
}

/**
 * FilePath input: the action reference's `Input` is the file's path inside
 * the input artifact (e.g. `assets/input.json`); CDK's
 * `StateMachineInput.filePath()` writes `<artifact>::<path>` instead, so the
 * same three fields are given here with the path alone.
 */
function fileInput(file: codepipeline.ArtifactPath): actions.StateMachineInput {
  const value: Pick<actions.StateMachineInput, 'input' | 'inputArtifact' | 'inputType'> = { input: file.fileName, inputArtifact: file.artifact, inputType: 'FilePath' };
  return value as actions.StateMachineInput;
}

/** The input, valid for the release schema and short enough for the action's 7-day limit. */
function checkInput(owner: string, input: ReleaseInput): ReleaseInput {
  const tokens = JSON.stringify(input).includes('${Token[');
  const parsed = releaseInputSchema.safeParse(input);
  if (!tokens && !parsed.success) {
    throw new Error(`${owner}: invalid release input: ${issuesOf(parsed.error).map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
  if (parsed.success && !Token.isUnresolved(parsed.data.retention.seconds)) {
    const spec = parsed.data;
    const canary = spec.strategy.type === 'canary' ? spec.strategy.steps.length * spec.strategy.stepSeconds : 0;
    const seconds = canary + spec.bake.seconds + spec.retention.seconds;
    if (seconds >= PIPELINE_ACTION_TIMEOUT_SECONDS) {
      throw new Error(
        `${owner}: this release takes at least ${Math.round(seconds / 3600)} h (canary steps + bake + retention), over the 7 days CodePipeline waits ` +
          'for a Step Functions action: shorten retention.seconds (blue stays the rollback target only that long)',
      );
    }
  }
  return input;
}
