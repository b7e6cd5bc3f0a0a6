import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AccountScope } from '../accounts';
import { KeywardenError } from '../errors';
import { rememberSecret } from '../redact';
import { baseConfig } from './client-cache';
import { secretsManager } from './secrets-manager-client';
import { resourceNames } from '../resource-names';

/**
 * Clients per account and region: the home scope uses the function's own credentials; every other
 * scope a session of its role, assumed with STS AssumeRole, named after keywarden and the stage
 * (CloudTrail in the member account shows who came), with a session policy (the `Policy`
 * parameter) that narrows the session to the actions the caller names, so even a broad member
 * role yields a read-only session, and for the shortest duration STS allows (900 s), refreshed
 * by the SDK before it expires. The credentials never leave this module's clients; their secret
 * parts are remembered for redaction.
 */

/** What a scan of Secrets Manager metadata needs in a member account, and nothing else. */
export const STALENESS_READ_ACTIONS = ['secretsmanager:ListSecrets', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'] as const;

/** STS's minimum session: the scan of one account and region takes seconds. */
export const SESSION_SECONDS = 900;

/** How sessions are opened. */
export interface SessionSettings {
  /** `keywarden-<stage>-<purpose>` (RoleSessionName: up to 64 of [\w+=,.@-]). */
  sessionName: string;
  /** The only actions the session may use, whatever the role allows. */
  actions: readonly string[];
  durationSeconds?: number;
}

/** The session name for a purpose (e.g. `staleness`) and stage, cut to STS's 64 characters. */
export function sessionName(stage: string, purpose: string): string {
  return `${resourceNames(stage).stack}-${purpose}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** The session policy allowing `actions` only: the session's rights are the role's intersected with it. */
export function sessionPolicy(actions: readonly string[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [...actions], Resource: '*' }] });
}

/** Why a scope could not be reached: where (assume-role or a call) and the service's error code only. */
export class ScopeAccessError extends KeywardenError {
  constructor(
    message: string,
    readonly step: 'assume-role' | 'call',
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ScopeAccessError';
  }
}

/** The error code of an SDK error, bounded: an AWS name such as AccessDenied or ThrottlingException. */
export function errorCode(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(name) ? name : 'Error';
}

/** Clients of each scope, built once per process and scope. */
export class AccountClients {
  private readonly sessions = new Map<string, Promise<AwsCredentialIdentity>>();
  private readonly clients = new Map<string, SecretsManagerClient>();

  constructor(
    private readonly sts: STSClient,
    private readonly settings: SessionSettings,
    /** The home region: its home-account client is the shared one. */
    private readonly homeRegion: string,
  ) {}

  /** The Secrets Manager client of a scope. */
  secretsManager(scope: AccountScope): SecretsManagerClient {
    if (!scope.roleArn && scope.region === this.homeRegion) return secretsManager();
    const key = `${scope.accountId}/${scope.region}/${scope.roleArn ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new SecretsManagerClient({
        ...baseConfig(),
        region: scope.region,
        ...(scope.roleArn ? { credentials: () => this.credentials(scope) } : {}),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** The scope's session, reused until 5 minutes before it expires. */
  credentials(scope: AccountScope): Promise<AwsCredentialIdentity> {
    const key = `${scope.roleArn}\u0000${scope.externalId ?? ''}`;
    const cached = this.sessions.get(key);
    if (cached) {
      return cached.then((c) => (c.expiration && c.expiration.getTime() - Date.now() < 300_000 ? this.renew(key, scope) : c));
    }
    return this.renew(key, scope);
  }

  private renew(key: string, scope: AccountScope): Promise<AwsCredentialIdentity> {
    const session = this.assume(scope);
    this.sessions.set(key, session);
    // A failed session is not kept: the next scan tries again.
    session.catch(() => this.sessions.delete(key));
    return session;
  }

  private async assume(scope: AccountScope): Promise<AwsCredentialIdentity> {
    let out;
    try {
      out = await this.sts.send(
        new AssumeRoleCommand({
          RoleArn: scope.roleArn,
          RoleSessionName: this.settings.sessionName,
          Policy: sessionPolicy(this.settings.actions),
          DurationSeconds: this.settings.durationSeconds ?? SESSION_SECONDS,
          ...(scope.externalId !== undefined && { ExternalId: scope.externalId }),
        }),
      );
    } catch (error) {
      const code = errorCode(error);
      throw new ScopeAccessError(`AssumeRole ${scope.roleArn} failed: ${code}`, 'assume-role', code, { cause: error });
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new ScopeAccessError(`AssumeRole ${scope.roleArn} returned no credentials`, 'assume-role', 'NoCredentials');
    rememberSecret(c.SecretAccessKey);
    rememberSecret(c.SessionToken);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, ...(c.Expiration && { expiration: c.Expiration }) };
  }

  /** Closes every client this instance built (not the shared home one). */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
    this.sessions.clear();
  }
}

/** The account our own credentials belong to (STS GetCallerIdentity): the home account. */
export async function callerAccountId(sts: STSClient): Promise<string> {
  const out = await sts.send(new GetCallerIdentityCommand({}));
  if (!out.Account) throw new KeywardenError('STS GetCallerIdentity named no account');
  return out.Account;
}

/** An STS client for assuming roles (the function's own credentials and region). */
export function stsClient(): STSClient {
  return new STSClient(baseConfig());
}
