import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Invoke } from '../examples/ai-service/traffic';

export interface FailedRequest {
  at: number;
  /** The version that answered with a function error; undefined when no version answered (throttle, 5xx, network). */
  version?: string;
  error: string;
}

/**
 * Invoke of the alias for the traffic generator, keeping every failure with
 * its wall time and version, so failures around a switch can be told apart
 * from a bad model's own errors.
 */
export function aliasInvoker(lambda: LambdaClient, functionName: string, alias: string) {
  const failures: FailedRequest[] = [];
  const invoke: Invoke = async (payload) => {
    const started = performance.now();
    try {
      const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Qualifier: alias, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
      const latencyMs = performance.now() - started;
      if (out.FunctionError) {
        const body = out.Payload ? new TextDecoder().decode(out.Payload) : '';
        failures.push({ at: Date.now(), version: out.ExecutedVersion, error: body.slice(0, 200) });
        return { ok: false, version: out.ExecutedVersion, latencyMs };
      }
      return { ok: true, version: out.ExecutedVersion, latencyMs };
    } catch (err) {
      failures.push({ at: Date.now(), error: `${(err as Error).name}: ${(err as Error).message}` });
      return { ok: false, latencyMs: performance.now() - started };
    }
  };
  return { invoke, failures };
}

/**
 * Requests that failed within `windowMs` of a switch, not counting function
 * errors of `badVersion` (a bad green failing is the alarm's business, not the switch's).
 */
export function failedAroundSwitches(failures: FailedRequest[], switches: number[], badVersion?: string, windowMs = 1000): FailedRequest[] {
  return failures.filter((f) => f.version === undefined || f.version !== badVersion).filter((f) => switches.some((s) => Math.abs(f.at - s) <= windowMs));
}
