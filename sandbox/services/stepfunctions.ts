/**
 * AWS Step Functions (Standard workflows) over awsJson1_0
 * (`X-Amz-Target: AWSStepFunctions.<Operation>`): state machines, executions
 * with AWS's naming and idempotency rules, history, StopExecution and
 * RedriveExecution.
 *
 * StartExecution rules (API reference): a name is 1–80 characters without
 * whitespace, brackets, wildcards, `"#%\^|~`$&,;:/` or control characters;
 * the same name with the same input while the execution is RUNNING returns
 * that execution again; otherwise a reused name is ExecutionAlreadyExists.
 */
import { randomUUID } from 'node:crypto';
import type { VirtualClock } from '../clock';
import { ServiceError } from '../protocol';
import { prepareDefinition, type PreparedDefinition } from './asl';
import type { LambdaService } from './lambda';
import { Execution, type ExecutionDeps, type ExecutionStatus, type HistoryEvent } from './sfn-execution';

type Input = Record<string, unknown>;

interface MachineRecord {
  arn: string;
  name: string;
  definitionText: string;
  prepared: PreparedDefinition;
  roleArn: string;
  creationDate: number;
  updateDate?: number;
}

export interface StepFunctionsOptions {
  clock: VirtualClock;
  lambda: LambdaService;
  region: string;
  account: string;
  /** IAM on: checks that the execution's role may invoke a Task's function (throws the Lambda ServiceError when not). */
  authorizeInvoke?: ExecutionDeps['authorizeInvoke'];
  /** Where each execution's status changes go (the sandbox sends them to EventBridge's default bus). */
  onStatusChange?: ExecutionDeps['onStatusChange'];
}

const NAME_RE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u;
const PAYLOAD_LIMIT = 262_144;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

