/**
 * IAM at the sandbox's door, as a gate of the gate chain (gate.ts): every
 * request signed with a role session's credentials (a function's, a model's) is
 * authorized before the service sees it; the chain answers a refusal in the
 * service's own error shape. The operator's key (`sandbox`) and unsigned
 * requests pass unchecked.
 *
 * Error codes, as each service answers (checked against the SDK v3 models and
 * the services' docs):
 *  - denied: Lambda, API Gateway, SageMaker Runtime `AccessDeniedException` (403,
 *    restJson1 `x-amzn-ErrorType`); Step Functions, DynamoDB, SageMaker,
 *    EventBridge `AccessDeniedException` (400, awsJson `__type`); CloudWatch
 *    `AccessDenied` (403, query-compatible `x-amzn-query-error: AccessDenied;Sender`);
 *    SNS `AuthorizationError` (403, query XML); S3 `AccessDenied` (403, XML);
 *  - unknown access key: `UnrecognizedClientException` ("The security token
 *    included in the request is invalid."), `InvalidClientTokenId` for the
 *    query-protocol services, S3's `InvalidAccessKeyId` ("The AWS Access Key Id
 *    you provided does not exist in our records.").
 */
import type { AwsRequest, RequestGate } from '../gate';
import { ServiceError } from '../protocol';
import type { IamService } from '../services/iam';
import { IamAuthorizer, type Denial } from './authorize';
import { ADMIN_ACCESS_KEY_ID, type Session } from './identity';
import { requiredPermissions, type AuthorizedService } from './operations';

const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** The error AWS answers a request signed with an access key it never issued. */
export function unrecognizedClient(service: AuthorizedService): ServiceError {
  switch (service) {
    case 's3':
      return new ServiceError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403);
    case 'sns':
      return new ServiceError('InvalidClientTokenId', INVALID_TOKEN, 403);
    case 'cloudwatch':
      return new ServiceError('InvalidClientTokenId', INVALID_TOKEN, 403, {}, 'InvalidClientTokenId');
    case 'lambda':
    case 'apigateway':
    case 'sagemaker-runtime':
      return new ServiceError('UnrecognizedClientException', INVALID_TOKEN, 403);
    default:
      return new ServiceError('UnrecognizedClientException', INVALID_TOKEN, 400);
  }
}

/** The error AWS answers a request IAM denies. */
export function accessDenied(service: AuthorizedService, message: string): ServiceError {
  switch (service) {
    case 's3':
      return new ServiceError('AccessDenied', message, 403);
    case 'sns':
      return new ServiceError('AuthorizationError', message, 403);
    case 'cloudwatch':
      return new ServiceError('AccessDeniedException', message, 403, {}, 'AccessDenied');
    case 'lambda':
    case 'apigateway':
    case 'sagemaker-runtime':
      return new ServiceError('AccessDeniedException', message, 403);
    default:
      return new ServiceError('AccessDeniedException', message, 400);
  }
}

export interface IamGuardOptions {
  readonly iam: IamService;
  readonly region: string;
  readonly account: string;
}

export class IamGuard {
  public readonly authorizer: IamAuthorizer;

  public constructor(private readonly o: IamGuardOptions) {
    this.authorizer = new IamAuthorizer(o.iam, o.account);
  }

  /** The caller's session; null for the operator (unchecked); undefined for a key the sandbox never issued. */
  public caller(accessKeyId: string | undefined): Session | null | undefined {
    if (accessKeyId === undefined || accessKeyId === ADMIN_ACCESS_KEY_ID) return null;
    return this.o.iam.sessions.session(accessKeyId);
  }

  /** The first permission of an operation the session is denied (undefined: allowed). */
  public async authorize(session: Session, service: AuthorizedService, operation: string, input: Record<string, unknown>): Promise<Denial | undefined> {
    const permissions = requiredPermissions(service, operation, input, { region: this.o.region, account: this.o.account });
    // SNS writes its actions upper case in its messages ("SNS:Publish").
    return this.authorizer.check(session, permissions, service === 'sns' ? (a) => a.replace(/^sns:/, 'SNS:') : undefined);
  }
}

/**
 * The IAM gate of the gate chain (gate.ts): the operator key passes, a key the
 * sandbox never issued is refused, any other request is authorized against its
 * session's role. Requests the model does not name (operation '') and stage
 * traffic are left to the service.
 */
export function iamGate(guard: IamGuard): RequestGate {
  return async (request: AwsRequest) => {
    const session = guard.caller(request.accessKeyId);
    if (session === null) return;
    if (session === undefined) throw unrecognizedClient(request.service);
    if (!request.operation) return;
    const denial = await guard.authorize(session, request.service, request.operation, request.input);
    if (denial) {
      if (process.env.CUTOVER_SANDBOX_IAM_LOG) process.stderr.write(`[sandbox iam] ${request.service}.${request.operation} denied: ${denial.message}\n`);
      throw accessDenied(request.service, denial.message);
    }
  };
}
