import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { RELEASE_EVENT_DETAIL_TYPE, RELEASE_EVENT_SOURCE, releaseEventStates, type ReleaseEventState } from '../../core/events';

/**
 * Notifications for people: an SNS topic and an EventBridge rule that sends
 * it a readable line for each Cutover Release State Change of one
 * orchestrator (matched by its execution ARNs), e.g.
 *
 *   Cutover rolled-back: lambda-alias:ai-handler:production release v2-… rolled back: green 7 at 0 %, blue 6 at 100 %. alarm: …
 *   Started by eventbridge:s3 s3://my-models/ai-handler/v2.json
 *   Execution arn:aws:states:…:execution:cutover-release:v2-…
 *
 * Subscribe people with `emails` (they confirm by e-mail), or subscribe
 * anything else to `topic` (chat webhooks via AWS Chatbot, an SQS queue, …).
 */
export interface ReleaseNotificationsProps {
  /**
   * The bus the release events are published on.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Only releases of this state machine (its executions' ARNs) are notified.
   * @default 'cutover-release'
   */
  readonly stateMachineName?: string;
  /**
   * Which states notify.
   * @default - all of them: started, switched, rolled-back, succeeded, failed, rejected, decommissioned
   */
  readonly states?: ReleaseEventState[];
  /**
   * E-mail addresses to subscribe (each gets a confirmation e-mail first).
   * @default - none
   */
  readonly emails?: string[];
  /**
   * A topic of yours to notify instead of a new one (it must allow
   * events.amazonaws.com to publish; an encrypted topic's key must allow it too).
   * @default - a new topic, encrypted with `masterKey`, SSL-only
   */
  readonly topic?: sns.ITopic;
  /**
   * The KMS key of the new topic (the rule's SnsTopic target adds
   * events.amazonaws.com to its key policy; an imported key's policy must allow it already).
   * @default - a new customer-managed key with rotation (an AWS-managed
   * `alias/aws/sns` key cannot be used: EventBridge could not publish)
   */
  readonly masterKey?: kms.IKey;
}

/** The plain-text message (a JSON template would arrive as a quoted JSON string). */
export const NOTIFICATION_TEMPLATE = 'Cutover <state>: <summary>\nStarted by <startedBy>\nExecution <executionArn>';
export const NOTIFICATION_PATHS: Record<string, string> = {
  state: '$.detail.state',
  summary: '$.detail.summary',
  startedBy: '$.detail.startedBy',
  executionArn: '$.detail.executionArn',
};

/** An input transformer with a text template (CDK's fromText would wrap it in JSON quotes). */
class PlainTextInput extends events.RuleTargetInput {
  public constructor(
    private readonly template: string,
    private readonly paths: Record<string, string>,
  ) {
    super();
  }

  public bind(): events.RuleTargetInputProperties {
    return { inputTemplate: this.template, inputPathsMap: this.paths };
  }
}

export class ReleaseNotifications extends Construct {
  /** The topic people subscribe to. */
  public readonly topic: sns.ITopic;
  /** The rule from the release events to the topic. */
  public readonly rule: events.Rule;
  /** The topic's key, when the construct created the topic. */
  public readonly key?: kms.IKey;

  public constructor(scope: Construct, id: string, props: ReleaseNotificationsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const states = props.states ?? [...releaseEventStates];
    const unknown = states.filter((s) => !(releaseEventStates as readonly string[]).includes(s));
    if (states.length === 0 || unknown.length > 0) {
      throw new Error(`ReleaseNotifications: states must name at least one of ${releaseEventStates.join(', ')}; got ${JSON.stringify(states)}`);
    }

    if (props.topic) {
      this.topic = props.topic;
    } else {
      const key =
        props.masterKey ??
        new kms.Key(this, 'TopicKey', {
          description: 'Cutover release notifications (SNS topic encryption)',
          enableKeyRotation: true,
        });
      // The SnsTopic target grants events.amazonaws.com sns:Publish and the key (kms:Decrypt, GenerateDataKey*).
      this.key = key;
      this.topic = new sns.Topic(this, 'Topic', { displayName: 'Cutover releases', masterKey: key, enforceSSL: true });
    }
    for (const email of props.emails ?? []) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.stateMachineName ?? 'cutover-release'}:`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Cutover: release state changes to the people who follow releases (SNS)',
      eventBus: props.eventBus,
      eventPattern: {
        source: [RELEASE_EVENT_SOURCE],
        detailType: [RELEASE_EVENT_DETAIL_TYPE],
        resources: events.Match.prefix(executions),
        detail: { state: states },
      },
      targets: [new targets.SnsTopic(this.topic, { message: new PlainTextInput(NOTIFICATION_TEMPLATE, NOTIFICATION_PATHS) })],
    });
  }
}
