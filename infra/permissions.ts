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
}

/** Read-only actions granted on `*` because the service has no resource-level permissions for them. */
export const READ_ONLY_ACTIONS_ON_ANY_RESOURCE = ['cloudwatch:DescribeAlarms'] as const;

const statement = (sid: string, actions: string[], resources: readonly string[]): iam.PolicyStatement =>
  new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources: [...resources] });

/** One statement for the ledger item actions (none when there are none). */
export function ledgerStatements(actions: readonly LedgerAction[], scope: PermissionScope): iam.PolicyStatement[] {
  return actions.length === 0 ? [] : [statement('Ledger', actions.map((a) => `dynamodb:${a}`), [scope.tableArn])];
}

/** The statements for one permission kind (none when it has nothing to scope to). */
export function statementsFor(permission: Permission, scope: PermissionScope): iam.PolicyStatement[] {
  const both = [...scope.functionArns, ...scope.functionVersionArns];
  switch (permission) {
    case 'sfn:describe-own-executions':
      return [statement('DescribeOwnExecutions', ['states:DescribeExecution'], [scope.executionsArn])];
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
        statement('ReadManagedFunctions', ['lambda:GetAlias', 'lambda:ListAliases', 'lambda:ListVersionsByFunction', 'lambda:GetProvisionedConcurrencyConfig'], both),
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
    case 's3:read-golden-sets':
      return scope.goldenSetObjectArns.length === 0
        ? []
        : [statement('ReadGoldenSets', ['s3:GetObject'], scope.goldenSetObjectArns)];
  }
}
