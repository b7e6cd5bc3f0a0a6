import { ConfigError, SecretsStoreError } from '../../errors';
import { rememberSecret } from '../../redact';
import { AWSCURRENT } from '../../secrets-store';
import type { RotationContext } from '../strategy';
import { parseMasterSecret, type Credential, type DbSecret } from './secret';

/**
 * The admin login named by the secret's `masterarn`, read from the store (one GetSecretValue).
 * Missing, unreadable or malformed master secrets stop the step with a message naming the
 * secret, the master and what to fix; the master's password is remembered for redaction.
 */
export async function loadMaster(ctx: RotationContext, secret: DbSecret, why: string): Promise<Credential> {
  if (!secret.masterarn) {
    throw new ConfigError(`secret ${ctx.name}: ${why} needs a master secret, but the secret has no "masterarn" field`);
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
    throw new ConfigError(`secret ${ctx.name}: its master secret ${secret.masterarn} (field "masterarn") does not exist or has no AWSCURRENT value`);
  }
  rememberSecret(version.value);
  return parseMasterSecret(version.value, secret.masterarn);
}
