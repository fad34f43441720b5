/**
 * The construct library as a user's CDK app uses it: the ready CutoverStack
 * (ReleaseOrchestrator) in one stack, and in the user's own stack the
 * triggers, the notifications and a pipeline with the Cutover release stage,
 * referring to the orchestrator across stacks. The app synthesizes with the
 * cdk-nag AwsSolutions plugin registered: Cutover's constructs bring no
 * finding of their own; the user's pipeline (CDK's artifact-bucket grants)
 * is acknowledged here, by the user, as a user would.
 */
import * as fs from 'fs';
import { App, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { CutoverReleaseStage, CutoverStack, ModelArtifactTrigger, ModelPackageApprovedTrigger, ReleaseNotifications, type ReleaseOrchestrator } from '../../infra';
import { ACCOUNT, REGION } from './helpers';

const target = { kind: 'lambda-alias' as const, functionName: 'ai-handler', alias: 'production' };

/** What a user writes (README, "Use it from your CDK app"). */
class ModelDeliveryStack extends Stack {
  public readonly pipeline: codepipeline.Pipeline;

  public constructor(scope: Construct, id: string, props: StackProps & { cutover: ReleaseOrchestrator }) {
    super(scope, id, props);
    const { stateMachine, stateMachineName } = props.cutover;

    // 1. A model artifact in S3 starts a release (the bucket has EventBridge notifications on).
    new ModelArtifactTrigger(this, 'ArtifactTrigger', {
      stateMachine,
      bucket: s3.Bucket.fromBucketName(this, 'Models', 'my-models'),
      mappings: [{ prefix: 'models/ai-handler/', target, release: { strategy: { type: 'canary', steps: [10, 50] } } }],
    });
    // 2. An approved model package starts a release.
    new ModelPackageApprovedTrigger(this, 'RegistryTrigger', { stateMachine, modelPackageGroupName: 'ticket-classifier', target });
    // 3. A second topic for another team, on the same release events.
    new ReleaseNotifications(this, 'OnCall', { stateMachineName, states: ['rolled-back', 'failed'], emails: ['oncall@example.com'] });
    // 4. The pipeline's last stage runs the release and waits for its outcome.
    const logs = new s3.Bucket(this, 'PipelineLogs', { enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: new s3.Bucket(this, 'PipelineArtifacts', { enforceSSL: true, serverAccessLogsBucket: logs, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL }),
    });
    const source = new codepipeline.Artifact('Source');
    this.pipeline.addStage({
      stageName: 'Source',
      actions: [new actions.S3SourceAction({ actionName: 'Source', bucket: s3.Bucket.fromBucketName(this, 'Sources', 'my-sources'), bucketKey: 'ai-handler.zip', output: source, trigger: actions.S3Trigger.NONE })],
    });
    new CutoverReleaseStage(this, 'Release', { pipeline: this.pipeline, stateMachine, stateMachineName, input: { target, retention: { seconds: 86_400 } } });

    // The user's own pipeline: CDK grants its role and the source action read/write on the artifact bucket with wildcards.
    for (const finding of ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*', `Resource::<${this.getLogicalId(this.pipeline.artifactBucket.node.defaultChild as never)}.Arn>/*`]) {
      Validations.of(this.pipeline).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: 'CDK CodePipeline grants on its own artifact bucket (not Cutover): objects per run are unknown at deploy time.' });
    }
  }
}

const env = { account: ACCOUNT, region: REGION };
let app: App;
let cutover: CutoverStack;
let user: ModelDeliveryStack;
let pack: AwsSolutionsChecks;

beforeAll(() => {
  // Prepare
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  cutover = new CutoverStack(app, 'Cutover', { env, managedFunctions: ['ai-handler'] });
  user = new ModelDeliveryStack(app, 'ModelDelivery', { env, cutover: cutover.orchestrator });
  pack = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(pack);
}, 120_000);

describe('Cutover constructs from a separate user stack', () => {
  it('refers to the orchestrator across stacks: the state machine ARN is imported from the Cutover stack', () => {
    // Act
    const template = JSON.stringify(Template.fromStack(user).toJSON());
    // Assess
    expect(template).toContain('"Fn::ImportValue":"Cutover:ExportsOutputRefOrchestratorStateMachine');
    expect(user.dependencies.map((s) => s.stackName)).toEqual(['Cutover']);
  });

  it('has no cdk-nag finding on any Cutover construct, and none unacknowledged in either stack', () => {
    // Act
    const reports = [cutover, user].map((s) => pack.validateScope(s));
    const findings = reports.flatMap((r) => r.violations.flatMap((v) => v.violatingResources.map((res) => `${v.ruleName} ${res.constructPath}`)));
    // Assess
    expect(findings.filter((f) => / ModelDelivery\/(ArtifactTrigger|RegistryTrigger|OnCall|Release)\//.test(f))).toEqual([]);
    expect(reports.every((r) => r.success)).toBe(true);
    expect(findings.filter((f) => f.startsWith('AwsSolutions') && !/ (Cutover\/|ModelDelivery\/Pipeline\/)/.test(f))).toEqual([]);
  });

  it('synthesizes the app with the plugin registered, with an empty validation report', () => {
    // Act
    const assembly = app.synth();
    const report = JSON.parse(fs.readFileSync(`${assembly.directory}/validation-report.json`, 'utf8'));
    // Assess
    expect(report.pluginReports.filter((r: { pluginName?: string }) => r.pluginName === 'AwsSolutions')).toEqual([]);
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Cutover', 'ModelDelivery']);
  });
});
