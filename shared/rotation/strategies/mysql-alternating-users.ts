import { DatabaseError } from '../../errors';
import { alternateUser, checkUserNameLength } from '../db/alternate';
import { newDbPassword } from '../db/login';
import { loadMaster } from '../db/master';
import { mysqlTarget, withMysql, type MysqlSession } from '../db/mysql-client';
import { describe, syncMysqlGrants } from '../db/mysql-grants';
import { hostsOf, killSessionsOf, testMysqlLogin } from '../db/mysql-steps';
import { parseDbSecret, withFields } from '../db/secret';
import type { RevokeOutcome, RotationStrategy } from '../strategy';

/** MariaDB's limit on user names; MySQL's is 32 and its server says so when exceeded. */
const MAX_USER_NAME = 80;

/**
 * MySQL/MariaDB, two users taking turns (`app` and `app_clone`) through the master secret named by
 * `masterarn`. The clone has an account at every host part the user has ('app'@'10.0.%' gets
 * 'app_clone'@'10.0.%', never a blanket '%'), and each account's grants are made identical to the
 * matching account of the current user on every rotation, added and revoked.
 */
export const mysqlAlternatingUsersStrategy: RotationStrategy = {
  name: 'mysql-alternating-users',

  async create(ctx) {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    const username = alternateUser(current.username);
    checkUserNameLength(ctx.name, username, MAX_USER_NAME, 'mysql');
    return withFields(current, { username, password: newDbPassword(ctx) });
  },

  async set(ctx) {
    const pending = parseDbSecret(await ctx.pending(), { secretName: ctx.name, label: 'pending' });
    const source = alternateUser(pending.username);
    const master = await loadMaster(ctx, pending, 'alternating-users rotation');
    await withMysql(mysqlTarget(ctx, pending, true), master, [pending.password, master.password], async (session) => {
      const hosts = await hostsOf(session, source);
      if (hosts.length === 0) {
        throw new DatabaseError(`mysql: user ${source} has no account on the server, so there is nothing to alternate with`, { kind: 'other' });
      }
      const existing = new Set(await hostsOf(session, pending.username));
      for (const host of hosts) await setAccountPassword(session, { user: pending.username, host }, pending.password, existing.has(host));
      // Accounts the current user no longer has keep the retired password: lock them.
      for (const host of existing) {
        if (!hosts.includes(host)) await session.query('ALTER USER ?@? ACCOUNT LOCK', [pending.username, host], `locking ${describe({ user: pending.username, host })}`);
      }
      for (const host of hosts) await syncMysqlGrants(session, { user: source, host }, { user: pending.username, host });
    });
  },

  async test(ctx) {
    await testMysqlLogin(ctx);
  },

  async revoke(ctx): Promise<RevokeOutcome> {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    const raw = await ctx.previous();
    const previous = raw === undefined ? undefined : parseDbSecret(raw, { secretName: ctx.name, label: 'previous' });
    if (!previous || previous.username === current.username) {
      return { revoked: false, detail: `secret ${ctx.name}: no previous user differs from the current one (${current.username}); nothing to revoke` };
    }
    const master = await loadMaster(ctx, current, 'revoking the previous user');
    return withMysql(mysqlTarget(ctx, current, true), master, [master.password], async (session) => {
      const hosts = await hostsOf(session, previous.username);
      for (const host of hosts) await session.query('ALTER USER ?@? ACCOUNT LOCK', [previous.username, host], `locking ${describe({ user: previous.username, host })}`);
      const ended = await killSessionsOf(session, previous.username);
      return {
        revoked: true,
        detail:
          `secret ${ctx.name}: ${hosts.length} account(s) of ${previous.username} locked and ${ended} of its connection(s) ended; ` +
          'the next rotation unlocks them with a new password',
      };
    });
  },
};

async function setAccountPassword(session: MysqlSession, account: { user: string; host: string }, password: string, exists: boolean): Promise<void> {
  const sql = exists ? 'ALTER USER ?@? IDENTIFIED BY ? ACCOUNT UNLOCK' : 'CREATE USER ?@? IDENTIFIED BY ?';
  await session.query(sql, [account.user, account.host, password], `${exists ? 'setting the password of' : 'creating'} ${describe(account)}`);
}
