/**
 * SageMaker Runtime's InvokeEndpoint over restJson1, as
 * @aws-sdk/client-sagemaker-runtime sends it: `POST /endpoints/<name>/invocations`,
 * the body as it is, `Content-Type`/`Accept` headers and the variant in
 * `X-Amzn-SageMaker-Target-Variant`; the answer names the variant that ran in
 * `x-Amzn-Invoked-Production-Variant`. A model error is ModelError (424) with
 * OriginalStatusCode and OriginalMessage, as SageMaker answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from '../faults';
import { faultError, readBody, ServiceError, writeRestJsonError } from '../protocol';
import type { SageMakerService } from './sagemaker';

const INVOKE_PATH = /^\/endpoints\/([^/]+)\/invocations\/?$/;

export function isSageMakerRuntimePath(pathname: string): boolean {
  return /^\/endpoints\/[^/]+\/(async-)?invocations/.test(pathname);
}

export async function handleSageMakerRuntimeHttp(sagemaker: SageMakerService, faults: FaultInjector, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const match = INVOKE_PATH.exec(url.pathname);
    if (!match || req.method !== 'POST') throw new ServiceError('UnknownOperationException', `The sandbox does not emulate SageMaker Runtime ${req.method} ${url.pathname}`, 404);
    const body = await readBody(req);
    const fault = faults.take('sagemaker-runtime', 'InvokeEndpoint');
    if (fault.latencyMs) await new Promise((done) => setTimeout(done, fault.latencyMs));
    if (fault.error) throw faultError('sagemaker-runtime', 'InvokeEndpoint', fault.error);
    const variant = req.headers['x-amzn-sagemaker-target-variant'];
    const out = await sagemaker.invoke(decodeURIComponent(match[1] as string), body, typeof variant === 'string' ? variant : undefined);
    res.writeHead(200, {
      'content-type': out.contentType,
      'content-length': out.body.length,
      'x-amzn-invoked-production-variant': out.variant,
    });
    res.end(out.body);
  } catch (err) {
    writeRestJsonError(res, err instanceof ServiceError ? err : new ServiceError('InternalFailure', (err as Error).message, 500));
  }
}
