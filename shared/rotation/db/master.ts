import { ConfigError, SecretsStoreError } from '../../errors';
import { rememberSecret } from '../../redact';
import { AWSCURRENT } from '../../secrets-store';
import { bindingViolation, checkMasterIsNotTarget } from '../binding';
import { accountOfSecretArn } from '../cross-account';
import type { RotationContext } from '../strategy';
import { parseMasterSecret, type Credential, type DbSecret } from './secret';

/**
 * The admin login of the master secret the binding names (`secret` is a bound value, so its
 * `masterarn` is the binding's full ARN), read from the store (one GetSecretValue). A master whose
 * login is one of the bound users is refused.
 * Missing, unreadable or malformed master secrets stop the step with a message naming the
 * secret, the master and what to fix; the master's password is remembered for redaction.
 */
export async function loadMaster(ctx: RotationContext, secret: DbSecret, why: string): Promise<Credential> {
  if (!secret.masterarn) {
    throw new ConfigError(`secret ${ctx.name}: ${why} needs a master secret, but its binding names none (keywarden bind ${ctx.name} ... --master <secret>)`);
  }
  // A rotation reads only secrets of its own account (in another account, through the role
  // assumed there): a master of another account is never read with that session.
  const account = accountOfSecretArn(ctx.arn);
  if (account !== undefined && accountOfSecretArn(secret.masterarn) !== account) {
    throw bindingViolation(ctx.name, 'masterarn', `its bound master secret is not in the secret's own account ${account}; a master must live beside the secret it serves`);
  }
  let version;
  try {
    version = await ctx.store.getValue(secret.masterarn, { stage: AWSCURRENT });
  } catch (error) {
    const code = error instanceof SecretsStoreError ? error.code : 'unknown error';
    throw new ConfigError(
      `secret ${ctx.name}: cannot read its master secret ${secret.masterarn} (${code}); the rotate function's role needs ` +
        'secretsmanager:GetSecretValue on it, and the master secret must carry the tag keywarden:stage=<stage>',
      { cause: error },
    );
  }
  if (!version) {
    throw new ConfigError(`secret ${ctx.name}: its bound master secret ${secret.masterarn} does not exist or has no AWSCURRENT value`);
  }
  rememberSecret(version.value);
  const master = parseMasterSecret(version.value, secret.masterarn);
  checkMasterIsNotTarget(ctx, master);
  return master;
}
