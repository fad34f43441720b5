/**
 * AWS Lambda: functions, versions, aliases with weighted routing, provisioned
 * and reserved concurrency, and Invoke, with the semantics Cutover relies on
 * (see the Lambda API reference):
 *  - PublishVersion numbers versions 1, 2, …; publishing again when neither
 *    code nor configuration changed returns the latest version unchanged; a
 *    CodeSha256 that differs from $LATEST's is InvalidParameterValueException,
 *    a stale RevisionId is PreconditionFailedException;
 *  - an alias routes to at most two versions (AdditionalVersionWeights 0–1);
 *    every update changes its RevisionId;
 *  - a version an alias routes to cannot be deleted (ResourceConflictException);
 *  - Invoke picks the version by the alias weights, answers with
 *    X-Amz-Executed-Version, and reports a function error as status 200 with
 *    X-Amz-Function-Error: Unhandled and {"errorType","errorMessage","trace"}.
 *
 * Code convention: a function's code is a local module. `Handler` is
 * `<module path>.<export>` resolved against the sandbox's repoRoot (e.g.
 * `examples/ai-service/handler.handler`), nothing is uploaded, and CodeSha256
 * is the base64 SHA-256 of that module file plus any ZipFile bytes sent.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { VirtualClock } from '../clock';
import type { FaultInjector } from '../faults';
import { faultError, ServiceError } from '../protocol';
import { resolveHandler, type InvocationOutcome } from '../runtime/environment';
import { DEFAULT_POOL_LIMITS, EnvironmentPool, type PoolLimits } from '../runtime/environment-pool';
import type { LambdaErrorPayload } from '../runtime/messages';
import type { CloudWatchService } from './cloudwatch';
import type { SessionCredentials } from '../iam/identity';

export interface LambdaServiceOptions {
  clock: VirtualClock;
  cloudwatch: CloudWatchService;
  faults: FaultInjector;
  region: string;
  account: string;
  repoRoot: string;
  /** The sandbox URL, given to functions as AWS_ENDPOINT_URL unless they set their own. */
  endpointUrl: () => string;
  /** Where handler output (other than EMF) goes; undefined: dropped. */
  log?: (line: string) => void;
  /**
   * The temporary credentials of a function's execution role session (IAM on);
   * undefined: the unchecked operator key `sandbox`.
   */
  credentials?: (roleArn: string, functionName: string) => SessionCredentials;
  /** How long Lambda's asynchronous work takes (virtual seconds); see LambdaTimings. */
  timings?: Partial<LambdaTimings>;
  /** The account's concurrency and the sandbox's own limits on execution environments. */
  concurrency?: Partial<LambdaConcurrency>;
}

/**
 * How long Lambda's asynchronous work takes, in virtual seconds (0: done at
 * once, the default, so that tests which do not ask for it stay fast).
 *  - `updateSeconds`: after UpdateFunctionConfiguration / UpdateFunctionCode,
 *    $LATEST shows `LastUpdateStatus: InProgress` this long, and another
 *    update, PublishVersion or a policy change is a ResourceConflictException
 *    (AWS: "If your function connects to a VPC, this process can take a minute").
 *  - `publishSeconds`: a newly published version shows `State: Pending` this
 *    long and cannot be invoked (what the published-version-active waiter waits for).
 */
export interface LambdaTimings {
  updateSeconds: number;
  publishSeconds: number;
}

export const DEFAULT_LAMBDA_TIMINGS: LambdaTimings = { updateSeconds: 0, publishSeconds: 0 };

/**
 * How many invocations run at once. `accountLimit` is AWS's (ConcurrentExecutions,
 * 1,000 by default): a synchronous Invoke beyond it, or beyond a function's reserved
 * concurrency, is throttled. `maxEnvironments` and `idleMs` are the sandbox's
 * (see EnvironmentPool): two cores cannot start a thousand workers.
 */
export interface LambdaConcurrency extends PoolLimits {
  accountLimit: number;
}

export const DEFAULT_LAMBDA_CONCURRENCY: LambdaConcurrency = { accountLimit: 1000, ...DEFAULT_POOL_LIMITS };

interface VersionRecord {
  Version: string;
  Handler: string;
  Runtime: string;
  Role: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  Variables: Record<string, string>;
  Architectures: string[];
  CodeSha256: string;
  CodeSize: number;
  LastModified: string;
  RevisionId: string;
  /** Customer-managed key the environment variables are encrypted with. */
  KMSKeyArn?: string;
  /** DeadLetterConfig.TargetArn. */
  DeadLetterTarget?: string;
  /** Virtual ms until which a published version is Pending. */
  pendingUntil?: number;
}

interface AliasRecord {
  Name: string;
  FunctionVersion: string;
  Description: string;
  Weights?: Record<string, number>;
  RevisionId: string;
}

interface ProvisionedRecord {
  requested: number;
  lastModified: string;
}

interface FunctionRecord {
  name: string;
  latest: VersionRecord;
  versions: Map<string, VersionRecord>;
  nextVersion: number;
  /** $LATEST revision the newest version was published from (to skip unchanged publishes). */
  publishedFrom?: { revisionId: string; version: string };
  aliases: Map<string, AliasRecord>;
  provisioned: Map<string, ProvisionedRecord>;
  reserved?: number;
  tags: Record<string, string>;
  zip?: Buffer;
  /** Resource-based policy statements per qualifier ('' = the unqualified function), by statement id. */
  policies?: Map<string, Map<string, PolicyStatement>>;
  /** Virtual ms until which the last update of $LATEST is InProgress. */
  updateUntil?: number;
}

/** One statement of a function's resource-based policy (AddPermission). */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface InvokeRequest {
  functionName: string;
  qualifier?: string;
  payload?: Buffer | string;
  invocationType?: string;
  logType?: string;
  clientContext?: string;
}

export interface InvokeResponse {
  statusCode: number;
  executedVersion: string;
  payload: Buffer;
  functionError?: 'Unhandled';
  logResult?: string;
}

type Body = Record<string, unknown>;

