import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { SecretsStoreError } from '../errors';
import { rememberSecret } from '../redact';
import { baseConfig, cached, type Factory } from './client-cache';

/**
 * Temporary credentials of a role (usually in another account), for SDK clients that act there.
 * One STS AssumeRole per role and session lifetime: the credentials are kept until five minutes
 * before they expire, so a warm function assumes each role about once an hour, not once a call.
 */

/** The STS client of the function's own identity. */
export const sts: Factory<STSClient> = /* @__PURE__ */ cached('sts', () => new STSClient(baseConfig()));

/** What an SDK client's `credentials` option takes. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

const SESSION_SECONDS = 3600;
const REFRESH_BEFORE_MS = 5 * 60_000;
const sessions = new Map<string, Promise<AwsCredentialIdentity>>();

/**
 * A credential provider for `roleArn`, session `sessionName` (CloudTrail shows it as the caller, so
 * it names keywarden). Failures are not kept: the next call assumes again.
 */
export function assumedRoleCredentials(roleArn: string, sessionName: string): AwsCredentialIdentityProvider {
  const key = `${roleArn}\n${sessionName}`;
  return async () => {
    const known = sessions.get(key);
    if (known) {
      const identity = await known.catch(() => undefined);
      if (identity?.expiration && identity.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS) {
        // Redaction forgets at every invocation; a session kept across invocations is remembered again.
        rememberSecret(identity.secretAccessKey);
        rememberSecret(identity.sessionToken);
        return identity;
      }
    }
    const fresh = assume(roleArn, sessionName);
    sessions.set(key, fresh);
    fresh.catch(() => sessions.delete(key));
    return fresh;
  };
}

async function assume(roleArn: string, sessionName: string): Promise<AwsCredentialIdentity> {
  let out;
  try {
    out = await sts().send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: SESSION_SECONDS }));
  } catch (error) {
    const code = error instanceof Error ? error.name : 'UnknownError';
    throw new SecretsStoreError(`assuming role ${roleArn} failed: ${code}`, code, { cause: error });
  }
  const creds = out.Credentials;
  if (!creds?.AccessKeyId || !creds.SecretAccessKey) throw new SecretsStoreError(`assuming role ${roleArn} returned no credentials`, 'NoCredentials');
  rememberSecret(creds.SecretAccessKey);
  if (creds.SessionToken) rememberSecret(creds.SessionToken);
  return {
    accessKeyId: creds.AccessKeyId,
    secretAccessKey: creds.SecretAccessKey,
    sessionToken: creds.SessionToken,
    expiration: creds.Expiration ?? new Date(Date.now() + SESSION_SECONDS * 1000),
  };
}
