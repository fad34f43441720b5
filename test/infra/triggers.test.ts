/**
 * The trigger constructs as CloudFormation: the EventBridge rules (pattern,
 * target, dead-letter queue), the start-release function (configuration,
 * environment, bundle) and its role (StartExecution on the state machine
 * only), and the synth-time checks of the mappings.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, AssetStaging, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ModelArtifactTrigger, ModelPackageApprovedTrigger } from '../../infra';
import { ACCOUNT, REGION, allStatements, grantsOf } from './helpers';

const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:cutover-release`;
const aiHandler = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };

function stack(bundle = false) {
  const app = new App({ context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const s = new Stack(app, 'Triggers', { env: { account: ACCOUNT, region: REGION } });
  return { app, stack: s, stateMachine: sfn.StateMachine.fromStateMachineArn(s, 'Cutover', MACHINE_ARN) };
}

const onlyResource = (template: Template, type: string) => {
  const all = Object.entries(template.findResources(type));
  expect(all).toHaveLength(1);
  return { id: all[0][0], properties: all[0][1].Properties };
};

describe('ModelArtifactTrigger', () => {
  let template: Template;
  let trigger: ModelArtifactTrigger;

  beforeAll(() => {
    // Prepare
    const { stack: s, stateMachine } = stack();
    trigger = new ModelArtifactTrigger(s, 'Artifacts', {
      stateMachine,
      bucket: s3.Bucket.fromBucketName(s, 'Models', 'my-models'),
      mappings: [
        { prefix: 'models/ai-handler/', target: aiHandler, release: { strategy: { type: 'canary', steps: [10, 50] } } },
        { prefix: 'models/ranker/', target: { ...aiHandler, functionName: 'ranker' } },
      ],
      deadLetterQueue: new sqs.Queue(s, 'Undelivered', { enforceSSL: true }),
    });
    // Act
    template = Template.fromStack(s);
  });

  it('has one rule: S3 Object Created in the bucket under the mapped prefixes → the start-release function, with a dead-letter queue', () => {
    // Prepare
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const queue = onlyResource(template, 'AWS::SQS::Queue');
    // Assess
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: ['my-models'] }, object: { key: [{ prefix: 'models/ai-handler/' }, { prefix: 'models/ranker/' }] } },
      },
      Targets: [{ Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] }, Id: Match.anyValue(), DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue.id, 'Arn'] } } }],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] } });
    expect(trigger.rule).toBeDefined();
  });

  it('configures the function: the state machine, the mappings as given (no defaults filled in), nodejs22.x on arm64', () => {
    // Prepare
    const fn = onlyResource(template, 'AWS::Lambda::Function').properties;
    // Assess
    expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    expect(fn.Environment.Variables.CUTOVER_STATE_MACHINE_ARN).toBe(MACHINE_ARN);
    expect(JSON.parse(fn.Environment.Variables.CUTOVER_TRIGGER_CONFIG)).toEqual({
      source: 's3',
      bucketName: 'my-models',
      mappings: [
        { prefix: 'models/ai-handler/', target: aiHandler, release: { strategy: { type: 'canary', steps: [10, 50] } } },
        { prefix: 'models/ranker/', target: { ...aiHandler, functionName: 'ranker' } },
      ],
    });
  });

  it('lets the function start executions of the Cutover state machine and nothing else (plus its logs and X-Ray)', () => {
    // Prepare
    const role = (onlyResource(template, 'AWS::Lambda::Function').properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const logGroup = onlyResource(template, 'AWS::Logs::LogGroup').id;
    // Assess
    expect(grantsOf(allStatements(template), role)).toEqual(
      [`states:StartExecution ${MACHINE_ARN}`, `logs:CreateLogStream <${logGroup}.Arn>`, `logs:PutLogEvents <${logGroup}.Arn>`, 'xray:PutTelemetryRecords *', 'xray:PutTraceSegments *'].sort(),
    );
  });

  it('matches every key when one prefix is empty', () => {
    // Prepare
    const { stack: s, stateMachine } = stack();
    // Act
    new ModelArtifactTrigger(s, 'All', { stateMachine, bucket: s3.Bucket.fromBucketName(s, 'B', 'one-model'), mappings: [{ prefix: '', target: aiHandler }] });
    // Assess
    Template.fromStack(s).hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { bucket: { name: ['one-model'] }, object: Match.absent() } } });
  });

  it.each([
    [{ prefix: 'models/', target: { kind: 'lambda-alias', functionName: 'ai-handler' } }, /mappings\[0\] \(prefix "models\/"\) does not make a valid release input: .*target\.alias/],
    [{ prefix: 'models/', target: aiHandler, release: { bake: { seconds: -1 } } }, /bake\.seconds/],
    [{ prefix: 'models with space/', target: aiHandler }, /artifact\.uri/],
  ])('fails synth on a mapping that cannot make a valid release input (%j)', (mapping, message) => {
    // Prepare
    const { stack: s, stateMachine } = stack();
    // Act + Assess
    expect(() => new ModelArtifactTrigger(s, 'Bad', { stateMachine, bucket: s3.Bucket.fromBucketName(s, 'B', 'my-models'), mappings: [mapping as never] })).toThrow(message);
  });

  it('fails synth without mappings, or with a prefix mapped twice', () => {
    // Prepare
    const { stack: s, stateMachine } = stack();
    const bucket = s3.Bucket.fromBucketName(s, 'B', 'my-models');
    // Act + Assess
    expect(() => new ModelArtifactTrigger(s, 'None', { stateMachine, bucket, mappings: [] })).toThrow(/at least one/);
    expect(() => new ModelArtifactTrigger(s, 'Twice', { stateMachine, bucket, mappings: [{ prefix: 'a/', target: aiHandler }, { prefix: 'a/', target: aiHandler }] })).toThrow(/mapped twice/);
  });

  it('bundles the start-release handler into a CommonJS file that loads on Node and exports `handler`', () => {
    // Prepare
    const { stack: s, stateMachine } = stack(true);
    const t = new ModelArtifactTrigger(s, 'Bundled', { stateMachine, bucket: s3.Bucket.fromBucketName(s, 'B', 'my-models'), mappings: [{ prefix: 'm/', target: aiHandler }] });
    const staging = t.startRelease.function.node.findAll().find((c): c is AssetStaging => c instanceof AssetStaging);
    const bundle = path.join(staging!.absoluteStagedPath, 'index.js');
    // Act
    const run = () =>
      execFileSync(process.execPath, ['-e', `const m = require(${JSON.stringify(bundle)}); if (typeof m.handler !== 'function') process.exit(1);`], {
        env: { ...process.env, AWS_REGION: REGION, POWERTOOLS_LOG_LEVEL: 'SILENT' },
        stdio: 'pipe',
      });
    // Assess
    expect(fs.existsSync(bundle)).toBe(true);
    expect(run).not.toThrow();
  }, 120_000);
});

describe('ModelPackageApprovedTrigger', () => {
  it('has one rule: Model Package State Change, Approved, in the groups → the start-release function configured with the target', () => {
    // Prepare
    const { stack: s, stateMachine } = stack();
    const endpoint = { kind: 'sagemaker-endpoint', endpointName: 'ticket-classifier', greenModel: { executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/sagemaker` } };
    // Act
    new ModelPackageApprovedTrigger(s, 'Registry', { stateMachine, modelPackageGroupName: ['ticket-classifier', 'ranker'], target: endpoint as never, release: { bake: { seconds: 900 } } });
    const template = Template.fromStack(s);
    // Assess
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['ticket-classifier', 'ranker'], ModelApprovalStatus: ['Approved'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn.id, 'Arn'] } })],
    });
    expect(JSON.parse(fn.properties.Environment.Variables.CUTOVER_TRIGGER_CONFIG)).toEqual({
      source: 'model-package',
      modelPackageGroupNames: ['ticket-classifier', 'ranker'],
      target: endpoint,
      release: { bake: { seconds: 900 } },
    });
    const role = (fn.properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    expect(grantsOf(allStatements(template), role).filter((g) => g.startsWith('states:'))).toEqual([`states:StartExecution ${MACHINE_ARN}`]);
  });

  it('fails synth when the target cannot take a model package', () => {
    // Prepare
    const { stack: s, stateMachine } = stack();
    // Act + Assess
    expect(() => new ModelPackageApprovedTrigger(s, 'Bad', { stateMachine, modelPackageGroupName: 'g', target: { kind: 'nope' } as never })).toThrow(/target and release does not make a valid release input: .*unknown target kind/);
  });
});
