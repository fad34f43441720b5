/**
 * Release events and notifications as CloudFormation: the SNS topic for
 * people (KMS, SSL only), the rule from the release events to it with a
 * plain-text input transformer, e-mail subscriptions; and, in the
 * orchestrator, the bus the handlers publish to (env + IAM on that bus only).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NOTIFICATION_TEMPLATE, ReleaseNotifications, TASK_FUNCTIONS } from '../../infra';
import { ACCOUNT, REGION, allStatements, functionOf, orchestratorStack } from './helpers';

const EXECUTIONS_PREFIX = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:states:${REGION}:${ACCOUNT}:execution:cutover-release:`]] };

function stack() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Notify', { env: { account: ACCOUNT, region: REGION } });
}

describe('ReleaseNotifications', () => {
  it('builds a KMS-encrypted, SSL-only topic and a rule from every release state change of the state machine to it, as plain text', () => {
    // Prepare
    const s = stack();
    // Act
    const n = new ReleaseNotifications(s, 'People', { emails: ['oncall@example.com'] });
    const template = Template.fromStack(s);
    // Assess
    const topic = s.getLogicalId(n.topic.node.defaultChild as never);
    const key = s.getLogicalId(n.key!.node.defaultChild as never);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topic } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: {
        source: ['cutover'],
        'detail-type': ['Cutover Release State Change'],
        resources: [{ prefix: EXECUTIONS_PREFIX }],
        detail: { state: ['started', 'switched', 'rolled-back', 'succeeded', 'failed', 'rejected', 'decommissioned'] },
      },
      Targets: [
        {
          Arn: { Ref: topic },
          Id: Match.anyValue(),
          InputTransformer: {
            InputTemplate: NOTIFICATION_TEMPLATE,
            InputPathsMap: { state: '$.detail.state', summary: '$.detail.summary', startedBy: '$.detail.startedBy', executionArn: '$.detail.executionArn' },
          },
        },
      ],
    });
    expect(NOTIFICATION_TEMPLATE.startsWith('"')).toBe(false);
  });

  it('narrows to some states, on another bus and state machine; refuses unknown states', () => {
    // Prepare
    const s = stack();
    const bus = new events.EventBus(s, 'Bus', { eventBusName: 'releases' });
    // Act
    new ReleaseNotifications(s, 'OnCall', { eventBus: bus, stateMachineName: 'ml-release', states: ['rolled-back', 'failed'] });
    const template = Template.fromStack(s);
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: s.getLogicalId(bus.node.defaultChild as never) },
      EventPattern: Match.objectLike({ detail: { state: ['rolled-back', 'failed'] }, resources: [{ prefix: { 'Fn::Join': ['', Match.arrayWith([`:states:${REGION}:${ACCOUNT}:execution:ml-release:`])] } }] }),
    });
    expect(() => new ReleaseNotifications(s, 'Bad', { states: ['exploded' as never] })).toThrow(/states must name at least one of started, switched/);
  });

  it('notifies an existing topic without creating a topic or a key', () => {
    // Prepare
    const s = stack();
    const arn = `arn:aws:sns:${REGION}:${ACCOUNT}:team-releases`;
    // Act
    const n = new ReleaseNotifications(s, 'Team', { topic: sns.Topic.fromTopicArn(s, 'Existing', arn) });
    const template = Template.fromStack(s);
    // Assess
    expect(n.key).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: arn })] });
  });
});

describe('ReleaseOrchestrator release events', () => {
  let template: Template;
  let orchestratorStackOf: ReturnType<typeof orchestratorStack>;

  beforeAll(() => {
    orchestratorStackOf = orchestratorStack({}, { bundle: false });
    template = Template.fromStack(orchestratorStackOf.stack);
  });

  it('tells every handler the bus (CUTOVER_EVENT_BUS) and lets only the five that publish put events and the reconciler, on that bus only', () => {
    // Prepare
    const bus = `arn:<AWS::Partition>:events:${REGION}:${ACCOUNT}:event-bus/default`;
    const putters = allStatements(template).filter((s) => s.actions.some((a) => a.startsWith('events:')));
    const roleOfTask = (task: string) => (functionOf(template, task).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    // Assess
    for (const spec of TASK_FUNCTIONS) expect(functionOf(template, spec.task).Environment.Variables.CUTOVER_EVENT_BUS).toBe('default');
    expect(putters.every((s) => s.actions.join() === 'events:PutEvents' && s.resources.join() === bus)).toBe(true);
    expect(putters.map((s) => s.role).sort()).toEqual(['AcquireLock', 'ShiftTraffic', 'RollBack', 'Decommission', 'RecordOutcome', 'ReconcileRelease'].map(roleOfTask).sort());
  });

  it('creates the notifications topic and rule by default, and none with notifications: false', () => {
    // Act
    const off = Template.fromStack(orchestratorStack({ notifications: false }, { bundle: false }).stack);
    // Assess
    // Beside the reconciler's rule, which every orchestrator has.
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::Events::Rule', 2);
    expect(orchestratorStackOf.orchestrator.notifications?.topic).toBeDefined();
    off.resourceCountIs('AWS::SNS::Topic', 0);
    off.resourceCountIs('AWS::Events::Rule', 1);
  });
});
