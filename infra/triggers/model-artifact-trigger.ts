import { TRIGGER_FUNCTION } from '../defaults';
import { Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ReleaseTemplate, S3TriggerConfig, TargetInput } from '../../triggers/start-release/config';
import type { CutoverLogLevel } from '../release-orchestrator';
import { checkMapping, StartReleaseFunction } from './start-release-function';

/** Objects under `prefix` are releases of `target`. */
export interface ModelArtifactMapping {
  /**
   * Key prefix, e.g. `models/ai-handler/`. The longest matching prefix wins; '' matches every key.
   */
  readonly prefix: string;
  /** What to release, as in the release input, e.g. `{ kind: 'lambda-alias', functionName: 'ai-handler', alias: 'production' }`. */
  readonly target: TargetInput;
  /**
   * Release settings (strategy, smoke test, bake, retention, alarms, …; `artifact.envVar`).
   * The artifact URI and `startedBy` come from the event.
   * @default - the orchestrator's defaults
   */
  readonly release?: ReleaseTemplate;
}

export interface ModelArtifactTriggerProps {
  /** The Cutover state machine (`ReleaseOrchestrator.stateMachine`). */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The model-artifact bucket. Its EventBridge notifications must be on
   * (`eventBridgeEnabled: true` on an `s3.Bucket`, or "Amazon EventBridge: On"
   * in the console): S3 then sends `Object Created` to the default bus.
   */
  readonly bucket: s3.IBucket;
  /** At least one prefix → target mapping. */
  readonly mappings: ModelArtifactMapping[];
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
 * Starts a release when a model artifact lands in S3: an EventBridge rule on
 * `Object Created` under the mapped prefixes invokes the start-release
 * function, which starts the Cutover state machine with the artifact URI and
 * an execution name derived from bucket, key and version (or ETag), so a
 * duplicated event never starts a second release.
 */
export class ModelArtifactTrigger extends Construct {
  public readonly rule: events.Rule;
  public readonly startRelease: StartReleaseFunction;

  public constructor(scope: Construct, id: string, props: ModelArtifactTriggerProps) {
    super(scope, id);
    if (!props.mappings?.length) throw new Error(`${this.node.path}: mappings must list at least one { prefix, target }`);
    const bucketName = props.bucket.bucketName;
    const config: S3TriggerConfig = {
      source: 's3',
      ...(Token.isUnresolved(bucketName) ? {} : { bucketName }),
      mappings: props.mappings.map((m) => ({
        prefix: m.prefix,
        target: m.target as Record<string, unknown>,
        ...(m.release ? { release: m.release as Record<string, unknown> } : {}),
      })),
    };
    const prefixes = new Set<string>();
    for (const [i, m] of props.mappings.entries()) {
      if (Token.isUnresolved(m.prefix)) throw new Error(`${this.node.path}: mappings[${i}].prefix must be a plain string (it is part of the rule's event pattern)`);
      if (prefixes.has(m.prefix)) throw new Error(`${this.node.path}: mappings[${i}].prefix ${JSON.stringify(m.prefix)} is mapped twice`);
      prefixes.add(m.prefix);
      const sample = {
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { bucket: { name: config.bucketName ?? 'bucket' }, object: { key: `${m.prefix}model.bin`, etag: 'd41d8cd98f00b204e9800998ecf8427e' } },
      };
      checkMapping(this.node.path, { ...config, mappings: [config.mappings[i]] }, sample, `mappings[${i}] (prefix ${JSON.stringify(m.prefix)})`);
    }

    this.startRelease = new StartReleaseFunction(this, TRIGGER_FUNCTION.construct, {
      stateMachine: props.stateMachine,
      config,
      description: `Cutover: start a release when a model artifact lands in ${Token.isUnresolved(bucketName) ? 'the model bucket' : bucketName}`,
      logLevel: props.logLevel,
    });
    const everyKey = prefixes.has('');
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Cutover: S3 Object Created under a mapped prefix starts a release',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucketName] },
          ...(everyKey ? {} : { object: { key: [...prefixes].map((prefix) => ({ prefix })) } }),
        },
      },
      targets: [new targets.LambdaFunction(this.startRelease.function, { ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}) })],
    });
  }
}
