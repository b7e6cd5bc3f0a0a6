import { CreateRoleCommand, EntityAlreadyExistsException, IAMClient } from '@aws-sdk/client-iam';
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

/** A client acting in `account` (moto's x-moto-account-id header), as that account's administrator would. */
export function inAccount<T extends SecretsManagerClient | IAMClient>(client: T, account: string): T {
  // Every SDK client has the same middleware stack; one client type keeps the compiler's overloads simple.
  (client as SecretsManagerClient).middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

/**
 * Creates the role `roleArn` in its account, trusting {@link HOME}: the local AWS refuses to assume
 * a role that does not exist (cli/local/moto_patches/sts.py), as AWS does.
 */
export async function ensureRole(roleArn: string): Promise<void> {
  const [, , , , account, resource] = roleArn.split(':');
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${HOME}:root` }, Action: 'sts:AssumeRole' }] };
  try {
    await inAccount(new IAMClient({}), account!).send(new CreateRoleCommand({ RoleName: resource!.slice('role/'.length), AssumeRolePolicyDocument: JSON.stringify(trust) }));
  } catch (error) {
    if (!(error instanceof EntityAlreadyExistsException)) throw error;
  }
}

/** A Secrets Manager client acting in `account` through a role assumed there. */
export async function secretsManagerIn(account: string, roleName = 'test-admin'): Promise<SecretsManagerClient> {
  await ensureRole(`arn:aws:iam::${account}:role/${roleName}`);
  const out = await new STSClient({}).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'test' }));
  const c = out.Credentials!;
  return new SecretsManagerClient({ credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } });
}
