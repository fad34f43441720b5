/**
 * IAM statements of each handler, built from the permission kinds in
 * defaults.ts. One place to read what each function may do; every statement is
 * scoped to a resource of this orchestrator or of the functions it manages,
 * except the read-only `cloudwatch:DescribeAlarms`, which has no resource-level
 * permissions.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { LedgerAction, Permission } from './defaults';

/** The ARNs the statements are scoped to. */
export interface PermissionScope {
  /** The ledger table. */
  readonly tableArn: string;
  /** `arn:…:states:<region>:<account>:execution:<stateMachineName>:*`. */
  readonly executionsArn: string;
  /** Unqualified ARNs of the managed functions (`…:function:NAME`). */
  readonly functionArns: readonly string[];
  /** Their versions and aliases (`…:function:NAME:*`). */
  readonly functionVersionArns: readonly string[];
  /** `arn:…:cloudwatch:<region>:<account>:alarm:<alarmPrefix>*`. */
  readonly releaseAlarmsArn: string;
  /** `arn:…:s3:::<bucket>/<prefix>*`, one per golden-set location (may be empty). */
  readonly goldenSetObjectArns: readonly string[];
  /** The event bus release events go to (`arn:…:events:<region>:<account>:event-bus/<name>`). */
  readonly eventBusArn: string;
  /** SageMaker: the managed endpoints (`…:endpoint/<name>`, lower case as SageMaker writes ARNs); empty: no SageMaker permission at all. */
  readonly endpointArns?: readonly string[];
  /** SageMaker: the endpoint configs and models Cutover creates (`…:endpoint-config/cutover-*`, `…:model/cutover-*`). */
  readonly releaseEndpointConfigsArn?: string;
  readonly releaseModelsArn?: string;
  /** SageMaker: any endpoint config / model, for the read-only Describe calls (blue's config and an existing model are named by the user). */
  readonly anyEndpointConfigArn?: string;
  readonly anyModelArn?: string;
  /** IAM roles SageMaker may be handed for the models Cutover creates (iam:PassRole). */
  readonly modelRoleArns?: readonly string[];
  /** API Gateway: the managed stages (`arn:…:apigateway:<region>::/restapis/<id>/stages/<stage>`); empty: no API Gateway permission. */
  readonly stageArns?: readonly string[];
}

/** Read-only actions granted on `*` because the service has no resource-level permissions for them. */
export const READ_ONLY_ACTIONS_ON_ANY_RESOURCE = ['cloudwatch:DescribeAlarms'] as const;

const statement = (sid: string, actions: string[], resources: readonly string[]): iam.PolicyStatement =>
  new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources: [...resources] });

/** One statement for the ledger item actions (none when there are none). */
export function ledgerStatements(actions: readonly LedgerAction[], scope: PermissionScope): iam.PolicyStatement[] {
  return actions.length === 0 ? [] : [statement('Ledger', actions.map((a) => `dynamodb:${a}`), [scope.tableArn])];
}

/** The statements for one permission kind (none when it has nothing to scope to, e.g. Lambda with no managed function). */
export function statementsFor(permission: Permission, scope: PermissionScope): iam.PolicyStatement[] {
  return scopedStatementsFor(permission, scope).filter((s) => s.resources.length > 0);
}

function scopedStatementsFor(permission: Permission, scope: PermissionScope): iam.PolicyStatement[] {
  const both = [...scope.functionArns, ...scope.functionVersionArns];
  switch (permission) {
    case 'sfn:describe-own-executions':
      return [statement('DescribeOwnExecutions', ['states:DescribeExecution'], [scope.executionsArn])];
    case 'sfn:read-own-history':
      return [statement('ReadOwnExecutionHistory', ['states:GetExecutionHistory'], [scope.executionsArn])];
    case 'lambda:prepare':
      return [
        statement('ReadManagedFunctions', ['lambda:GetFunctionConfiguration', 'lambda:GetAlias', 'lambda:ListVersionsByFunction'], both),
        // $LATEST is the unqualified function: configuration and publishing never touch a version.
        statement('PublishGreenVersion', ['lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion'], scope.functionArns),
      ];
    case 'lambda:invoke-versions':
      return [statement('InvokeManagedVersions', ['lambda:InvokeFunction'], scope.functionVersionArns)];
    case 'lambda:shift':
      return [statement('ShiftManagedAliases', ['lambda:GetAlias', 'lambda:UpdateAlias'], both)];
    case 'lambda:decommission':
      return [
        // ListVersionsByFunction finds a version a failed PrepareGreen published but never reported.
        statement(
          'ReadManagedFunctions',
          ['lambda:GetAlias', 'lambda:ListAliases', 'lambda:ListVersionsByFunction', 'lambda:GetProvisionedConcurrencyConfig', 'lambda:GetFunctionConfiguration'],
          both,
        ),
        // After a failure, $LATEST's artifact variable goes back to blue's value (the unqualified function only).
        statement('RestoreArtifactOnLatest', ['lambda:UpdateFunctionConfiguration'], scope.functionArns),
        // Only qualified ARNs: a version or its provisioned concurrency, never the whole function.
        statement('RetireBlueVersion', ['lambda:DeleteFunction', 'lambda:DeleteProvisionedConcurrencyConfig'], scope.functionVersionArns),
      ];
    case 'cloudwatch:describe-alarms':
      return [statement('DescribeAlarms', [...READ_ONLY_ACTIONS_ON_ANY_RESOURCE], ['*'])];
    case 'cloudwatch:put-release-alarms':
      // PutMetricAlarm with Tags also needs TagResource (the release alarms carry a cutover:release tag).
      return [statement('PutReleaseAlarms', ['cloudwatch:PutMetricAlarm', 'cloudwatch:TagResource'], [scope.releaseAlarmsArn])];
    case 'cloudwatch:delete-release-alarms':
      return [statement('DeleteReleaseAlarms', ['cloudwatch:DeleteAlarms'], [scope.releaseAlarmsArn])];
    case 'events:put-release-events':
      return [statement('PutReleaseEvents', ['events:PutEvents'], [scope.eventBusArn])];
    case 's3:read-golden-sets':
      return scope.goldenSetObjectArns.length === 0
        ? []
        : [statement('ReadGoldenSets', ['s3:GetObject'], scope.goldenSetObjectArns)];
    default:
      return targetStatementsFor(permission, scope);
  }
}