const sec = (ms: number): number => ms / 1000;
const invalidArn = (arn: unknown) => new ServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`, 400);

function normalizeJson(text: string): string {
  return JSON.stringify(JSON.parse(text));
}

export class StepFunctionsService {
  private readonly machines = new Map<string, MachineRecord>();
  private readonly executions = new Map<string, Execution>();
  private readonly byMachine = new Map<string, Execution[]>();

  public constructor(private readonly o: StepFunctionsOptions) {}

  private machineArn(name: string): string {
    return `arn:aws:states:${this.o.region}:${this.o.account}:stateMachine:${name}`;
  }

  private machine(arn: unknown): MachineRecord {
    if (typeof arn !== 'string' || !/^arn:aws[a-zA-Z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/.test(arn)) throw invalidArn(arn);
    const m = this.machines.get(arn);
    if (!m) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`, 400);
    return m;
  }

  private execution(arn: unknown): Execution {
    if (typeof arn !== 'string' || !/^arn:aws[a-zA-Z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) throw invalidArn(arn);
    const e = this.executions.get(arn);
    if (!e) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`, 400);
    return e;
  }

  private prepare(definition: unknown): PreparedDefinition {
    if (typeof definition !== 'string') throw new ServiceError('InvalidDefinition', 'Invalid State Machine Definition: definition is required', 400);
    return prepareDefinition(definition, (ref) => this.o.lambda.hasFunction(ref), this.o.clock.timeScale);
  }

  /** Runs one API operation; throws ServiceError in Step Functions' vocabulary. */
  public handle(operation: string, input: Input): unknown {
    switch (operation) {
      case 'CreateStateMachine':
        return this.createStateMachine(input);
      case 'DescribeStateMachine':
        return this.describeMachine(this.machine(input.stateMachineArn));
      case 'UpdateStateMachine':
        return this.updateStateMachine(input);
      case 'DeleteStateMachine': {
        const m = this.machine(input.stateMachineArn);
        this.machines.delete(m.arn);
        return {};
      }
      case 'ListStateMachines':
        return {
          stateMachines: [...this.machines.values()].map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD', creationDate: sec(m.creationDate) })),
        };
      case 'StartExecution':
        return this.startExecution(input);
      case 'DescribeExecution':
        return this.describeExecution(this.execution(input.executionArn));
      case 'DescribeStateMachineForExecution': {
        const e = this.execution(input.executionArn);
        const m = this.machines.get(e.stateMachineArn);
        if (!m) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${e.stateMachineArn}'`, 400);
        return this.describeMachine(m);
      }
      case 'ListExecutions':
        return this.listExecutions(input);
      case 'GetExecutionHistory':
        return this.history(input);
      case 'StopExecution': {
        const e = this.execution(input.executionArn);
        e.stop(input.error as string | undefined, input.cause as string | undefined);
        return { stopDate: sec(e.stopDate ?? this.o.clock.now()) };
      }
      case 'RedriveExecution':
        return this.redriveExecution(input);
      default:
        throw new ServiceError('UnknownOperationException', `The sandbox does not emulate Step Functions ${operation}`, 400);
    }
  }

  private createStateMachine(input: Input): unknown {
    const name = input.name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${String(name)}'`, 400);
    if (input.type !== undefined && input.type !== 'STANDARD') throw new ServiceError('StateMachineTypeNotSupported', 'The sandbox runs STANDARD state machines only', 400);
    if (typeof input.roleArn !== 'string' || !/^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/.+$/.test(input.roleArn)) throw invalidArn(input.roleArn);
    const arn = this.machineArn(name);
    const existing = this.machines.get(arn);
    if (existing) {
      // Same name, definition and role: AWS answers with the existing machine.
      if (existing.definitionText === input.definition && existing.roleArn === input.roleArn) return { stateMachineArn: arn, creationDate: sec(existing.creationDate) };
      throw new ServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`, 400);
    }
    const prepared = this.prepare(input.definition);
    const record: MachineRecord = { arn, name, definitionText: input.definition as string, prepared, roleArn: input.roleArn, creationDate: this.o.clock.now() };
    this.machines.set(arn, record);
    return { stateMachineArn: arn, creationDate: sec(record.creationDate) };
  }

  private updateStateMachine(input: Input): unknown {
    const m = this.machine(input.stateMachineArn);
    if (input.definition !== undefined) {
      m.prepared = this.prepare(input.definition);
      m.definitionText = input.definition as string;
    }
    if (input.roleArn !== undefined) m.roleArn = String(input.roleArn);
    m.updateDate = this.o.clock.now();
    return { updateDate: sec(m.updateDate) };
  }

  private describeMachine(m: MachineRecord): unknown {
    return {
      stateMachineArn: m.arn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definitionText,
      roleArn: m.roleArn,
      type: 'STANDARD',
      creationDate: sec(m.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private startExecution(input: Input): unknown {
    const m = this.machine(input.stateMachineArn);
    const name = input.name === undefined ? randomUUID() : input.name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${String(name)}'`, 400);
    const text = input.input === undefined ? '{}' : input.input;
    if (typeof text !== 'string') throw new ServiceError('InvalidExecutionInput', 'Invalid execution input: input must be a JSON string', 400);
    let normalized: string;
    try {
      normalized = normalizeJson(text);
    } catch {
      throw new ServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: 'Unrecognized token: ${text.slice(0, 40)}'`, 400);
    }
    if (Buffer.byteLength(text) > PAYLOAD_LIMIT) throw new ServiceError('InvalidExecutionInput', 'Execution input exceeds the maximum size of 262144 bytes', 400);
    const arn = `arn:aws:states:${this.o.region}:${this.o.account}:execution:${m.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && normalizeJson(existing.input) === normalized) {
        return { executionArn: arn, startDate: sec(existing.startDate) };
      }
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`, 400);
    }
    const execution = new Execution(arn, name, m.arn, text, m.prepared, { lambda: this.o.lambda, clock: this.o.clock, region: this.o.region, ...(this.o.authorizeInvoke ? { authorizeInvoke: this.o.authorizeInvoke } : {}), ...(this.o.onStatusChange ? { onStatusChange: this.o.onStatusChange } : {}) }, m.roleArn, m.name);
    this.executions.set(arn, execution);
    const list = this.byMachine.get(m.arn) ?? [];
    list.push(execution);
    this.byMachine.set(m.arn, list);
    return { executionArn: arn, startDate: sec(execution.startDate) };
  }

  /**
   * "The API will return idempotent responses for the last 10 client tokens used to successfully redrive the
   * execution. These client tokens are valid for up to 15 minutes after they are first used."
   * (RedriveExecutionInput.clientToken, @aws-sdk/client-sfn's model.) Errors: ExecutionDoesNotExist,
   * ExecutionNotRedrivable (with the redriveStatusReason), InvalidArn.
   */
  private redriveExecution(input: Input): unknown {
    const e = this.execution(input.executionArn);
    const now = this.o.clock.now();
    const token = typeof input.clientToken === 'string' ? input.clientToken : undefined;
    const tokens = (this.redriveTokens.get(e.arn) ?? []).filter((t) => now - t.firstUsed <= 15 * 60_000);
    const seen = token ? tokens.find((t) => t.token === token) : undefined;
    if (seen) return { redriveDate: sec(seen.redriveDate) };
    const redriveDate = e.redrive();
    if (token) this.redriveTokens.set(e.arn, [...tokens, { token, firstUsed: now, redriveDate }].slice(-10));
    return { redriveDate: sec(redriveDate) };
  }

  private readonly redriveTokens = new Map<string, { token: string; firstUsed: number; redriveDate: number }[]>();

  private redriveFields(e: Execution): Record<string, unknown> {
    const reason = e.notRedrivableBecause(this.o.clock.now());
    return {
      redriveCount: e.redriveCount,
      ...(e.redriveDate !== undefined ? { redriveDate: sec(e.redriveDate) } : {}),
      redriveStatus: reason ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
      ...(reason ? { redriveStatusReason: reason } : {}),
    };
  }

  private describeExecution(e: Execution): unknown {
    return {
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: sec(e.startDate),
      ...(e.stopDate !== undefined ? { stopDate: sec(e.stopDate) } : {}),
      input: e.input,
      inputDetails: { included: true },
      ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
      ...this.redriveFields(e),
    };
  }

  private listExecutions(input: Input): unknown {
    const m = this.machine(input.stateMachineArn);
    const filter = input.statusFilter as ExecutionStatus | undefined;
    if (filter !== undefined && !STATUSES.includes(filter)) throw new ServiceError('ValidationException', `Invalid statusFilter '${String(filter)}'`, 400);
    const all = [...(this.byMachine.get(m.arn) ?? [])].reverse().filter((e) => !filter || e.status === filter);
    const { page, nextToken } = paginate(all, input.maxResults, input.nextToken);
    return {
      executions: page.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: sec(e.startDate),
        ...(e.stopDate !== undefined ? { stopDate: sec(e.stopDate) } : {}),
        redriveCount: e.redriveCount,
        ...(e.redriveDate !== undefined ? { redriveDate: sec(e.redriveDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private history(input: Input): unknown {
    const e = this.execution(input.executionArn);
    const ordered = input.reverseOrder === true ? [...e.events].reverse() : e.events;
    const { page, nextToken } = paginate(ordered, input.maxResults, input.nextToken);
    const includeData = input.includeExecutionData !== false;
    return { events: page.map((ev) => eventJson(ev, includeData)), ...(nextToken ? { nextToken } : {}) };
  }

  /** In-process helper: resolves once the execution has ended (or the wall-clock timeout passes). */
  public async waitFor(executionArn: string, timeoutMs: number): Promise<ExecutionStatus> {
    const e = this.execution(executionArn);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([e.done, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    return e.status;
  }

  public getExecution(executionArn: string): Execution {
    return this.execution(executionArn);
  }

  /** Stops every running execution and waits (briefly) for them to settle. */
  public async stop(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const e of running) e.stop('Sandbox.Stopped', 'The sandbox was stopped');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(running.map((e) => e.done)), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
  }
}

function paginate<T>(items: T[], maxResults: unknown, token: unknown): { page: T[]; nextToken?: string } {
  let start = 0;
  if (token !== undefined) {
    start = Number(Buffer.from(String(token), 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new ServiceError('InvalidToken', 'Invalid Token', 400);
  }
  const size = typeof maxResults === 'number' && maxResults > 0 ? Math.min(maxResults, 1000) : 100;
  const page = items.slice(start, start + size);
  return start + size < items.length ? { page, nextToken: Buffer.from(String(start + size)).toString('base64') } : { page };
}

/** A history event as GetExecutionHistory returns it. */
function eventJson(ev: HistoryEvent, includeData: boolean): Record<string, unknown> {
  let details = ev.details;
  if (details && !includeData) {
    details = Object.fromEntries(Object.entries(details).filter(([k]) => !['input', 'output', 'parameters'].includes(k)));
  }
  return { timestamp: sec(ev.timestamp), type: ev.type, id: ev.id, previousEventId: ev.previousEventId, ...(ev.detailsKey ? { [ev.detailsKey]: details } : {}) };
}
