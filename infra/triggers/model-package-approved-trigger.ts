import { TRIGGER_FUNCTION } from '../defaults';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ModelPackageTriggerConfig, ReleaseTemplate, TargetInput } from '../../triggers/start-release/config';
import type { CutoverLogLevel } from '../release-orchestrator';
import { checkMapping, StartReleaseFunction } from './start-release-function';

export interface ModelPackageApprovedTriggerProps {
  /** The Cutover state machine (`ReleaseOrchestrator.stateMachine`). */
  readonly stateMachine: sfn.IStateMachine;
  /** The SageMaker model package group(s) whose approved versions are released. */
  readonly modelPackageGroupName: string | string[];
  /**
   * What to release, as in the release input. A `sagemaker-endpoint` target
   * gets the package's model data URL (and image, unless the target names one)
   * as `greenModel`; other targets get the model data URL as `artifact.uri`.
   */
  readonly target: TargetInput;
  /**
   * Release settings (strategy, smoke test, bake, retention, alarms, …).
   * @default - the orchestrator's defaults
   */
  readonly release?: ReleaseTemplate;
  /**
   * Where events go that could not be delivered to the start-release function.
   * @default - none (EventBridge retries for 24 h, then drops the event)
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Log level of the start-release function.
   * @default 'INFO'
   */
  readonly logLevel?: CutoverLogLevel;
}

/**
 * Starts a release when a model package version is approved in the SageMaker
 * Model Registry: an EventBridge rule on `SageMaker Model Package State
 * Change` with `ModelApprovalStatus: Approved` for the group(s) invokes the
 * start-release function; the execution is named after the package version,
 * so a repeated state change (a description edit, a re-delivery) never starts
 * a second release of the same version.
 */
export class ModelPackageApprovedTrigger extends Construct {
  public readonly rule: events.Rule;
  public readonly startRelease: StartReleaseFunction;

  public constructor(scope: Construct, id: string, props: ModelPackageApprovedTriggerProps) {
    super(scope, id);
    const groups = Array.isArray(props.modelPackageGroupName) ? [...props.modelPackageGroupName] : [props.modelPackageGroupName];
    if (groups.length === 0) throw new Error(`${this.node.path}: modelPackageGroupName must name at least one model package group`);
    const config: ModelPackageTriggerConfig = {
      source: 'model-package',
      modelPackageGroupNames: groups,
      target: props.target as Record<string, unknown>,
      ...(props.release ? { release: props.release as Record<string, unknown> } : {}),
    };
    const sample = {
      source: 'aws.sagemaker',
      'detail-type': 'SageMaker Model Package State Change',
      detail: {
        ModelPackageGroupName: groups[0],
        ModelPackageVersion: 1,
        ModelPackageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groups[0]}/1`,
        ModelApprovalStatus: 'Approved',
        InferenceSpecification: { Containers: [{ Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1', ModelDataUrl: 's3://bucket/model.tar.gz' }] },
      },
    };
    checkMapping(this.node.path, config, sample, 'target and release');

    this.startRelease = new StartReleaseFunction(this, TRIGGER_FUNCTION.construct, {
      stateMachine: props.stateMachine,
      config,
      description: `Cutover: start a release when a model package of ${groups.join(', ')} is approved`.slice(0, 256),
      logLevel: props.logLevel,
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Cutover: an approved SageMaker model package version starts a release',
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: groups, ModelApprovalStatus: ['Approved'] },
      },
      targets: [new targets.LambdaFunction(this.startRelease.function, { ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}) })],
    });
  }
}