/** Environment keys Lambda reserves for its runtime (CreateFunction rejects them). */
const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
const NAME_RE = /^[a-zA-Z0-9-_]{1,64}$/;
const ALIAS_RE = /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/;

const notFound = (message: string) => new ServiceError('ResourceNotFoundException', message, 404);
const invalid = (message: string) => new ServiceError('InvalidParameterValueException', message, 400);
const conflict = (message: string) => new ServiceError('ResourceConflictException', message, 409);
const precondition = (message: string) => new ServiceError('PreconditionFailedException', message, 412);
/** Lambda's answer to an operation on a function whose update has not finished. */
const updateInProgress = (arn: string) => conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${arn}`);
/** Lambda's answer to invoking a function (or version) that is not Active yet. */
const notActive = (state: string) => conflict(`The operation cannot be performed at this time. The function is currently in the following state: ${state}`);
/** Paged list calls: ListVersionsByFunction and ListFunctions answer at most this many per page, whatever MaxItems says. */
const LIST_PAGE_CAP = 50;

/** Lambda's LastModified format: 2025-11-26T06:00:00.000+0000. */
function lambdaDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export class LambdaService {
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly environments = new Map<string, EnvironmentPool>();
  private readonly retiring = new Set<EnvironmentPool>();
  /** Invocations under way, per function name (what Lambda counts as concurrency). */
  private readonly inFlight = new Map<string, number>();
  private readonly concurrency: LambdaConcurrency;
  private readonly background = new Set<Promise<unknown>>();
  private readonly unsubscribeClock: () => void;
  private stopped = false;
  private timings: LambdaTimings;
  /** KMS keys whose kms:Decrypt the API caller lacks (IAM is not evaluated for this: a test sets it). */
  private readonly undecryptable = new Set<string>();

  public constructor(private readonly o: LambdaServiceOptions) {
    this.timings = { ...DEFAULT_LAMBDA_TIMINGS, ...o.timings };
    this.concurrency = { ...DEFAULT_LAMBDA_CONCURRENCY, ...o.concurrency };
    this.unsubscribeClock = o.clock.onChange((state) => {
      for (const env of this.environments.values()) env.syncClock(state);
    });
  }

  // ---- names and ARNs ---------------------------------------------------------

  public functionArn(name: string, qualifier?: string): string {
    return `arn:aws:lambda:${this.o.region}:${this.o.account}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
  }

  /** Accepts a name, `name:qualifier`, a partial ARN (`123:function:name`) or a full ARN. */
  public parseRef(ref: string, qualifier?: string): { name: string; qualifier: string | undefined } {
    let name = ref;
    let derived: string | undefined;
    const full = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/.exec(ref);
    const partial = /^\d{12}:function:([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/.exec(ref);
    const short = /^([a-zA-Z0-9-_]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/.exec(ref);
    const m = full ?? partial ?? short;
    if (!m) throw invalid(`1 validation error detected: Value '${ref}' at 'functionName' failed to satisfy constraint`);
    name = m[1] as string;
    derived = m[2];
    if (derived && qualifier && derived !== qualifier) throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
    return { name, qualifier: qualifier ?? derived };
  }

  private fn(ref: string, qualifier?: string): { fn: FunctionRecord; qualifier: string | undefined } {
    const parsed = this.parseRef(ref, qualifier);
    const fn = this.functions.get(parsed.name);
    if (!fn) throw notFound(`Function not found: ${this.functionArn(parsed.name, parsed.qualifier)}`);
    return { fn, qualifier: parsed.qualifier };
  }

  /** The version record a qualifier designates (an alias designates its primary version). */
  private versionOf(fn: FunctionRecord, qualifier: string | undefined): VersionRecord {
    if (qualifier === undefined || qualifier === '$LATEST') return fn.latest;
    const v = fn.versions.get(qualifier);
    if (v) return v;
    const alias = fn.aliases.get(qualifier);
    if (alias) return alias.FunctionVersion === '$LATEST' ? fn.latest : (fn.versions.get(alias.FunctionVersion) as VersionRecord);
    throw notFound(`Function not found: ${this.functionArn(fn.name, qualifier)}`);
  }

  public hasFunction(ref: string): boolean {
    try {
      const { fn, qualifier } = this.fn(ref);
      this.versionOf(fn, qualifier);
      return true;
    } catch {
      return false;
    }
  }

  /** Changes the timings for the updates and publishes started from now on; returns the previous ones. */
  public setTimings(timings: Partial<LambdaTimings>): LambdaTimings {
    const previous = { ...this.timings };
    this.timings = { ...this.timings, ...timings };
    return previous;
  }

  /**
   * Makes the API caller unable (or able again) to kms:Decrypt with `keyArn`:
   * a function whose environment is encrypted with it then shows
   * `Environment.Error` and no `Variables` (GetFunction, GetFunctionConfiguration,
   * ListVersionsByFunction, ListFunctions). The function itself still runs with them.
   */
  public denyKmsDecrypt(keyArn: string, denied = true): void {
    if (denied) this.undecryptable.add(keyArn);
    else this.undecryptable.delete(keyArn);
  }

  private updating(fn: FunctionRecord): boolean {
    return fn.updateUntil !== undefined && this.o.clock.now() < fn.updateUntil;
  }

  /** Refuses what Lambda refuses while $LATEST's last update is still InProgress. */
  private assertNotUpdating(fn: FunctionRecord): void {
    if (this.updating(fn)) throw updateInProgress(this.functionArn(fn.name));
  }

  private stateOf(v: VersionRecord): 'Pending' | 'Active' {
    return v.pendingUntil !== undefined && this.o.clock.now() < v.pendingUntil ? 'Pending' : 'Active';
  }

  // ---- configuration -----------------------------------------------------------

  private codeOf(handler: string, zip?: Buffer): { sha: string; size: number } {
    const { file } = resolveHandler(handler, this.o.repoRoot);
    const hash = createHash('sha256');
    let size = 0;
    if (file) {
      const bytes = readFileSync(file);
      hash.update(bytes);
      size += bytes.length;
    }
    if (zip) {
      hash.update(zip);
      size += zip.length;
    }
    return { sha: hash.digest('base64'), size };
  }

  private checkEnvironment(env: unknown): Record<string, string> | undefined {
    if (env === undefined || env === null) return undefined;
    const vars = ((env as { Variables?: Record<string, unknown> }).Variables ?? {}) as Record<string, unknown>;
    const reserved = Object.keys(vars).filter((k) => RESERVED_ENV.has(k));
    if (reserved.length) {
      throw invalid(`Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`);
    }
    return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));
  }

  private checkNumbers(body: Body): void {
    if (body.Timeout !== undefined && !(Number.isInteger(body.Timeout) && (body.Timeout as number) >= 1 && (body.Timeout as number) <= 900)) {
      throw invalid('Timeout must be between 1 and 900 seconds');
    }
    if (body.MemorySize !== undefined && !(Number.isInteger(body.MemorySize) && (body.MemorySize as number) >= 128 && (body.MemorySize as number) <= 10240)) {
      throw invalid('MemorySize must be between 128 and 10240 MB');
    }
  }

  /** What the API shows of the environment: the variables, or Environment.Error when the caller cannot decrypt them. */
  private environmentJson(v: VersionRecord): Body {
    if (Object.keys(v.Variables).length === 0) return {};
    if (v.KMSKeyArn && this.undecryptable.has(v.KMSKeyArn)) {
      return {
        Environment: {
          Error: {
            ErrorCode: 'AccessDeniedException',
            Message: `Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: AccessDeniedException KMS Message: The caller is not authorized to perform kms:Decrypt on ${v.KMSKeyArn}`,
          },
        },
      };
    }
    return { Environment: { Variables: { ...v.Variables } } };
  }

  public configuration(fn: FunctionRecord, v: VersionRecord, qualifierForArn?: string): Body {
    const updating = v.Version === '$LATEST' && this.updating(fn);
    const state = this.stateOf(v);
    return {
      FunctionName: fn.name,
      FunctionArn: this.functionArn(fn.name, qualifierForArn ?? (v.Version === '$LATEST' ? undefined : v.Version)),
      Runtime: v.Runtime,
      Role: v.Role,
      Handler: v.Handler,
      CodeSize: v.CodeSize,
      Description: v.Description,
      Timeout: v.Timeout,
      MemorySize: v.MemorySize,
      LastModified: v.LastModified,
      CodeSha256: v.CodeSha256,
      Version: v.Version,
      ...this.environmentJson(v),
      ...(v.KMSKeyArn ? { KMSKeyArn: v.KMSKeyArn } : {}),
      ...(v.DeadLetterTarget ? { DeadLetterConfig: { TargetArn: v.DeadLetterTarget } } : {}),
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: v.RevisionId,
      State: state,
      ...(state === 'Pending' ? { StateReason: 'The function is being created.', StateReasonCode: 'Creating' } : {}),
      LastUpdateStatus: updating ? 'InProgress' : 'Successful',
      ...(updating ? { LastUpdateStatusReason: 'The function is being updated.', LastUpdateStatusReasonCode: 'Updating' } : {}),
      PackageType: 'Zip',
      Architectures: [...v.Architectures],
      EphemeralStorage: { Size: 512 },
      SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
      LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
    };
  }

  public createFunction(body: Body): Body {
    const name = String(body.FunctionName ?? '');
    if (!NAME_RE.test(name)) throw invalid(`Invalid FunctionName '${name}'`);
    if (this.functions.has(name)) throw conflict(`Function already exist: ${name}`);
    if (!body.Role) throw invalid('Role is required');
    if (!body.Handler) throw invalid('Handler is required for a Zip function (the sandbox reads it as <module path>.<export>)');
    if (!body.Runtime) throw invalid('Runtime is required for a Zip function');
    this.checkNumbers(body);
    const variables = this.checkEnvironment(body.Environment) ?? {};
    const code = (body.Code ?? {}) as { ZipFile?: string };
    const zip = code.ZipFile ? Buffer.from(code.ZipFile, 'base64') : undefined;
    const { sha, size } = this.codeOf(String(body.Handler), zip);
    const fn: FunctionRecord = {
      name,
      latest: {
        Version: '$LATEST',
        Handler: String(body.Handler),
        Runtime: String(body.Runtime),
        Role: String(body.Role),
        Description: String(body.Description ?? ''),
        Timeout: (body.Timeout as number | undefined) ?? 3,
        MemorySize: (body.MemorySize as number | undefined) ?? 128,
        Variables: variables,
        Architectures: (body.Architectures as string[] | undefined) ?? ['x86_64'],
        CodeSha256: sha,
        CodeSize: size,
        LastModified: lambdaDate(this.o.clock.now()),
        RevisionId: randomUUID(),
        ...(body.KMSKeyArn ? { KMSKeyArn: String(body.KMSKeyArn) } : {}),
        ...deadLetterOf(body),
      },
      versions: new Map(),
      nextVersion: 1,
      aliases: new Map(),
      provisioned: new Map(),
      tags: (body.Tags as Record<string, string> | undefined) ?? {},
      ...(zip ? { zip } : {}),
    };
    this.functions.set(name, fn);
    if (body.Publish === true) return this.configuration(fn, this.publish(fn, {}));
    return this.configuration(fn, fn.latest);
  }

  public getFunction(ref: string, qualifier?: string): Body {
    const r = this.fn(ref, qualifier);
    const v = this.versionOf(r.fn, r.qualifier);
    return {
      Configuration: this.configuration(r.fn, v, r.qualifier && r.fn.aliases.has(r.qualifier) ? r.qualifier : undefined),
      Code: { RepositoryType: 'S3', Location: `file://${resolveHandler(v.Handler, this.o.repoRoot).file ?? v.Handler}` },
      Tags: { ...r.fn.tags },
      ...(r.fn.reserved !== undefined ? { Concurrency: { ReservedConcurrentExecutions: r.fn.reserved } } : {}),
    };
  }

  public getFunctionConfiguration(ref: string, qualifier?: string): Body {
    const r = this.fn(ref, qualifier);
    return this.configuration(r.fn, this.versionOf(r.fn, r.qualifier), r.qualifier && r.fn.aliases.has(r.qualifier) ? r.qualifier : undefined);
  }

  public listFunctions(marker?: string, maxItems?: number): Body {
    const all = [...this.functions.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((fn) => this.configuration(fn, fn.latest));
    return paginate(all, 'Functions', marker, Math.min(maxItems ?? LIST_PAGE_CAP, LIST_PAGE_CAP));
  }

  private touchLatest(fn: FunctionRecord): void {
    fn.latest.RevisionId = randomUUID();
    fn.latest.LastModified = lambdaDate(this.o.clock.now());
    // The update runs on for updateSeconds (LastUpdateStatus InProgress).
    if (this.timings.updateSeconds > 0) fn.updateUntil = this.o.clock.now() + this.timings.updateSeconds * 1000;
    // $LATEST's environment is replaced by a fresh one with the new settings, as on Lambda.
    void this.retire(fn.name, '$LATEST');
  }

  public updateFunctionConfiguration(ref: string, body: Body): Body {
    const { fn } = this.fn(ref);
    this.assertNotUpdating(fn);
    if (body.RevisionId !== undefined && body.RevisionId !== fn.latest.RevisionId) {
      throw precondition('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    this.checkNumbers(body);
    const variables = this.checkEnvironment(body.Environment);
    const l = fn.latest;
    // Environment.Variables replaces the whole map: callers merge before sending, as on AWS.
    if (variables !== undefined) l.Variables = variables;
    if (body.Handler !== undefined) l.Handler = String(body.Handler);
    if (body.Runtime !== undefined) l.Runtime = String(body.Runtime);
    if (body.Role !== undefined) l.Role = String(body.Role);
    if (body.Description !== undefined) l.Description = String(body.Description);
    if (body.Timeout !== undefined) l.Timeout = body.Timeout as number;
    if (body.MemorySize !== undefined) l.MemorySize = body.MemorySize as number;
    if (body.KMSKeyArn !== undefined) {
      if (body.KMSKeyArn) l.KMSKeyArn = String(body.KMSKeyArn);
      else delete l.KMSKeyArn;
    }
    if (body.DeadLetterConfig !== undefined) {
      const dlq = deadLetterOf(body).DeadLetterTarget;
      if (dlq) l.DeadLetterTarget = dlq;
      else delete l.DeadLetterTarget;
    }
    this.touchLatest(fn);
    return this.configuration(fn, l);
  }

  public updateFunctionCode(ref: string, body: Body): Body {
    const { fn } = this.fn(ref);
    this.assertNotUpdating(fn);
    if (body.RevisionId !== undefined && body.RevisionId !== fn.latest.RevisionId) {
      throw precondition('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    const zip = typeof body.ZipFile === 'string' ? Buffer.from(body.ZipFile, 'base64') : fn.zip;
    const { sha, size } = this.codeOf(fn.latest.Handler, zip);
    if (body.DryRun === true) return { ...this.configuration(fn, fn.latest), CodeSha256: sha, CodeSize: size };
    if (zip) fn.zip = zip;
    fn.latest.CodeSha256 = sha;
    fn.latest.CodeSize = size;
    this.touchLatest(fn);
    // Publish: true publishes as part of this update (not a second operation refused by it).
    if (body.Publish === true) return this.configuration(fn, this.publish(fn, {}, { partOfUpdate: true }));
    return this.configuration(fn, fn.latest);
  }

  private publish(fn: FunctionRecord, body: Body, how: { partOfUpdate?: boolean } = {}): VersionRecord {
    if (!how.partOfUpdate) this.assertNotUpdating(fn);
    if (body.CodeSha256 !== undefined && body.CodeSha256 !== fn.latest.CodeSha256) {
      throw invalid(`CodeSHA256 (${String(body.CodeSha256)}) is different from current CodeSHA256 in $LATEST (${fn.latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`);
    }
    if (body.RevisionId !== undefined && body.RevisionId !== fn.latest.RevisionId) {
      throw precondition('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    // Nothing changed since the last publish: Lambda returns that version instead of a new one.
    if (fn.publishedFrom && fn.publishedFrom.revisionId === fn.latest.RevisionId) {
      const existing = fn.versions.get(fn.publishedFrom.version);
      if (existing) return existing;
    }
    const version = String(fn.nextVersion++);
    const record: VersionRecord = {
      ...fn.latest,
      Version: version,
      Variables: { ...fn.latest.Variables },
      Architectures: [...fn.latest.Architectures],
      Description: body.Description !== undefined ? String(body.Description) : fn.latest.Description,
      LastModified: lambdaDate(this.o.clock.now()),
      RevisionId: randomUUID(),
      ...(this.timings.publishSeconds > 0 ? { pendingUntil: this.o.clock.now() + this.timings.publishSeconds * 1000 } : {}),
    };
    fn.versions.set(version, record);
    fn.publishedFrom = { revisionId: fn.latest.RevisionId, version };
    return record;
  }

  public publishVersion(ref: string, body: Body): Body {
    const { fn } = this.fn(ref);
    return this.configuration(fn, this.publish(fn, body));
  }

  public listVersions(ref: string, marker?: string, maxItems?: number): Body {
    const { fn } = this.fn(ref);
    const all = [fn.latest, ...[...fn.versions.values()].sort((a, b) => Number(a.Version) - Number(b.Version))].map((v) => this.configuration(fn, v));
    // "ListVersionsByFunction returns a maximum of 50 items in each response, even if you set the number higher."
    return paginate(all, 'Versions', marker, Math.min(maxItems ?? LIST_PAGE_CAP, LIST_PAGE_CAP));
  }

  // ---- aliases -----------------------------------------------------------------

  private aliasJson(fn: FunctionRecord, a: AliasRecord): Body {
    return {
      AliasArn: this.functionArn(fn.name, a.Name),
      Name: a.Name,
      FunctionVersion: a.FunctionVersion,
      Description: a.Description,
      ...(a.Weights && Object.keys(a.Weights).length ? { RoutingConfig: { AdditionalVersionWeights: { ...a.Weights } } } : {}),
      RevisionId: a.RevisionId,
    };
  }

  private checkRouting(fn: FunctionRecord, functionVersion: string, routing: unknown): Record<string, number> | undefined {
    if (functionVersion !== '$LATEST' && !fn.versions.has(functionVersion)) throw notFound(`Function not found: ${this.functionArn(fn.name, functionVersion)}`);
    if (routing === undefined || routing === null) return undefined;
    const weights = ((routing as { AdditionalVersionWeights?: Record<string, unknown> }).AdditionalVersionWeights ?? {}) as Record<string, unknown>;
    const entries = Object.entries(weights);
    if (entries.length === 0) return undefined;
    if (entries.length > 1) throw invalid('Number of items in AdditionalVersionWeights must be at most 1: an alias routes to at most two versions');
    const [version, weight] = entries[0] as [string, unknown];
    if (functionVersion === '$LATEST') throw invalid('$LATEST is not supported for an alias pointing to more than 1 version');
    if (!fn.versions.has(version)) throw invalid(`Version ${version} of function ${fn.name} does not exist`);
    if (version === functionVersion) throw invalid('The additional version must be different from the alias FunctionVersion');
    if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) throw invalid('AdditionalVersionWeights values must be between 0.0 and 1.0');
    // "Both versions must have the same execution role … the same dead-letter queue configuration, or no dead-letter queue configuration."
    const primary = fn.versions.get(functionVersion) as VersionRecord;
    const additional = fn.versions.get(version) as VersionRecord;
    if (primary.Role !== additional.Role) throw invalid('Specified versions must be associated with the same execution role');
    if ((primary.DeadLetterTarget ?? '') !== (additional.DeadLetterTarget ?? '')) throw invalid('Specified versions must be associated with the same dead letter queue configuration');
    return { [version]: weight };
  }

  public createAlias(ref: string, body: Body): Body {
    const { fn } = this.fn(ref);
    const name = String(body.Name ?? '');
    if (!ALIAS_RE.test(name) || name === '$LATEST') throw invalid(`Invalid alias name '${name}'`);
    if (fn.aliases.has(name)) throw conflict(`Alias already exists: ${this.functionArn(fn.name, name)}`);
    const functionVersion = String(body.FunctionVersion ?? '');
    const weights = this.checkRouting(fn, functionVersion, body.RoutingConfig);
    const alias: AliasRecord = { Name: name, FunctionVersion: functionVersion, Description: String(body.Description ?? ''), RevisionId: randomUUID(), ...(weights ? { Weights: weights } : {}) };
    fn.aliases.set(name, alias);
    return this.aliasJson(fn, alias);
  }

  private alias(fn: FunctionRecord, name: string): AliasRecord {
    const alias = fn.aliases.get(name);
    if (!alias) throw notFound(`Alias not found: ${this.functionArn(fn.name, name)}`);
    return alias;
  }

  public getAlias(ref: string, name: string): Body {
    const { fn } = this.fn(ref);
    return this.aliasJson(fn, this.alias(fn, name));
  }

  public updateAlias(ref: string, name: string, body: Body): Body {
    const { fn } = this.fn(ref);
    const alias = this.alias(fn, name);
    if (body.RevisionId !== undefined && body.RevisionId !== alias.RevisionId) {
      throw precondition('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    const functionVersion = body.FunctionVersion !== undefined ? String(body.FunctionVersion) : alias.FunctionVersion;
    // Omitted RoutingConfig keeps the current weights; an empty map clears them.
    const routing = body.RoutingConfig !== undefined ? body.RoutingConfig : alias.Weights ? { AdditionalVersionWeights: alias.Weights } : undefined;
    const weights = this.checkRouting(fn, functionVersion, routing);
    alias.FunctionVersion = functionVersion;
    if (weights) alias.Weights = weights;
    else delete alias.Weights;
    if (body.Description !== undefined) alias.Description = String(body.Description);
    alias.RevisionId = randomUUID();
    return this.aliasJson(fn, alias);
  }

  public deleteAlias(ref: string, name: string): void {
    const { fn } = this.fn(ref);
    this.alias(fn, name);
    fn.aliases.delete(name);
    fn.provisioned.delete(name);
  }

  public listAliases(ref: string, functionVersion?: string, marker?: string, maxItems?: number): Body {
    const { fn } = this.fn(ref);
    const all = [...fn.aliases.values()]
      .filter((a) => !functionVersion || a.FunctionVersion === functionVersion || (a.Weights && functionVersion in a.Weights))
      .sort((a, b) => (a.Name < b.Name ? -1 : 1))
      .map((a) => this.aliasJson(fn, a));
    return paginate(all, 'Aliases', marker, maxItems);
  }

  // ---- deletion ------------------------------------------------------------------

  public async deleteFunction(ref: string, qualifier?: string): Promise<void> {
    const r = this.fn(ref, qualifier);
    const fn = r.fn;
    if (r.qualifier === undefined) {
      this.functions.delete(fn.name);
      await this.retire(fn.name);
      return;
    }
    if (r.qualifier === '$LATEST') throw invalid('$LATEST version cannot be deleted without deleting the function.');
    if (fn.aliases.has(r.qualifier)) throw invalid('Deletion of aliases is not supported by DeleteFunction; use DeleteAlias');
    if (!fn.versions.has(r.qualifier)) throw notFound(`Function not found: ${this.functionArn(fn.name, r.qualifier)}`);
    const users = [...fn.aliases.values()].filter((a) => a.FunctionVersion === r.qualifier || (a.Weights && (r.qualifier as string) in a.Weights)).map((a) => a.Name);
    if (users.length) throw conflict(`Unable to delete version because the following aliases reference it: [${users.join(', ')}]`);
    fn.versions.delete(r.qualifier);
    fn.provisioned.delete(r.qualifier);
    fn.policies?.delete(r.qualifier);
    await this.retire(fn.name, r.qualifier);
  }

  // ---- resource-based policy ----------------------------------------------------------

  private policyTarget(ref: string, qualifier: string | undefined): { fn: FunctionRecord; key: string } {
    const r = this.fn(ref, qualifier);
    if (r.qualifier !== undefined && r.qualifier !== '$LATEST') this.versionOf(r.fn, r.qualifier);
    return { fn: r.fn, key: r.qualifier ?? '' };
  }

  /** AddPermission: a statement per id; the same id twice is ResourceConflictException, as on Lambda. */
  public addPermission(ref: string, qualifier: string | undefined, body: Body): Body {
    const t = this.policyTarget(ref, qualifier);
    // ResourceConflictException also means "another operation is in progress" on the function.
    this.assertNotUpdating(t.fn);
    const sid = String(body.StatementId ?? '');
    if (!/^[a-zA-Z0-9-_]{1,100}$/.test(sid)) throw invalid(`Invalid StatementId '${sid}'`);
    if (!body.Action || !body.Principal) throw invalid('Action and Principal are required');
    const policies = (t.fn.policies ??= new Map());
    const statements = policies.get(t.key) ?? new Map<string, PolicyStatement>();
    if (statements.has(sid)) throw conflict(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    const principal = String(body.Principal);
    const condition: Record<string, Record<string, string>> = {};
    if (body.SourceArn) condition.ArnLike = { 'AWS:SourceArn': String(body.SourceArn) };
    if (body.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': String(body.SourceAccount) };
    const statement: PolicyStatement = {
      Sid: sid,
      Effect: 'Allow',
      Principal: principal.includes('.amazonaws.com') ? { Service: principal } : { AWS: principal },
      Action: String(body.Action),
      Resource: this.functionArn(t.fn.name, t.key || undefined),
      ...(Object.keys(condition).length ? { Condition: condition } : {}),
    };
    statements.set(sid, statement);
    policies.set(t.key, statements);
    return { Statement: JSON.stringify(statement) };
  }

  public getPolicy(ref: string, qualifier: string | undefined): Body {
    const t = this.policyTarget(ref, qualifier);
    const statements = t.fn.policies?.get(t.key);
    if (!statements || statements.size === 0) throw notFound('The resource you requested does not exist.');
    return { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: [...statements.values()] }), RevisionId: randomUUID() };
  }

  public removePermission(ref: string, qualifier: string | undefined, sid: string): void {
    const t = this.policyTarget(ref, qualifier);
    this.assertNotUpdating(t.fn);
    if (!t.fn.policies?.get(t.key)?.delete(sid)) throw notFound(`Statement ${sid} is not found in resource policy.`);
  }

  /**
   * Whether the policy of the invoked function (or version) lets `service`
   * invoke it from `sourceArn` (ArnLike: `*` and `?` wildcards), as Lambda
   * checks a service principal's call.
   */
  public allows(ref: string, service: string, sourceArn: string): boolean {
    const r = this.fn(ref);
    const statements = r.fn.policies?.get(r.qualifier ?? '');
    const like = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(sourceArn);
    return [...(statements?.values() ?? [])].some(
      (st) =>
        'Service' in st.Principal &&
        st.Principal.Service === service &&
        (st.Action === 'lambda:InvokeFunction' || st.Action === 'lambda:*') &&
        (!st.Condition?.ArnLike || like(st.Condition.ArnLike['AWS:SourceArn'] ?? '')),
    );
  }

  // ---- concurrency -----------------------------------------------------------------

  private provisionedTarget(ref: string, qualifier: string | undefined): { fn: FunctionRecord; qualifier: string } {
    const r = this.fn(ref, qualifier);
    if (!r.qualifier) throw invalid('Qualifier is required');
    if (r.qualifier === '$LATEST') throw invalid('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    this.versionOf(r.fn, r.qualifier);
    return { fn: r.fn, qualifier: r.qualifier };
  }

  private provisionedJson(p: ProvisionedRecord): Body {
    return {
      RequestedProvisionedConcurrentExecutions: p.requested,
      AvailableProvisionedConcurrentExecutions: p.requested,
      AllocatedProvisionedConcurrentExecutions: p.requested,
      Status: 'READY',
      LastModified: p.lastModified,
    };
  }

  public putProvisionedConcurrency(ref: string, qualifier: string | undefined, body: Body): Body {
    const t = this.provisionedTarget(ref, qualifier);
    const requested = body.ProvisionedConcurrentExecutions;
    if (!Number.isInteger(requested) || (requested as number) < 1) throw invalid('ProvisionedConcurrentExecutions must be at least 1');
    const record = { requested: requested as number, lastModified: lambdaDate(this.o.clock.now()) };
    t.fn.provisioned.set(t.qualifier, record);
    return this.provisionedJson(record);
  }

  public getProvisionedConcurrency(ref: string, qualifier: string | undefined): Body {
    const t = this.provisionedTarget(ref, qualifier);
    const record = t.fn.provisioned.get(t.qualifier);
    if (!record) throw new ServiceError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function', 404);
    return this.provisionedJson(record);
  }

  public deleteProvisionedConcurrency(ref: string, qualifier: string | undefined): void {
    const t = this.provisionedTarget(ref, qualifier);
    if (!t.fn.provisioned.delete(t.qualifier)) throw new ServiceError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function', 404);
  }

  public listProvisionedConcurrency(ref: string): Body {
    const { fn } = this.fn(ref);
    return {
      ProvisionedConcurrencyConfigs: [...fn.provisioned].map(([q, p]) => ({ FunctionArn: this.functionArn(fn.name, q), ...this.provisionedJson(p) })),
    };
  }

  public putReservedConcurrency(ref: string, body: Body): Body {
    const { fn } = this.fn(ref);
    const n = body.ReservedConcurrentExecutions;
    if (!Number.isInteger(n) || (n as number) < 0) throw invalid('ReservedConcurrentExecutions must be a non-negative integer');
    fn.reserved = n as number;
    return { ReservedConcurrentExecutions: n };
  }

  public getReservedConcurrency(ref: string): Body {
    const { fn } = this.fn(ref);
    return fn.reserved === undefined ? {} : { ReservedConcurrentExecutions: fn.reserved };
  }

  public deleteReservedConcurrency(ref: string): void {
    delete this.fn(ref).fn.reserved;
  }

  // ---- invoke ----------------------------------------------------------------------

  /** Picks the version an invocation runs: an alias splits traffic by its weights. */
  private route(fn: FunctionRecord, qualifier: string | undefined): { version: VersionRecord; viaAlias: boolean } {
    if (qualifier !== undefined && fn.aliases.has(qualifier)) {
      const alias = fn.aliases.get(qualifier) as AliasRecord;
      let chosen = alias.FunctionVersion;
      const [extra, weight] = Object.entries(alias.Weights ?? {})[0] ?? [];
      if (extra !== undefined && weight !== undefined && Math.random() < weight) chosen = extra;
      return { version: chosen === '$LATEST' ? fn.latest : (fn.versions.get(chosen) as VersionRecord), viaAlias: true };
    }
    return { version: this.versionOf(fn, qualifier), viaAlias: false };
  }

  private environmentFor(fn: FunctionRecord, v: VersionRecord): EnvironmentPool {
    // No new worker once stop() has begun: it would outlive the sandbox.
    if (this.stopped) throw new ServiceError('ServiceException', 'The sandbox is stopping', 503);
    const key = `${fn.name}:${v.Version}`;
    let env = this.environments.get(key);
    if (!env) {
      // "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN – The access keys obtained from the function's execution role."
      const credentials = this.o.credentials?.(v.Role, fn.name);
      env = new EnvironmentPool(
        {
          functionName: fn.name,
          version: v.Version,
          handler: v.Handler,
          timeoutSeconds: v.Timeout,
          env: {
            // What the Lambda runtime provides: the execution role's session (the sandbox reads the
            // access key id of each signed request and checks no signature).
            AWS_REGION: this.o.region,
            AWS_DEFAULT_REGION: this.o.region,
            AWS_ACCESS_KEY_ID: credentials?.accessKeyId ?? 'sandbox',
            AWS_SECRET_ACCESS_KEY: credentials?.secretAccessKey ?? 'sandbox',
            ...(credentials ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
            AWS_LAMBDA_FUNCTION_NAME: fn.name,
            AWS_LAMBDA_FUNCTION_VERSION: v.Version,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(v.MemorySize),
            AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
            AWS_LAMBDA_LOG_STREAM_NAME: `sandbox/[${v.Version}]${randomUUID().replace(/-/g, '')}`,
            AWS_EXECUTION_ENV: `AWS_Lambda_${v.Runtime}`,
            AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
            LAMBDA_TASK_ROOT: this.o.repoRoot,
            _HANDLER: v.Handler,
            TZ: 'UTC',
            PATH: process.env.PATH ?? '',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            // Never let a sandboxed function reach real AWS by default.
            AWS_ENDPOINT_URL: this.o.endpointUrl(),
            ...v.Variables,
          },
        },
        this.o.repoRoot,
        this.o.clock,
        this.concurrency,
      );
      this.environments.set(key, env);
    }
    return env;
  }

  private throttle(fn: FunctionRecord, resource: string | undefined, error: ServiceError): ServiceError {
    this.o.cloudwatch.recordLambdaInvocation({ functionName: fn.name, ...(resource ? { resource } : {}), durationMs: 0, error: false, throttled: true });
    return error;
  }

  /** Invoke, as the HTTP API and Step Functions Task states call it. Throws ServiceError for API errors. */
  public async invoke(req: InvokeRequest): Promise<InvokeResponse> {
    const r = this.fn(req.functionName, req.qualifier);
    const fn = r.fn;
    const resource = r.qualifier !== undefined ? `${fn.name}:${r.qualifier}` : undefined;
    this.versionOf(fn, r.qualifier);
    const fault = this.o.faults.take('lambda', 'Invoke');
    if (fault.latencyMs) await new Promise((res) => setTimeout(res, fault.latencyMs));
    if (fault.error) {
      const err = faultError('lambda', 'Invoke', fault.error);
      throw fault.error === 'throttle' ? this.throttle(fn, resource, err) : err;
    }
    const payloadText = req.payload === undefined ? '' : Buffer.isBuffer(req.payload) ? req.payload.toString('utf8') : req.payload;
    if (Buffer.byteLength(payloadText) > MAX_SYNC_PAYLOAD) throw new ServiceError('RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', 413);
    if (payloadText.trim()) {
      try {
        JSON.parse(payloadText);
      } catch {
        throw new ServiceError('InvalidRequestContentException', 'Could not parse request body into json: Unexpected character', 400);
      }
    }
    const type = req.invocationType ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) throw invalid(`Invalid InvocationType '${type}'`);
    const { version, viaAlias } = this.route(fn, r.qualifier);
    // "Lambda does not invoke a function during pending state."
    if (this.stateOf(version) === 'Pending') throw notActive('Pending');
    if (type === 'DryRun') return { statusCode: 204, executedVersion: version.Version, payload: Buffer.alloc(0) };
    // Asynchronous invocations are queued by Lambda, not throttled at the door.
    const reason = type === 'RequestResponse' ? this.concurrencyExceeded(fn) : undefined;
    if (reason) throw this.throttle(fn, resource, new ServiceError('TooManyRequestsException', 'Rate Exceeded.', 429, { Reason: reason }, undefined, { 'retry-after': '1' }));
    const run = this.counted(fn, () => this.execute(fn, version, { resource, viaAlias, qualifier: r.qualifier, event: payloadText.trim() ? payloadText : '{}', clientContext: req.clientContext }));
    if (type === 'Event') {
      // Asynchronous invocation: accepted now, run in the background (errors end up in metrics).
      const p = run.catch(() => undefined);
      this.background.add(p);
      void p.finally(() => this.background.delete(p));
      return { statusCode: 202, executedVersion: version.Version, payload: Buffer.alloc(0) };
    }
    const outcome = await run;
    const response: InvokeResponse = {
      statusCode: 200,
      executedVersion: version.Version,
      payload: Buffer.from(outcome.ok ? outcome.payload : JSON.stringify(outcome.error)),
      ...(outcome.ok ? {} : { functionError: 'Unhandled' as const }),
    };
    if (outcome.ok && response.payload.length > MAX_SYNC_PAYLOAD) {
      response.payload = Buffer.from(JSON.stringify({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).' }));
      response.functionError = 'Unhandled';
    }
    if (req.logType === 'Tail') response.logResult = Buffer.from(outcome.tail.slice(-4096)).toString('base64');
    return response;
  }

  /**
   * Why one more synchronous invocation of `fn` would be throttled, if it would. "Reserved
   * concurrency is the maximum number of concurrent instances that you want to allocate to
   * your function"; the others share what is left of the account's limit ("the unreserved
   * concurrency pool"); "If requests come in faster than your function can scale, or if your
   * function is at maximum concurrency, then additional requests fail with a throttling error
   * (429 status code)." — https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html,
   * https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html
   */
  private concurrencyExceeded(fn: FunctionRecord): string | undefined {
    const running = (name: string) => this.inFlight.get(name) ?? 0;
    if (fn.reserved !== undefined) return running(fn.name) >= fn.reserved ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : undefined;
    let reserved = 0;
    let unreservedRunning = 0;
    for (const other of this.functions.values()) {
      if (other.reserved !== undefined) reserved += other.reserved;
      else unreservedRunning += running(other.name);
    }
    return unreservedRunning >= this.concurrency.accountLimit - reserved ? 'ConcurrentInvocationLimitExceeded' : undefined;
  }

  private async counted<T>(fn: FunctionRecord, run: () => Promise<T>): Promise<T> {
    this.inFlight.set(fn.name, (this.inFlight.get(fn.name) ?? 0) + 1);
    try {
      return await run();
    } finally {
      const left = (this.inFlight.get(fn.name) ?? 1) - 1;
      if (left > 0) this.inFlight.set(fn.name, left);
      else this.inFlight.delete(fn.name);
    }
  }

  /** Execution environments started per `name:version` (each a cold start), live now, and the most busy at once. */
  public environmentStats(name?: string): Record<string, { started: number; live: number; peakBusy: number }> {
    const out: Record<string, { started: number; live: number; peakBusy: number }> = {};
    for (const [key, pool] of this.environments) if (name === undefined || key.startsWith(`${name}:`)) out[key] = pool.stats();
    return out;
  }

  /** environmentStats() counts from now on (a measurement's start). */
  public startOverStats(): void {
    for (const pool of this.environments.values()) pool.startOverStats();
  }

  private async execute(
    fn: FunctionRecord,
    v: VersionRecord,
    call: { resource: string | undefined; viaAlias: boolean; qualifier: string | undefined; event: string; clientContext: string | undefined },
  ): Promise<InvocationOutcome & { tail: string }> {
    const requestId = randomUUID();
    const outcome = await this.environmentFor(fn, v).invoke(call.event, {
      awsRequestId: requestId,
      functionName: fn.name,
      functionVersion: v.Version,
      invokedFunctionArn: this.functionArn(fn.name, call.qualifier),
      memoryLimitInMB: String(v.MemorySize),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `sandbox/[${v.Version}]`,
      ...(call.clientContext ? { clientContext: safeJson(Buffer.from(call.clientContext, 'base64').toString('utf8')) } : {}),
    });
    this.o.cloudwatch.recordLambdaInvocation({
      functionName: fn.name,
      ...(call.resource ? { resource: call.resource } : {}),
      ...(call.viaAlias ? { executedVersion: v.Version } : {}),
      durationMs: outcome.durationMs,
      error: !outcome.ok,
      throttled: false,
    });
    const lines = outcome.logs.split('\n').filter((l) => l.length > 0);
    for (const line of lines) {
      if (this.o.cloudwatch.ingestEmf(line)) continue;
      this.o.log?.(`[${fn.name}:${v.Version}] ${line}`);
    }
    if (!outcome.ok) this.o.log?.(`[${fn.name}:${v.Version}] ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    const tail = [
      `START RequestId: ${requestId} Version: ${v.Version}`,
      ...lines,
      `END RequestId: ${requestId}`,
      `REPORT RequestId: ${requestId}\tDuration: ${outcome.durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(outcome.durationMs)} ms\tMemory Size: ${v.MemorySize} MB`,
      '',
    ].join('\n');
    return { ...outcome, tail };
  }

  /**
   * Starts the execution environment of a function version before its first
   * invocation, so a rehearsal's virtual clock does not absorb cold starts
   * (wall time × timeScale). Resolves with the init error if the handler module did not load.
   */
  public async prewarm(ref: string, qualifier?: string): Promise<{ ok: true } | { ok: false; error: LambdaErrorPayload }> {
    const r = this.fn(ref, qualifier);
    return this.environmentFor(r.fn, this.route(r.fn, r.qualifier).version).warm();
  }

  /**
   * Retires the environments of a function (or of one of its versions): new
   * invocations get a fresh environment, the old one ends after its queue drains.
   */
  public async retire(name: string, version?: string): Promise<void> {
    const doomed = [...this.environments].filter(([key]) => (version === undefined ? key.startsWith(`${name}:`) : key === `${name}:${version}`));
    for (const [key, env] of doomed) {
      this.environments.delete(key);
      this.retiring.add(env);
    }
    await Promise.all(doomed.map(([, env]) => env.drainAndTerminate().finally(() => this.retiring.delete(env))));
  }

  /** Waits for asynchronous invocations, then terminates every environment. */
  public async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribeClock();
    await Promise.race([Promise.all([...this.background]), new Promise((r) => setTimeout(r, 2000).unref())]);
    const all = [...this.environments.values(), ...this.retiring];
    this.environments.clear();
    this.retiring.clear();
    await Promise.all(all.map((env) => env.terminate()));
  }
}

/** DeadLetterConfig.TargetArn of a Create/UpdateFunctionConfiguration body ('' or absent: none). */
function deadLetterOf(body: Body): { DeadLetterTarget?: string } {
  const target = (body.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
  return typeof target === 'string' && target ? { DeadLetterTarget: target } : {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function paginate(items: Body[], key: string, marker?: string, maxItems?: number): Body {
  const start = marker ? Number(Buffer.from(marker, 'base64').toString('utf8')) || 0 : 0;
  const size = maxItems && maxItems > 0 ? Math.min(maxItems, 10000) : 50;
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return { [key]: page, ...(next ? { NextMarker: next } : {}) };
}