/** SageMaker endpoints and API Gateway stages: nothing unless the construct manages some. */
function targetStatementsFor(permission: Permission, scope: PermissionScope): iam.PolicyStatement[] {
  const endpoints = scope.endpointArns ?? [];
  const stages = scope.stageArns ?? [];
  const releaseConfigs = scope.releaseEndpointConfigsArn ? [scope.releaseEndpointConfigsArn] : [];
  const releaseModels = scope.releaseModelsArn ? [scope.releaseModelsArn] : [];
  const readEndpoints = () => statement('ReadManagedEndpoints', ['sagemaker:DescribeEndpoint'], endpoints);
  const readConfigs = () => statement('ReadEndpointConfigs', ['sagemaker:DescribeEndpointConfig'], scope.anyEndpointConfigArn ? [scope.anyEndpointConfigArn] : releaseConfigs);
  // A retry that finds the endpoint on the release's config reads blue's config name from that config's tags.
  const readReleaseConfigTags = () => statement('ReadReleaseEndpointConfigTags', ['sagemaker:ListTags'], releaseConfigs);
  // UpdateEndpoint is authorized on the endpoint and on the config it moves to (always one Cutover made).
  const updateEndpoints = () => statement('UpdateManagedEndpoints', ['sagemaker:UpdateEndpoint'], [...endpoints, ...releaseConfigs]);
  switch (permission) {
    case 'sagemaker:prepare':
      if (endpoints.length === 0) return [];
      return [
        readEndpoints(),
        readConfigs(),
        statement('ReadModels', ['sagemaker:DescribeModel'], scope.anyModelArn ? [scope.anyModelArn] : releaseModels),
        // Tags on create need AddTags too (the release's configs and models carry cutover:release).
        statement('CreateReleaseModels', ['sagemaker:CreateModel', 'sagemaker:AddTags'], releaseModels),
        statement('CreateReleaseEndpointConfigs', ['sagemaker:CreateEndpointConfig', 'sagemaker:AddTags'], releaseConfigs),
        readReleaseConfigTags(),
        updateEndpoints(),
        ...((scope.modelRoleArns ?? []).length === 0
          ? []
          : [
              new iam.PolicyStatement({
                sid: 'PassModelExecutionRoles',
                actions: ['iam:PassRole'],
                resources: [...(scope.modelRoleArns ?? [])],
                conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
              }),
            ]),
      ];
    case 'sagemaker:read-endpoint':
      return endpoints.length === 0 ? [] : [readEndpoints()];
    case 'sagemaker:invoke':
      return endpoints.length === 0 ? [] : [statement('InvokeManagedEndpoints', ['sagemaker:InvokeEndpoint'], endpoints)];
    case 'sagemaker:shift':
      return endpoints.length === 0
        ? []
        : [
            statement('ShiftEndpointWeights', ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'], endpoints),
            // A rollback after standby reads blue's full instance count from the release's config.
            statement('ReadReleaseEndpointConfigs', ['sagemaker:DescribeEndpointConfig'], releaseConfigs),
          ];
    case 'sagemaker:decommission':
      return endpoints.length === 0
        ? []
        : [
            readEndpoints(),
            readConfigs(),
            readReleaseConfigTags(),
            statement('ReplaceReleaseEndpointConfigs', ['sagemaker:CreateEndpointConfig', 'sagemaker:DeleteEndpointConfig'], releaseConfigs),
            updateEndpoints(),
            statement('DeleteReleaseModels', ['sagemaker:DeleteModel'], releaseModels),
          ];
    case 'apigateway:read-stage':
      return stages.length === 0 ? [] : [statement('ReadManagedStages', ['apigateway:GET'], stages)];
    case 'apigateway:update-stage':
      return stages.length === 0 ? [] : [statement('ShiftManagedStages', ['apigateway:GET', 'apigateway:PATCH'], stages)];
    case 'lambda:allow-apigateway':
      // Green's version only (a qualified ARN), and only when there is a stage to allow.
      return stages.length === 0 ? [] : [statement('AllowApiGatewayToInvokeGreen', ['lambda:AddPermission', 'lambda:GetPolicy'], scope.functionVersionArns)];
    default:
      return [];
  }
}
