import { DatabaseError } from '../../errors';
import { connectMysql, mysqlTarget, type MysqlSession, type MysqlTarget } from './mysql-client';
import { describe, syncMysqlGrants, type Account } from './mysql-grants';
import { mysqlPrivilegesOf } from './mysql-privileges';
import type { Credential } from './secret';
import type { SqlEngine } from './sql-engine';

/** MariaDB's limit on user names; MySQL's is 32 and its server says so when exceeded. */
const MAX_USER_NAME = 80;

/**
 * What MySQL and MariaDB do at each step. A single user whose server keeps two passwords per
 * account (MySQL 8.0.14+) retains the old one (RETAIN CURRENT PASSWORD) until the next rotation,
 * so consumers still holding it keep logging in; elsewhere (MariaDB) it stops working at
 * setSecret. Alternating users are sets of accounts, one per host part: the clone has an account
 * at every host part the user has ('app'@'10.0.%' gets 'app_clone'@'10.0.%', never a blanket
 * '%'), and each account's grants are made identical to the matching account of the current user
 * on every rotation, added and revoked.
 */
export const mysqlEngine: SqlEngine<MysqlTarget, MysqlSession> = {
  name: 'mysql',
  maxUserName: MAX_USER_NAME,
  target: mysqlTarget,
  connect: connectMysql,
  privilegesOf: mysqlPrivilegesOf,

  changeOwnPassword,

  async endPrevious(session, user) {
    const dual = await supportsDualPasswords(session);
    if (dual) await session.query('ALTER USER CURRENT_USER() DISCARD OLD PASSWORD', [], 'discarding the retained password');
    const ended = await killSessionsOf(session, user);
    const passwords = dual
      ? 'the retained previous password was discarded'
      : 'the previous password stopped working when it was replaced (this server keeps one password per account)';
    return `${passwords}; ended ${ended} other connection(s) of ${user}`;
  },

  async cloneUser(session, source, user) {
    const hosts = await hostsOf(session, source);
    if (hosts.length === 0) {
      throw new DatabaseError(`mysql: user ${source} has no account on the server, so there is nothing to alternate with`, { kind: 'other' });
    }
    const existing = new Set(await hostsOf(session, user.username));
    for (const host of hosts) await setAccountPassword(session, { user: user.username, host }, user.password, existing.has(host));
    // Accounts the current user no longer has keep the retired password: lock them.
    for (const host of existing) {
      if (!hosts.includes(host)) await lockAccount(session, { user: user.username, host });
    }
    for (const host of hosts) await syncMysqlGrants(session, { user: source, host }, { user: user.username, host });
  },

  async retireUser(session, user) {
    const hosts = await hostsOf(session, user);
    for (const host of hosts) await lockAccount(session, { user, host });
    const ended = await killSessionsOf(session, user);
    return `${hosts.length} account(s) of ${user} locked and ${ended} of its connection(s) ended; the next rotation unlocks them with a new password`;
  },
};

/** The privilege MySQL 8.0.14 added with dual passwords (RETAIN CURRENT PASSWORD). */
export const DUAL_PASSWORD_PRIVILEGE = 'APPLICATION_PASSWORD_ADMIN';

/**
 * Whether the server keeps two passwords per account. Asked, not inferred from a version string:
 * SHOW PRIVILEGES lists APPLICATION_PASSWORD_ADMIN exactly where RETAIN CURRENT PASSWORD exists
 * (MySQL 8.0.14 and later); MariaDB (to 11.x at least) lists no such privilege.
 */
export async function supportsDualPasswords(session: MysqlSession): Promise<boolean> {
  const rows = await session.query<Record<string, unknown>>('SHOW PRIVILEGES', [], 'listing the privileges the server knows');
  return listsDualPasswordPrivilege(rows);
}

