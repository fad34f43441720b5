/**
 * Who is calling: the temporary credentials the sandbox hands to each function
 * (as Lambda hands a function its execution role's session), and reading the
 * caller's access key id back out of a SigV4-signed request.
 *
 * "Lambda … obtains temporary security credentials by assuming the execution
 * role … AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN – The access
 * keys obtained from the function's execution role."
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 *
 * An assumed-role session is named `arn:aws:sts::<account>:assumed-role/<role name>/<session name>`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns);
 * Lambda names the session after the function.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The access key of tests, the CLI and the operator: an administrator, never checked. */
export const ADMIN_ACCESS_KEY_ID = 'sandbox';

export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface Session {
  readonly accessKeyId: string;
  readonly roleArn: string;
  readonly roleName: string;
  readonly sessionName: string;
  /** `arn:aws:sts::<account>:assumed-role/<role name>/<session name>`: the principal AWS names in a denial. */
  readonly principalArn: string;
}

const ROLE_ARN = /^arn:(aws[a-zA-Z-]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

export class SessionRegistry {
  private readonly byKey = new Map<string, Session & SessionCredentials>();
  private readonly byRoleAndName = new Map<string, Session & SessionCredentials>();

  /** The credentials of a role's session (the same for the same role and session name, like a cached session). */
  public issue(roleArn: string, sessionName: string): SessionCredentials {
    const id = `${roleArn}|${sessionName}`;
    const existing = this.byRoleAndName.get(id);
    if (existing) return existing;
    const match = ROLE_ARN.exec(roleArn);
    if (!match) throw new Error(`Not a role ARN: ${roleArn}`);
    const [, partition, account, roleName] = match as unknown as [string, string, string, string];
    // Temporary keys start with ASIA (long-term ones with AKIA); 20 characters in all.
    const accessKeyId = `ASIA${createHash('sha256').update(id).digest('hex').slice(0, 16).toUpperCase()}`;
    const session = {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      roleArn,
      roleName,
      sessionName,
      principalArn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    };
    this.byKey.set(accessKeyId, session);
    this.byRoleAndName.set(id, session);
    return session;
  }

  public session(accessKeyId: string): Session | undefined {
    return this.byKey.get(accessKeyId);
  }
}
