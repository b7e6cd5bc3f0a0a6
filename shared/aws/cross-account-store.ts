import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RotationAccount } from '../rotation/cross-account';
import type { SecretsStore } from '../secrets-store';
import { assumedRoleCredentials } from './assume-role';
import { baseConfig, cached } from './client-cache';
import { SecretsManagerStore } from './secrets-manager-store';

/** The session name CloudTrail shows in the secret's account for keywarden's rotation calls. */
export const ROTATION_SESSION_NAME = 'keywarden-rotate';

/**
 * The Secrets Manager store of a rotation in another account: every call (DescribeSecret,
 * GetSecretValue of the secret and of a master in that account, PutSecretValue with the event's
 * RotationToken, UpdateSecretVersionStage) goes through the role configured for that account.
 * The client is built once per role and kept, like every other client; the token is the
 * request's own.
 */
export function secretsStoreIn(account: Extract<RotationAccount, { kind: 'other' }>): SecretsStore {
  const client = cached(`secretsManager:${account.roleArn}`, () => new SecretsManagerClient({ ...baseConfig(), credentials: assumedRoleCredentials(account.roleArn, ROTATION_SESSION_NAME) }))();
  return new SecretsManagerStore(client, account.rotationToken === undefined ? {} : { rotationToken: account.rotationToken });
}
