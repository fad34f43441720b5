import {
  AddPermissionCommand,
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';

/** An AWS-shaped error, as the SDK would raise it. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' });
}

interface Version {
  version: string;
  codeSha256: string;
  env: Record<string, string>;
  description: string;
}
interface Alias {
  FunctionVersion: string;
  weights: Record<string, number>;
  RevisionId: string;
}

/** What a version answers: its output, or throw to make a function error. */
export type Behaviour = (version: Version, payload: unknown) => unknown;

/**
 * A small stateful Lambda for one function, with the AWS semantics Cutover
 * relies on: sequential versions, PublishVersion returning the latest version
 * when nothing changed, RevisionId preconditions, alias routing config.
 */
export class FakeLambda {
  public readonly mock = mockClient(LambdaClient);
  public code = 'code-v1';
  public env: Record<string, string> = {};
  public versions: Version[] = [];
  public aliases: Record<string, Alias> = {};
  public calls: { op: string; input: Record<string, unknown> }[] = [];
  public behaviour: Behaviour = (v) => ({ ok: true, version: v.version });
  /** Resource-policy statement ids per qualifier (AddPermission). */
  public permissions: Record<string, string[]> = {};
  private revision = 1;

  public constructor(
    public readonly functionName = 'ai-handler',
    public readonly region = 'eu-west-1',
    public readonly account = '123456789012',
  ) {
    this.wire();
  }

  public get arn(): string {
    return `arn:aws:lambda:${this.region}:${this.account}:function:${this.functionName}`;
  }

  /** Publish the current $LATEST as a version and point `alias` at it: the live blue. */
  public seed(alias = 'production', env: Record<string, string> = { MODEL_URI: 's3://models/ai-handler/v1.json' }): string {
    this.env = { ...env };
    const v = this.publish('initial');
    this.aliases[alias] = { FunctionVersion: v.version, weights: {}, RevisionId: this.nextRevision() };
    return v.version;
  }

  /** Share of traffic per version on an alias, in percent. */
  public split(alias = 'production'): Record<string, number> {
    const a = this.aliases[alias];
    const split: Record<string, number> = {};
    let rest = 100;
    for (const [v, w] of Object.entries(a.weights)) {
      split[v] = w * 100;
      rest -= w * 100;
    }
    split[a.FunctionVersion] = rest;
    return split;
  }

  public reset(): void {
    this.mock.reset();
    this.wire();
  }

  /** A function with nothing published, no alias, no permission and default behaviour, for the next test (then `seed`). */
  public startOver(): void {
    Object.assign(this, { versions: [], aliases: {}, calls: [], code: 'code-v1', permissions: {} });
    this.behaviour = (v) => ({ ok: true, version: v.version });
    this.reset();
  }

  private latestSha(): string {
    return createHash('sha256').update(this.code).update(JSON.stringify(this.env)).digest('base64');
  }

  private nextRevision(): string {
    return `rev-${this.revision++}`;
  }

  private publish(description: string): Version {
    const last = this.versions[this.versions.length - 1];
    const sha = this.latestSha();
    if (last && last.codeSha256 === sha && JSON.stringify(last.env) === JSON.stringify(this.env)) return last;
    const v = { version: String(this.versions.length + 1), codeSha256: sha, env: { ...this.env }, description };
    this.versions.push(v);
    return v;
  }

  private notFound(what: string): Error {
    return awsError('ResourceNotFoundException', `${what} not found`, 404);
  }

  private aliasOut(name: string) {
    const a = this.aliases[name];
    return {
      Name: name,
      AliasArn: `${this.arn}:${name}`,
      FunctionVersion: a.FunctionVersion,
      RoutingConfig: { AdditionalVersionWeights: { ...a.weights } },
      RevisionId: a.RevisionId,
    };
  }

  private wire(): void {
    const m = this.mock;
    const log = (op: string, input: object) => this.calls.push({ op, input: input as Record<string, unknown> });
    m.on(GetFunctionConfigurationCommand).callsFake((input) => {
      log('GetFunctionConfiguration', input);
      // A qualified read is that version's configuration, fixed when it was published.
      if (input.Qualifier && input.Qualifier !== '$LATEST') {
        const v = this.versions.find((x) => x.version === input.Qualifier);
        if (!v) throw this.notFound(`Function ${this.functionName}:${input.Qualifier}`);
        return { FunctionName: this.functionName, Version: v.version, CodeSha256: v.codeSha256, Environment: { Variables: { ...v.env } }, LastUpdateStatus: 'Successful', State: 'Active' };
      }
      return {
        FunctionName: this.functionName,
        CodeSha256: this.latestSha(),
        RevisionId: `latest-${this.latestSha()}`,
        Environment: { Variables: { ...this.env } },
        LastUpdateStatus: 'Successful',
        State: 'Active',
      };
    });
    m.on(UpdateFunctionConfigurationCommand).callsFake((input) => {
      log('UpdateFunctionConfiguration', input);
      if (input.RevisionId && input.RevisionId !== `latest-${this.latestSha()}`) throw awsError('PreconditionFailedException', 'revision mismatch', 412);
      this.env = { ...(input.Environment?.Variables ?? {}) };
      return { LastUpdateStatus: 'InProgress' };
    });
    m.on(PublishVersionCommand).callsFake((input) => {
      log('PublishVersion', input);
      if (input.CodeSha256 && input.CodeSha256 !== this.latestSha()) throw awsError('PreconditionFailedException', 'CodeSha256 mismatch', 412);
      const v = this.publish(input.Description ?? '');
      return { Version: v.version, FunctionArn: `${this.arn}:${v.version}`, CodeSha256: v.codeSha256, Description: v.description };
    });
    m.on(GetAliasCommand).callsFake((input) => {
      log('GetAlias', input);
      if (!this.aliases[input.Name!]) throw this.notFound(`alias ${input.Name}`);
      return this.aliasOut(input.Name!);
    });
    m.on(ListAliasesCommand).callsFake((input) => {
      log('ListAliases', input);
      return { Aliases: Object.keys(this.aliases).map((n) => this.aliasOut(n)) };
    });
    m.on(ListVersionsByFunctionCommand).callsFake((input) => {
      log('ListVersionsByFunction', input);
      return { Versions: this.versions.map((v) => ({ Version: v.version, Description: v.description, CodeSha256: v.codeSha256 })) };
    });
    m.on(UpdateAliasCommand).callsFake((input) => {
      log('UpdateAlias', input);
      const a = this.aliases[input.Name!];
      if (!a) throw this.notFound(`alias ${input.Name}`);
      if (input.RevisionId && input.RevisionId !== a.RevisionId) throw awsError('PreconditionFailedException', 'alias revision mismatch', 412);
      const weights = input.RoutingConfig?.AdditionalVersionWeights ?? a.weights;
      this.aliases[input.Name!] = { FunctionVersion: input.FunctionVersion ?? a.FunctionVersion, weights: { ...weights }, RevisionId: this.nextRevision() };
      return this.aliasOut(input.Name!);
    });
    m.on(DeleteFunctionCommand).callsFake((input) => {
      log('DeleteFunction', input);
      const served = Object.values(this.aliases).some((a) => a.FunctionVersion === input.Qualifier || input.Qualifier! in a.weights);
      if (served) throw awsError('ResourceConflictException', 'an alias routes to this version', 409);
      const before = this.versions.length;
      this.versions = this.versions.filter((v) => v.version !== input.Qualifier);
      if (this.versions.length === before) throw this.notFound(`version ${input.Qualifier}`);
      delete this.permissions[input.Qualifier!]; // a version's resource policy goes with it
      return {};
    });
    m.on(DeleteProvisionedConcurrencyConfigCommand).callsFake((input) => {
      log('DeleteProvisionedConcurrencyConfig', input);
      throw awsError('ProvisionedConcurrencyConfigNotFoundException', 'no provisioned concurrency', 404);
    });
    m.on(AddPermissionCommand).callsFake((input) => {
      log('AddPermission', input);
      const q = input.Qualifier ?? '';
      if (q && !this.versions.some((v) => v.version === q)) throw this.notFound(`version ${q}`);
      const sids = (this.permissions[q] ??= []);
      if (sids.includes(input.StatementId!)) throw awsError('ResourceConflictException', `The statement id (${input.StatementId}) provided already exists.`, 409);
      sids.push(input.StatementId!);
      return { Statement: JSON.stringify({ Sid: input.StatementId }) };
    });
    m.on(GetPolicyCommand).callsFake((input) => {
      log('GetPolicy', input);
      const sids = this.permissions[input.Qualifier ?? ''] ?? [];
      if (sids.length === 0) throw this.notFound('policy');
      return { Policy: JSON.stringify({ Version: '2012-10-17', Statement: sids.map((Sid) => ({ Sid })) }) };
    });
    m.on(InvokeCommand).callsFake((input) => {
      log('Invoke', input);
      const v = this.versions.find((x) => x.version === input.Qualifier);
      if (!v) throw this.notFound(`version ${input.Qualifier}`);
      const payload = input.Payload ? JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) : null;
      try {
        const out = this.behaviour(v, payload);
        return { StatusCode: 200, ExecutedVersion: v.version, Payload: new TextEncoder().encode(JSON.stringify(out)) };
      } catch (err) {
        const e = err as Error;
        return {
          StatusCode: 200,
          FunctionError: 'Unhandled',
          ExecutedVersion: v.version,
          Payload: new TextEncoder().encode(JSON.stringify({ errorType: e.name, errorMessage: e.message })),
        };
      }
    });
  }
}
