/**
 * The CodePipeline stage as CloudFormation: a Step Functions invoke action
 * on the Cutover state machine (literal input, or a file from an artifact),
 * its own role scoped to this state machine's executions, and the synth-time
 * checks of the input.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { CutoverReleaseStage } from '../../infra';
import { ACCOUNT, REGION, allStatements, grantsOf } from './helpers';

const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:cutover-release`;
const EXECUTIONS = `arn:<AWS::Partition>:states:${REGION}:${ACCOUNT}:execution:cutover-release:codepipeline-*`;
const target = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };

/** A pipeline with a source stage (S3), as a user's would have. */
function pipelineStack() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Delivery', { env: { account: ACCOUNT, region: REGION } });
  const source = new codepipeline.Artifact('Source');
  const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', { pipelineType: codepipeline.PipelineType.V2 });
  pipeline.addStage({
    stageName: 'Source',
    actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: s3.Bucket.fromBucketName(stack, 'Sources', 'my-sources'), bucketKey: 'ai-handler.zip', output: source, trigger: actions.S3Trigger.NONE })],
  });
  const stateMachine = sfn.StateMachine.fromStateMachineArn(stack, 'Cutover', MACHINE_ARN);
  return { stack, pipeline, source, stateMachine };
}

const stageOf = (template: Template, name: string) => {
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  return (pipeline.Properties.Stages as { Name: string; Actions: Record<string, any>[] }[]).find((s) => s.Name === name);
};

describe('CutoverReleaseStage', () => {
  it('adds a stage whose Step Functions invoke action starts a release with the literal input and waits for it', () => {
    // Prepare
    const { stack, pipeline, stateMachine } = pipelineStack();
    // Act
    const stage = new CutoverReleaseStage(stack, 'Release', { pipeline, stateMachine, input: { target, strategy: { type: 'canary', steps: [10] }, retention: { seconds: 86_400 } } });
    const template = Template.fromStack(stack);
    // Assess
    const release = stageOf(template, 'Release');
    expect(release?.Actions).toHaveLength(1);
    const [action] = release!.Actions;
    expect(action).toMatchObject({
      Name: 'Cutover',
      ActionTypeId: { Category: 'Invoke', Owner: 'AWS', Provider: 'StepFunctions', Version: '1' },
      Configuration: { StateMachineArn: MACHINE_ARN, InputType: 'Literal', ExecutionNamePrefix: 'codepipeline' },
      RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ReleaseActionRole/), 'Arn'] },
    });
    expect(JSON.parse(action.Configuration.Input)).toEqual({ startedBy: 'codepipeline', target, strategy: { type: 'canary', steps: [10] }, retention: { seconds: 86_400 } });
    expect(stage.stage.stageName).toBe('Release');
  });

  it('gives the action role only StartExecution/DescribeStateMachine on the machine and DescribeExecution on its codepipeline-* executions; the pipeline role may assume it', () => {
    // Prepare
    const { stack, pipeline, stateMachine } = pipelineStack();
    // Act
    const stage = new CutoverReleaseStage(stack, 'Release', { pipeline, stateMachine, input: { target } });
    const template = Template.fromStack(stack);
    const statements = allStatements(template);
    const actionRole = stack.getLogicalId(stage.role.node.defaultChild as never);
    const pipelineRole = stack.getLogicalId(pipeline.role.node.defaultChild as never);
    // Assess
    expect(grantsOf(statements, actionRole)).toEqual([`states:DescribeExecution ${EXECUTIONS}`, `states:DescribeStateMachine ${MACHINE_ARN}`, `states:StartExecution ${MACHINE_ARN}`]);
    expect(grantsOf(statements, pipelineRole)).toContain(`sts:AssumeRole <${actionRole}.Arn>`);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [pipelineRole, 'Arn'] } } }] },
      Description: 'Cutover: the CodePipeline action that runs a release',
    });
  });

  it('reads the release input from a file in an artifact (InputType FilePath), with s3:GetObject on the pipeline artifacts', () => {
    // Prepare
    const { stack, pipeline, source, stateMachine } = pipelineStack();
    // Act
    const stage = new CutoverReleaseStage(stack, 'Release', { pipeline, stateMachine, inputFile: source.atPath('release.json'), stageName: 'Cutover', executionNamePrefix: 'ai-handler' });
    const template = Template.fromStack(stack);
    // Assess
    const [action] = stageOf(template, 'Cutover')!.Actions;
    expect(action.Configuration).toMatchObject({ InputType: 'FilePath', Input: 'release.json', ExecutionNamePrefix: 'ai-handler' });
    expect(action.InputArtifacts).toEqual([{ Name: 'Source' }]);
    const grants = grantsOf(allStatements(template), stack.getLogicalId(stage.role.node.defaultChild as never));
    expect(grants).toContain(`states:DescribeExecution ${EXECUTIONS.replace('codepipeline-*', 'ai-handler-*')}`);
    expect(grants.filter((g) => g.startsWith('s3:'))).toEqual([expect.stringMatching(/^s3:GetObject <PipelineArtifactsBucket\w+\.Arn>\/\*$/)]);
  });

  it.each([
    [{ input: { target: { kind: 'lambda-alias', functionName: 'ai-handler' } } }, /invalid release input: target\.alias/],
    [{ input: { target, retention: { seconds: 7 * 86_400 } } }, /over the 7 days CodePipeline waits/],
    [{}, /either input .* or inputFile/],
    [{ input: { target }, executionNamePrefix: 'has space' }, /executionNamePrefix/],
  ])('fails synth on %j', (props, message) => {
    // Prepare
    const { stack, pipeline, stateMachine } = pipelineStack();
    // Act + Assess
    expect(() => new CutoverReleaseStage(stack, 'Release', { pipeline, stateMachine, ...(props as object) })).toThrow(message);
  });
});
