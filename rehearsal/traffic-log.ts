import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Invoke } from '../examples/ai-service/traffic';

export interface FailedRequest {
  /** Wall time the request was sent. */
  sentAt: number;
  /** Wall time its answer (or error) arrived. */
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
    const sentAt = Date.now();
    try {
      const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Qualifier: alias, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
      const latencyMs = performance.now() - started;
      if (out.FunctionError) {
        const body = out.Payload ? new TextDecoder().decode(out.Payload) : '';
        failures.push({ sentAt, at: Date.now(), version: out.ExecutedVersion, error: body.slice(0, 200) });
        return { ok: false, version: out.ExecutedVersion, latencyMs };
      }
      return { ok: true, version: out.ExecutedVersion, latencyMs };
    } catch (err) {
      failures.push({ sentAt, at: Date.now(), error: `${(err as Error).name}: ${(err as Error).message}` });
      return { ok: false, latencyMs: performance.now() - started };
    }
  };
  return { invoke, failures };
}

/**
 * The requests a release sent (from its start to its end) that failed while a
 * switch was under way: in flight within `windowMs` of one. Function errors of
 * `badVersion` are left out (a bad green failing is the alarm's business, not
 * the switch's). Requests belong to the release during which they were sent,
 * so a slow answer of the previous release's bad green is not blamed on the next.
 */
export function failedAroundSwitches(
  failures: FailedRequest[],
  release: { startedAt: number; endedAt: number },
  switches: number[],
  badVersion?: string,
  windowMs = 1000,
): FailedRequest[] {
  return failures
    .filter((f) => f.sentAt >= release.startedAt && f.sentAt < release.endedAt)
    .filter((f) => f.version === undefined || f.version !== badVersion)
    .filter((f) => switches.some((s) => f.sentAt <= s + windowMs && f.at >= s - windowMs));
}
