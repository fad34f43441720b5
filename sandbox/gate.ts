/**
 * The gate chain: every AWS API request the sandbox receives is normalized
 * once (normalize.ts) into an AwsRequest and handed, in order, to the gates
 * (model validation, IAM, …) before its service sees it. A gate refuses by
 * throwing a ServiceError; the chain answers it in that service's own error
 * shape, so the SDK raises the exception AWS would raise:
 *  - awsJson (Step Functions, DynamoDB, SageMaker, EventBridge, CloudWatch): `__type`
 *    (DynamoDB with its Smithy namespace; CloudWatch also `x-amzn-query-error: Code;Sender`);
 *  - restJson1 (Lambda, API Gateway, SageMaker Runtime): `x-amzn-ErrorType`;
 *  - query (SNS, CloudWatch from the AWS CLI): `<ErrorResponse><Error><Code>`;
 *  - restXml (S3): `<Error><Code>`.
 */
import type { ServerResponse } from 'node:http';
import { loadModel, type ModelledService } from './models/model';
import { ServiceError, writeAwsJsonError, writeQueryError, writeRestJsonError, writeS3Error } from './protocol';

export type AwsProtocol = 'awsJson1_0' | 'awsJson1_1' | 'restJson1' | 'restXml' | 'query';

/** A service the sandbox emulates (faults.ts's ServiceName, plus EventBridge and SNS). */
export type GatedService = ModelledService;

export interface AwsRequest {
  service: GatedService;
  /** The operation as the API reference names it (`UpdateAlias`); '' when no operation of the model matches. */
  operation: string;
  /** The input as the model names its members (uri, querystring, header and body members together). */
  input: Record<string, unknown>;
  /** From the SigV4 `Authorization: … Credential=<AKID>/<date>/<region>/<service>/aws4_request`. */
  accessKeyId?: string;
  /** The wire protocol the request came in (CloudWatch: awsJson1_0 from SDK v3, query from the AWS CLI). */
  protocol: AwsProtocol;
}

/** A check on every request; throws a ServiceError to refuse it. */
export type RequestGate = (request: AwsRequest) => void | Promise<void>;

/** Runs the gates in order; the first that throws refuses the request. */
export async function runGates(gates: readonly RequestGate[], request: AwsRequest): Promise<void> {
  for (const gate of gates) {
    const pending = gate(request);
    if (pending) await pending;
  }
}

/** Writes a refusal (or any error) as the request's service answers errors. */
export function writeServiceError(res: ServerResponse, request: Pick<AwsRequest, 'service' | 'protocol'>, error: unknown): void {
  const err = error instanceof ServiceError ? error : new ServiceError(request.protocol === 'restXml' ? 'InternalError' : 'InternalFailure', (error as Error).message, 500);
  switch (request.protocol) {
    case 'awsJson1_0':
    case 'awsJson1_1':
      return writeAwsJsonError(res, err, {
        ...(request.service === 'dynamodb' ? { namespace: 'com.amazonaws.dynamodb.v20120810' } : {}),
        ...(request.service === 'cloudwatch' ? { queryCompatible: true } : {}),
      });
    case 'restJson1':
      return writeRestJsonError(res, err);
    case 'query':
      return writeQueryError(res, err, loadModel(request.service).metadata.xmlNamespace ?? '');
    case 'restXml':
      return writeS3Error(res, err);
  }
}
