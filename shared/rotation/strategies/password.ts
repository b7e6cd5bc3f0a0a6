import { SecretTestFailedError } from '../../errors';
import { createDryRun } from './create-dry-run';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { asTestFailure, optionalStringField, parseSecretObject, readSecretDocument, secretFormatError, withOwnedFields } from '../values/json-secret';
import { generatePassword, passwordPolicy, passwordPolicyViolations } from '../values/password-policy';

/**
 * A password with no target: keywarden generates it and consumers read it from the secret. Owns
 * the field `password`; every other field is kept.
 */
export const passwordStrategy: RotationStrategy = {
  name: 'password',

  async create(ctx: RotationContext): Promise<string> {
    const policy = passwordPolicy(ctx);
    const current = readSecretDocument(await ctx.current(), ctx.name, 'current');
    optionalStringField(current.fields, 'password', { secretName: ctx.name, label: 'current' });
    return withOwnedFields(current, { password: generatePassword(policy) });
  },

  async set(): Promise<void> {
    // No target: the secret itself is the only place the password lives.
  },

  async test(ctx: RotationContext): Promise<void> {
    const policy = passwordPolicy(ctx);
    const password = await asTestFailure(async () => pendingPassword(ctx.name, await ctx.pending()));
    const problems = passwordPolicyViolations(password, policy);
    if (problems.length > 0) {
      throw new SecretTestFailedError(`secret ${ctx.name}: the pending password ${problems.join('; ')}`);
    }
    // No comparison with the current password: a repeat would be harmless (nothing locks out),
    // and reading it would cost a GetSecretValue in every rotation.
  },

  testCurrent: (ctx: RotationContext) => createDryRun(passwordStrategy, ctx),

  async revoke(ctx: RotationContext): Promise<RevokeOutcome> {
    return {
      revoked: false,
      detail:
        `secret ${ctx.name}: nothing to revoke outside the secret; the previous password is no longer ` +
        'AWSCURRENT and keywarden configures no system that accepts it, so it stops working wherever ' +
        'consumers reload the secret',
    };
  },
};

function pendingPassword(secretName: string, value: string): string {
  const where = { secretName, label: 'pending' } as const;
  const password = optionalStringField(parseSecretObject(value, secretName, 'pending'), 'password', where);
  if (password === undefined) throw secretFormatError(secretName, 'pending', 'has no field "password"');
  return password;
}
