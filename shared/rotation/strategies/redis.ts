import { createHash } from 'node:crypto';
import { DatabaseError, SecretTestFailedError } from '../../errors';
import { dbSettings } from '../db/settings';
import { logsIn, newDbPassword } from '../db/login';
import { loadMaster } from '../db/master';
import { refusePrivilegedUsers } from '../db/privileged-target';
import { redisPrivilegesOf } from '../db/redis-privileges';
import { connectRedis, REDIS_PORT, withRedis, type RedisSession, type RedisTarget, type RespValue } from '../db/redis-client';
import { readDbSecret, type DbSecret } from '../db/secret';
import { withOwnedFields } from '../values/json-secret';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { factsWhileCurrent, rotatedFromField } from '../values/rotated-from';

/**
 * Redis ACL users (`"engine": "redis"`), with two live passwords: setSecret leaves the user with
 * exactly the current and the pending password, so between rotations current and previous both
 * work and the one before is gone. Changes go through the admin user of the master secret named
 * by `masterarn`, and passwords travel as SHA-256 hashes (`#<hash>`), never in plaintext.
 */
export const redisStrategy: RotationStrategy = {
  name: 'redis',

  async create(ctx) {
    const source = await ctx.currentVersion();
    const current = await readDbSecret(ctx, 'current');
    // setSecret keeps the current password beside the new one; Redis needs only its hash, which
    // Redis itself shows (ACL GETUSER) and writes to its ACL file, so it is noted for setSecret.
    const note = rotatedFromField(source.versionId, { [REPLACED_HASH_FACT]: passwordHash(current.password) });
    return withOwnedFields(current, { password: newDbPassword(ctx), ...note });
  },

  async set(ctx) {
    const pending = await readDbSecret(ctx, 'pending');
    const keep = [await replacedPasswordHash(ctx, pending), passwordHash(pending.password)];
    const master = await loadMaster(ctx, pending, 'redis rotation');
    const secrets = [pending.password, master.password];
    await withRedis(redisTarget(ctx, pending), master, secrets, async (admin) => {
      const held = await passwordHashesOf(admin, pending.username);
      await refusePrivilegedUsers(ctx.name, 'redis', [pending.username], (user) => redisPrivilegesOf(admin, user));
      if (held.length === 2 && keep.every((hash) => held.includes(hash))) return;
      await setPasswords(admin, pending.username, keep);
    });
  },

  async test(ctx) {
    const pending = await readDbSecret(ctx, 'pending');
    const target = redisTarget(ctx, pending);
    const works = await logsIn(async () => {
      const session = await connectRedis(target, pending, [pending.password]);
      await session.command(['PING']);
      return session;
    });
    if (!works) throw new SecretTestFailedError(`secret ${ctx.name}: redis at ${target.host}:${target.port} rejects the pending password of ${pending.username}`);
  },

  async revoke(ctx): Promise<RevokeOutcome> {
    const current = await readDbSecret(ctx, 'current');
    const master = await loadMaster(ctx, current, 'revoking a redis password');
    return withRedis(redisTarget(ctx, current), master, [current.password, master.password], async (admin) => {
      await passwordHashesOf(admin, current.username);
      await refusePrivilegedUsers(ctx.name, 'redis', [current.username], (user) => redisPrivilegesOf(admin, user));
      await setPasswords(admin, current.username, [passwordHash(current.password)]);
      const killed = await admin.command(['CLIENT', 'KILL', 'USER', current.username], `ending the connections of ${current.username}`);
      return {
        revoked: true,
        detail:
          `secret ${ctx.name}: ${current.username} now accepts only its current password; ended ${Number(killed)} connection(s) ` +
          'of the user (Redis cannot tell which password a connection used, so all of them; they reconnect with the current one)',
      };
    });
  },
};

/** The hex SHA-256 Redis keeps for a password, and accepts in `#<hash>` rules. */
export function passwordHash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}

/** The fact createSecret notes: the hash of the password the pending one replaces. */
const REPLACED_HASH_FACT = 'passwordSha256';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The hash of the current password, which setSecret keeps: from createSecret's note while the
 * version it was built from is still AWSCURRENT, else from the current value (one GetSecretValue).
 */
async function replacedPasswordHash(ctx: RotationContext, pending: DbSecret): Promise<string> {
  const noted = factsWhileCurrent(ctx, pending.fields)?.[REPLACED_HASH_FACT];
  if (typeof noted === 'string' && SHA256_HEX.test(noted)) return noted;
  return passwordHash((await readDbSecret(ctx, 'current')).password);
}

function redisTarget(ctx: RotationContext, secret: DbSecret): RedisTarget {
  return { host: secret.host, port: secret.port ?? REDIS_PORT, settings: dbSettings(ctx, secret) };
}

/** The user's password hashes, from ACL GETUSER; a missing user is an error, not created. */
async function passwordHashesOf(admin: RedisSession, username: string): Promise<string[]> {
  const reply = await admin.command(['ACL', 'GETUSER', username], `reading ACL user ${username}`);
  if (reply === null) {
    throw new DatabaseError(
      `redis: ACL user ${username} does not exist; create it with its permissions first (keywarden sets passwords only)`,
      { kind: 'other' },
    );
  }
  return aclField(reply, 'passwords');
}

/**
 * Replaces the user's passwords with exactly `hashes`, in one command (so never zero passwords in
 * between), then saves the ACL file where there is one, so a restart does not bring back the old
 * passwords.
 */
async function setPasswords(admin: RedisSession, username: string, hashes: readonly string[]): Promise<void> {
  await admin.command(['ACL', 'SETUSER', username, 'resetpass', ...hashes.map((hash) => `#${hash}`)], `setting the passwords of ${username}`);
  try {
    await admin.command(['ACL', 'SAVE'], 'saving the ACL file');
  } catch (error) {
    if (!(error instanceof DatabaseError && /not configured to use an ACL file/i.test(error.message))) throw error;
    admin.log.warn('redis has no ACL file: the new passwords live in memory until something saves them (CONFIG REWRITE, or an aclfile)', { user: username });
  }
}

function aclField(reply: RespValue, name: string): string[] {
  if (!Array.isArray(reply)) return [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const value = reply[i + 1];
    if (reply[i] === name && Array.isArray(value)) return value.map(String);
  }
  return [];
}
