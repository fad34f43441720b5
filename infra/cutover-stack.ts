import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ReleaseOrchestrator, type GoldenSetLocation, type ReleaseOrchestratorProps } from './release-orchestrator';

export interface CutoverStackProps extends StackProps {
  /**
   * Names of the functions Cutover may release.
   * @default - context `managedFunctions` (comma-separated), else ['ai-handler']
   */
  readonly managedFunctions?: string[];
  /**
   * Where golden sets live.
   * @default - context `goldenSetBuckets` (comma-separated `bucket` or `bucket/prefix`), else none
   */
  readonly goldenSetBuckets?: GoldenSetLocation[];
  /**
   * Everything else the orchestrator takes.
   * @default - the construct's defaults
   */
  readonly orchestrator?: Omit<ReleaseOrchestratorProps, 'managedFunctions' | 'goldenSetBuckets'>;
}

/** A ready stack: one ReleaseOrchestrator for the functions named in the context. */
export class CutoverStack extends Stack {
  public readonly orchestrator: ReleaseOrchestrator;

  public constructor(scope: Construct, id: string, props: CutoverStackProps = {}) {
    super(scope, id, { description: 'Cutover: blue-green releases for AI services (Step Functions + Lambda)', ...props });
    this.orchestrator = new ReleaseOrchestrator(this, 'Orchestrator', {
      ...props.orchestrator,
      managedFunctions: props.managedFunctions ?? listContext(this, 'managedFunctions') ?? ['ai-handler'],
      goldenSetBuckets: props.goldenSetBuckets ?? listContext(this, 'goldenSetBuckets')?.map(parseLocation),
      // `-c managedEndpoints=ai-endpoint`, `-c managedStages=a1b2c3d4e5/prod`
      managedEndpoints: props.orchestrator?.managedEndpoints ?? listContext(this, 'managedEndpoints'),
      managedStages: props.orchestrator?.managedStages ?? listContext(this, 'managedStages')?.map(parseStage),
      // `-c sagemakerExecutionRoleArns=arn:aws:iam::123456789012:role/model-role`: the roles releases may pass to SageMaker.
      sagemakerExecutionRoleArns: props.orchestrator?.sagemakerExecutionRoleArns ?? listContext(this, 'sagemakerExecutionRoleArns'),
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.orchestrator.stateMachine.stateMachineArn });
    new CfnOutput(this, 'LedgerTableName', { value: this.orchestrator.table.tableName });
    if (this.orchestrator.notifications) {
      new CfnOutput(this, 'NotificationsTopicArn', { value: this.orchestrator.notifications.topic.topicArn, description: 'SNS topic of the release notifications: subscribe to it' });
    }
  }
}

/** A context value given as `a,b` on the command line or as a JSON array in cdk.json. */
function listContext(scope: Construct, key: string): string[] | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  const list = items.map((s) => s.trim()).filter((s) => s.length > 0);
  return list.length > 0 ? list : undefined;
}

/** `restApiId/stageName`. */
function parseStage(value: string): { restApiId: string; stageName: string } {
  const [restApiId = '', stageName = ''] = value.split('/');
  return { restApiId, stageName };
}

/** `bucket` or `bucket/prefix` (an `s3://` scheme is tolerated). */
function parseLocation(value: string): GoldenSetLocation {
  const bare = value.replace(/^s3:\/\//, '');
  const slash = bare.indexOf('/');
  return slash < 0 ? { bucketName: bare } : { bucketName: bare.slice(0, slash), prefix: bare.slice(slash + 1) };
}
