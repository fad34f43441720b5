/**
 * IAM in the sandbox: the roles the deployed template defines, with their
 * policy documents, so that every call a sandbox function (or the state
 * machine) makes can be authorized against its own role, as AWS does.
 *
 * Contract (issue #10):
 *  - the deployer (sandbox/deploy-orchestrator.ts, from the synthesized template)
 *    calls `putRole(roleArn, policies)` for every AWS::IAM::Role, with the
 *    resolved documents of its inline Policies and of every AWS::IAM::Policy
 *    attached to it;
 *  - the enforcement (sandbox/iam/) reads `role(roleArn)` when it authorizes.
 */
import { SessionRegistry } from '../iam/identity';

/** An IAM policy document as CloudFormation carries it (intrinsics already resolved). */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatementDoc[] | PolicyStatementDoc;
}

export interface PolicyStatementDoc {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[] | boolean>>>>;
}

export interface RoleRecord {
  readonly arn: string;
  readonly name: string;
  /** Identity-based policies in force for the role (inline and attached). */
  readonly policies: readonly PolicyDocument[];
}

export class IamService {
  private readonly roles = new Map<string, RoleRecord>();
  /** Temporary credentials of role sessions (a function's execution role, the state machine's role). */
  public readonly sessions = new SessionRegistry();
  /** Changes whenever a role's policies do (the authorizer's cache follows it). */
  public version = 0;

  /** Creates or replaces a role and the identity policies in force for it. */
  public putRole(arn: string, policies: readonly PolicyDocument[]): RoleRecord {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    const record: RoleRecord = { arn, name, policies: [...policies] };
    this.roles.set(arn, record);
    this.version++;
    return record;
  }

  public role(arn: string): RoleRecord | undefined {
    return this.roles.get(arn);
  }

  public listRoles(): readonly RoleRecord[] {
    return [...this.roles.values()];
  }
}
