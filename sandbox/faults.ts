/**
 * Fault injection per service and operation, switchable while the sandbox runs,
 * so a rehearsal can show what Cutover does when AWS throttles, fails or slows
 * down. Each service turns a fault into its own protocol's real error shape
 * (see protocol.ts), so the SDK raises the same exception it would on AWS.
 */
export type FaultKind = 'throttle' | '5xx' | 'latency' | 'access-denied';
export type ServiceName = 'lambda' | 'stepfunctions' | 'dynamodb' | 'cloudwatch' | 's3' | 'sagemaker' | 'sagemaker-runtime' | 'apigateway';

export interface FaultSpec {
  /** Service name; aliases `sfn`/`states`, `monitoring` are accepted. `*` matches every service. */
  service: ServiceName | '*' | string;
  /** Operation name as in the API reference (`UpdateAlias`, `PutItem`, `GetObject`); `*` or omitted: all. */
  operation?: string;
  kind: FaultKind;
  /** How many matching requests are affected; omitted: until cleared. */
  times?: number;
  /** Added delay for `latency` faults (default 1000 ms, wall clock). */
  latencyMs?: number;
}

export interface Fault extends Required<Omit<FaultSpec, 'times'>> {
  readonly id: string;
  service: ServiceName | '*';
  /** Remaining matches; `null`: unlimited. */
  remaining: number | null;
  /** Requests affected so far. */
  hits: number;
}

/** What a request should suffer: an added delay and at most one error. */
export interface FaultOutcome {
  latencyMs: number;
  error?: Exclude<FaultKind, 'latency'>;
}

const SERVICE_ALIASES: Record<string, ServiceName | '*'> = {
  '*': '*',
  lambda: 'lambda',
  stepfunctions: 'stepfunctions',
  sfn: 'stepfunctions',
  states: 'stepfunctions',
  dynamodb: 'dynamodb',
  cloudwatch: 'cloudwatch',
  monitoring: 'cloudwatch',
  s3: 's3',
  sagemaker: 'sagemaker',
  'sagemaker-runtime': 'sagemaker-runtime',
  'runtime.sagemaker': 'sagemaker-runtime',
  apigateway: 'apigateway',
  'api-gateway': 'apigateway',
};
const KINDS: readonly FaultKind[] = ['throttle', '5xx', 'latency', 'access-denied'];

export class FaultValidationError extends Error {
  public override readonly name = 'FaultValidationError';
}

export class FaultInjector {
  private readonly faults: Fault[] = [];
  private seq = 0;

  /** Adds a fault; returns it (with its id, for `clear(id)`). */
  public inject(spec: FaultSpec): Fault {
    const service = SERVICE_ALIASES[String(spec.service ?? '').toLowerCase()];
    if (!service) throw new FaultValidationError(`unknown service '${spec.service}' (lambda, stepfunctions, dynamodb, cloudwatch, s3, sagemaker, sagemaker-runtime, apigateway, *)`);
    if (!KINDS.includes(spec.kind)) throw new FaultValidationError(`unknown fault kind '${spec.kind}' (${KINDS.join(', ')})`);
    if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) {
      throw new FaultValidationError('times must be a positive integer');
    }
    if (spec.latencyMs !== undefined && !(Number.isFinite(spec.latencyMs) && spec.latencyMs >= 0)) {
      throw new FaultValidationError('latencyMs must be a non-negative number');
    }
    const fault: Fault = {
      id: `fault-${++this.seq}`,
      service,
      operation: spec.operation && spec.operation !== '*' ? spec.operation : '*',
      kind: spec.kind,
      latencyMs: spec.kind === 'latency' ? (spec.latencyMs ?? 1000) : 0,
      remaining: spec.times ?? null,
      hits: 0,
    };
    this.faults.push(fault);
    return fault;
  }

  /** Removes one fault by id, or all of them. */
  public clear(id?: string): void {
    if (id === undefined) {
      this.faults.length = 0;
      return;
    }
    const index = this.faults.findIndex((f) => f.id === id);
    if (index >= 0) this.faults.splice(index, 1);
  }

  public list(): readonly Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /**
   * Consumes the faults that match one request. Latency faults add up; the
   * first matching error fault wins (and only it spends one of its `times`).
   */
  public take(service: ServiceName, operation: string): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0 };
    for (const fault of [...this.faults]) {
      if (fault.service !== '*' && fault.service !== service) continue;
      if (fault.operation !== '*' && fault.operation !== operation) continue;
      if (fault.kind === 'latency') {
        outcome.latencyMs += fault.latencyMs;
      } else if (outcome.error) {
        continue;
      } else {
        outcome.error = fault.kind;
      }
      fault.hits++;
      if (fault.remaining !== null && --fault.remaining <= 0) this.clear(fault.id);
    }
    return outcome;
  }
}
