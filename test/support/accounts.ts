import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/**
 * Several accounts on one local AWS: moto keys its state by account id, and a session of a role
 * assumed in another account acts in that account. The local credentials act in {@link HOME}.
 */

/** The account the local credentials (and so keywarden's functions) act in: moto's default. */
export const HOME = '123456789012';
/** A member account whose secrets keywarden rotates and audits. */
export const MEMBER = '111111111111';
/** A third account keywarden must never act in. */
export const THIRD = '222222222222';

/**
 * The rotation role an administrator configures for `account`. `run` makes it one of its own: the
 * rotate bundle keeps an assumed session for an hour, and the local AWS forgets every session when
 * a test resets it, so each test names a role no earlier test assumed.
 */
export const rotationRoleIn = (account: string, run = '') => `arn:aws:iam::${account}:role/keywarden-ci-member-rotation${run}`;

/** A Secrets Manager client acting in `account` through a role assumed there. */
export async function secretsManagerIn(account: string, roleName = 'test-admin'): Promise<SecretsManagerClient> {
  const out = await new STSClient({}).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'test' }));
  const c = out.Credentials!;
  return new SecretsManagerClient({ credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
}
