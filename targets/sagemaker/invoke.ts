import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Green } from '../../core/release-state';
import type { InvokeResult } from '../../core/traffic-router';
import { errorName } from '../lambda-versions';

/** One variant called directly (TargetVariant), never through the weights (SmokeTestGreen). */
export class SageMakerInvoker {
  public constructor(
    private readonly endpoint: string,
    private readonly runtime: SageMakerRuntimeClient,
  ) {}

  public async invoke(green: Green, side: 'green' | 'blue', payload: unknown): Promise<InvokeResult> {
    const started = performance.now();
    try {
      const out = await this.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: this.endpoint,
          TargetVariant: side === 'green' ? green.green : green.blue,
          ContentType: 'application/json',
          Accept: 'application/json',
          Body: new TextEncoder().encode(JSON.stringify(payload ?? null)),
        }),
        // The model may legitimately run longer than a control-plane call (SageMaker allows 60 s).
        { requestTimeout: 0 },
      );
      const latencyMs = Math.round(performance.now() - started);
      const text = out.Body ? new TextDecoder().decode(out.Body) : '';
      try {
        return { output: text ? JSON.parse(text) : null, latencyMs };
      } catch {
        return { output: text, latencyMs };
      }
    } catch (err) {
      // The model answered with an error status: that is green's (or blue's) answer, not a failure of the call.
      if (errorName(err) !== 'ModelError') throw err;
      const e = err as Error & { OriginalMessage?: string; OriginalStatusCode?: number };
      return { error: `ModelError: ${e.OriginalStatusCode ? `${e.OriginalStatusCode} ` : ''}${e.OriginalMessage ?? e.message}`, latencyMs: Math.round(performance.now() - started) };
    }
  }
}