/** The decision of {@link supportsDualPasswords} on SHOW PRIVILEGES rows. */
export function listsDualPasswordPrivilege(rows: ReadonlyArray<Record<string, unknown>>): boolean {
  return rows.some((row) => String(row.Privilege ?? '').toUpperCase().replace(/\s+/g, '_') === DUAL_PASSWORD_PRIVILEGE);
}

/**
 * Ends every connection of `user` but this one; returns how many. Without the PROCESS privilege
 * the process list shows only the session's own user's connections, which is what single-user
 * revocation needs anyway.
 */
async function killSessionsOf(session: MysqlSession, user: string): Promise<number> {
  const rows = await session.query<{ ID: number | string }>(
    'SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()',
    [user],
    `listing the connections of ${user}`,
  );
  let killed = 0;
  for (const { ID } of rows) {
    try {
      await session.query('KILL CONNECTION ?', [Number(ID)], `ending connection ${ID} of ${user}`);
      killed += 1;
    } catch (error) {
      // ER_NO_SUCH_THREAD: it ended on its own meanwhile.
      if (!(error instanceof DatabaseError && error.code === '1094')) throw error;
    }
  }
  return killed;
}

/** The host parts of every account named `user`: 'app'@'10.0.%' and 'app'@'localhost' are two. */
async function hostsOf(session: MysqlSession, user: string): Promise<string[]> {
  const rows = await session.query<{ Host: string }>('SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host', [user], `listing the accounts of ${user}`);
  return rows.map((row) => String(row.Host));
}

async function setAccountPassword(session: MysqlSession, account: Account, password: string, exists: boolean): Promise<void> {
  const sql = exists ? 'ALTER USER ?@? IDENTIFIED BY ? ACCOUNT UNLOCK' : 'CREATE USER ?@? IDENTIFIED BY ?';
  await session.query(sql, [account.user, account.host, password], `${exists ? 'setting the password of' : 'creating'} ${describe(account)}`);
}

async function lockAccount(session: MysqlSession, account: Account): Promise<void> {
  await session.query('ALTER USER ?@? ACCOUNT LOCK', [account.user, account.host], `locking ${describe(account)}`);
}

/**
 * Changes the logged-in account's password with the first statement the server allows: with
 * RETAIN CURRENT PASSWORD where dual passwords exist; ALTER USER naming the account, for an
 * account that may manage users; ALTER USER CURRENT_USER(), which MySQL allows any user for
 * itself; SET PASSWORD = PASSWORD(…), which MariaDB allows any user for itself. The account is
 * named because MariaDB 10.11 accepts ALTER USER CURRENT_USER() from an account with CREATE USER
 * and changes nothing. Only a refusal for lack of privilege moves on.
 */
async function changeOwnPassword(session: MysqlSession, login: Credential): Promise<void> {
  const dual = await supportsDualPasswords(session);
  const account = await currentAccount(session);
  const statements: Array<[string, unknown[]]> = [
    ...(dual ? [['ALTER USER CURRENT_USER() IDENTIFIED BY ? RETAIN CURRENT PASSWORD', [login.password]] as [string, unknown[]]] : []),
    ['ALTER USER ?@? IDENTIFIED BY ?', [account.user, account.host, login.password]],
    ['ALTER USER CURRENT_USER() IDENTIFIED BY ?', [login.password]],
    ['SET PASSWORD = PASSWORD(?)', [login.password]],
  ];
  let refusal: DatabaseError | undefined;
  for (const [i, [sql, params]] of statements.entries()) {
    try {
      await session.query(sql, params, 'changing its own password');
      if (dual && i > 0) {
        session.log.warn('the server has dual passwords but this user may not retain its old one (needs APPLICATION_PASSWORD_ADMIN); the old password stopped working now', { user: session.user });
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
async function currentAccount(session: MysqlSession): Promise<Account> {
  const [row] = await session.query<{ account: string }>('SELECT CURRENT_USER() AS account', [], 'reading its own account');
  const account = String(row?.account ?? '');
  const at = account.lastIndexOf('@');
  return { user: account.slice(0, at), host: account.slice(at + 1) };
}
