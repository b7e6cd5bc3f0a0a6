import { DatabaseError } from '../../errors';
import { log } from '../../log';
import { newDbPassword } from '../db/login';
import { sessionToChangeOwnPassword } from '../db/own-password';
import { connectMysql, mysqlTarget, withMysql, type MysqlSession } from '../db/mysql-client';
import { killSessionsOf, supportsDualPasswords, testMysqlLogin } from '../db/mysql-steps';
import { parseDbSecret, withFields } from '../db/secret';
import type { RevokeOutcome, RotationStrategy } from '../strategy';

/**
 * MySQL/MariaDB, one user changing its own password. Where the server keeps two passwords per
 * account (MySQL 8.0.14+), the old one is retained (RETAIN CURRENT PASSWORD) until the next
 * rotation replaces it, so consumers still holding it keep logging in; elsewhere (MariaDB) the
 * old password stops working at setSecret, as with any single-user rotation.
 */
export const mysqlSingleUserStrategy: RotationStrategy = {
  name: 'mysql-single-user',

  async create(ctx) {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    return withFields(current, { password: newDbPassword(ctx) });
  },

  async set(ctx) {
    const pending = parseDbSecret(await ctx.pending(), { secretName: ctx.name, label: 'pending' });
    const target = mysqlTarget(ctx, pending);
    const session = await sessionToChangeOwnPassword(ctx, pending, (login, secrets) => connectMysql(target, login, secrets));
    if (!session) return;
    try {
      await changeOwnPassword(session, pending.password, await supportsDualPasswords(session));
    } finally {
      await session.close();
    }
  },

  async test(ctx) {
    await testMysqlLogin(ctx);
  },

  async revoke(ctx): Promise<RevokeOutcome> {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    return withMysql(mysqlTarget(ctx, current), current, [current.password], async (session) => {
      const dual = await supportsDualPasswords(session);
      if (dual) await session.query('ALTER USER CURRENT_USER() DISCARD OLD PASSWORD', [], 'discarding the retained password');
      const ended = await killSessionsOf(session, current.username);
      const passwords = dual
        ? 'the retained previous password was discarded'
        : 'the previous password stopped working when it was replaced (this server keeps one password per account)';
      return { revoked: true, detail: `secret ${ctx.name}: ${passwords}; ended ${ended} other connection(s) of ${current.username}` };
    });
  },
};

/**
 * Changes the logged-in account's password with the first statement the server allows: with
 * RETAIN CURRENT PASSWORD where dual passwords exist; ALTER USER naming the account, for an
 * account that may manage users; ALTER USER CURRENT_USER(), which MySQL allows any user for
 * itself; SET PASSWORD = PASSWORD(…), which MariaDB allows any user for itself. The account is
 * named because MariaDB 10.11 accepts ALTER USER CURRENT_USER() from an account with CREATE USER
 * and changes nothing. Only a refusal for lack of privilege moves on.
 */
async function changeOwnPassword(session: MysqlSession, password: string, dual: boolean): Promise<void> {
  const account = await currentAccount(session);
  const statements: Array<[string, unknown[]]> = [
    ...(dual ? [['ALTER USER CURRENT_USER() IDENTIFIED BY ? RETAIN CURRENT PASSWORD', [password]] as [string, unknown[]]] : []),
    ['ALTER USER ?@? IDENTIFIED BY ?', [account.user, account.host, password]],
    ['ALTER USER CURRENT_USER() IDENTIFIED BY ?', [password]],
    ['SET PASSWORD = PASSWORD(?)', [password]],
  ];
  let refusal: DatabaseError | undefined;
  for (const [i, [sql, params]] of statements.entries()) {
    try {
      await session.query(sql, params, 'changing its own password');
      if (dual && i > 0) {
        log.warn('the server has dual passwords but this user may not retain its old one (needs APPLICATION_PASSWORD_ADMIN); the old password stopped working now', { user: session.user });
      }
      return;
    } catch (error) {
      if (!(error instanceof DatabaseError && error.kind === 'permission')) throw error;
      refusal = error;
    }
  }
  throw refusal!;
}

/** The account the server matched this login to: `user@host` split at the last `@`. */
async function currentAccount(session: MysqlSession): Promise<{ user: string; host: string }> {
  const [row] = await session.query<{ account: string }>('SELECT CURRENT_USER() AS account', [], 'reading its own account');
  const account = String(row?.account ?? '');
  const at = account.lastIndexOf('@');
  return { user: account.slice(0, at), host: account.slice(at + 1) };
}
