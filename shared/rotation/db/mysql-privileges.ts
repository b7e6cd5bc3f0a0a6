import type { MysqlSession } from './mysql-client';
import { parseGrants, readGrants, type Account, type AccountGrants } from './mysql-grants';

/**
 * Global (`*.*`) privileges a rotated user may hold without being privileged. Every other global
 * privilege is refused: the administrative ones (SUPER, CREATE USER, RELOAD, SHUTDOWN, FILE,
 * PROCESS, MariaDB's SET USER, BINLOG REPLAY, CONNECTION ADMIN…, MySQL's dynamic *_ADMIN), and
 * the data and schema ones too, because on `*.*` they reach the `mysql` schema, whose tables hold
 * every account's password hash and privileges. An allow-list, so a privilege a later server
 * version adds is refused until someone decides otherwise.
 */
export const HARMLESS_GLOBAL_PRIVILEGES: ReadonlySet<string> = new Set([
  'SHOW DATABASES',
  'CREATE TEMPORARY TABLES',
  'REPLICATION CLIENT',
  'BINLOG MONITOR',
  'SLAVE MONITOR',
  'REPLICA MONITOR',
  'APPLICATION_PASSWORD_ADMIN',
]);

/** How deep role grants are followed (a role granted to a role granted to a role…). */
const MAX_ROLE_DEPTH = 8;

/**
 * Why `user` must not be a target of the master's changes, asked of the server (empty: it may):
 * it is the master's own user name, or any of its accounts (every host part), or any role they
 * hold (followed through roles granted to roles), has a privilege outside
 * {@link HARMLESS_GLOBAL_PRIVILEGES} on `*.*`, GRANT OPTION on `*.*`, any privilege on the
 * `mysql` schema (including through a database wildcard such as `%`), a role WITH ADMIN OPTION,
 * or PROXY. Read with SHOW GRANTS, the statement the grant copier reads: MariaDB's
 * information_schema.USER_PRIVILEGES leaves roles out.
 */
export async function mysqlPrivilegesOf(session: MysqlSession, user: string): Promise<string[]> {
  const master = await masterUserName(session);
  const reasons: string[] = [];
  const accounts = await accountsOf(session, user);
  if ([user, ...accounts.map((account) => account.user)].some((name) => name === master || name === session.user)) reasons.push("is the master's own user");
  for (const account of accounts) {
    reasons.push(...(await reasonsOfGrantee(session, account, describeGrantee(account), new Set())));
  }
  return reasons;
}

/** The user part of CURRENT_USER(): the account the server matched the master's login to. */
async function masterUserName(session: MysqlSession): Promise<string> {
  const [row] = await session.query<{ account: string }>('SELECT CURRENT_USER() AS account', [], 'reading its own account');
  const account = String(row?.account ?? '');
  return account.slice(0, account.lastIndexOf('@'));
}

/**
 * The accounts the server matches to `user`, named as the server stores them: user names compare
 * with PAD SPACE, so `'admin '` finds the accounts of `admin`, and ALTER USER treats it the same.
 */
async function accountsOf(session: MysqlSession, user: string): Promise<Account[]> {
  const rows = await session.query<{ User: string; Host: string }>('SELECT User, Host FROM mysql.user WHERE User = ? ORDER BY Host', [user], `listing the accounts of ${user}`);
  return rows.map((row) => ({ user: String(row.User), host: String(row.Host) }));
}

/** The reasons one account or role is privileged, its roles followed (each once). */
async function reasonsOfGrantee(session: MysqlSession, grantee: Account, label: string, seen: Set<string>, depth = 0): Promise<string[]> {
  seen.add(label);
  const grants = await grantsOf(session, grantee);
  const reasons = privilegedGrants(grants).map((reason) => `${label} ${reason}`);
  if (depth >= MAX_ROLE_DEPTH) return reasons;
  for (const role of grants.roles.keys()) {
    const account = parseRoleName(role);
    const roleLabel = `role ${describeGrantee(account)}`;
    if (!seen.has(roleLabel)) reasons.push(...(await reasonsOfGrantee(session, account, roleLabel, seen, depth + 1)));
  }
  return reasons;
}

/**
 * SHOW GRANTS of an account, or of a role: MariaDB names a role without a host part (and reads
 * `'r'@''` as `'r'@'%'`), MySQL as `'r'@'%'`.
 */
async function grantsOf(session: MysqlSession, grantee: Account): Promise<AccountGrants> {
  if (grantee.host !== '') return readGrants(session, grantee);
  const rows = await session.query<Record<string, string>>('SHOW GRANTS FOR ?', [grantee.user], `reading the grants of role ${grantee.user}`);
  return parseGrants(rows.map((row) => String(Object.values(row)[0] ?? '')));
}

/**
 * What in one account's (or role's) grants makes it privileged, as phrases after its name. Pure:
 * unit-tested on SHOW GRANTS lines of MariaDB and MySQL.
 */
export function privilegedGrants(grants: AccountGrants): string[] {
  const reasons: string[] = [];
  for (const [object, { privileges, grantOption }] of grants.objects) {
    const held = [...privileges];
    if (held.some((p) => p.toUpperCase() === 'PROXY')) reasons.push(`may log in as another account (PROXY ON ${object})`);
    if (object === '*.*') {
      const admin = held.filter((p) => !HARMLESS_GLOBAL_PRIVILEGES.has(p.toUpperCase()));
      if (admin.length > 0) reasons.push(`holds ${admin.join(', ')} on *.*`);
      if (grantOption) reasons.push('holds GRANT OPTION on *.*');
    } else if (reachesMysqlSchema(object)) {
      reasons.push(`holds ${held.join(', ') || 'GRANT OPTION'} on ${object}, in the mysql schema (every account's password hash and privileges)`);
    }
  }
  for (const [role, admin] of grants.roles) if (admin) reasons.push(`holds role ${role} WITH ADMIN OPTION (it may grant the role to anyone)`);
  return reasons;
}

/**
 * Whether a grant's object lies in the `mysql` schema: `mysql`.`user`, PROCEDURE `mysql`.`x`,
 * or a database-level grant whose name pattern (`%`, `mys_ql`) matches `mysql`.
 */
export function reachesMysqlSchema(object: string): boolean {
  const target = object.split(' ').at(-1) ?? '';
  const match = /^`((?:[^`]|``)*)`\.(.+)$/.exec(target);
  if (!match) return false;
  const db = match[1]!.replace(/``/g, '`');
  return match[2] === '*' ? likeMatches(db, 'mysql') : db.toLowerCase() === 'mysql';
}

/** SQL LIKE with `\` as the escape, case-insensitive, as database names in grants are matched. */
function likeMatches(pattern: string, value: string): boolean {
  let regex = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) regex += escapeRegex(pattern[++i]!);
    else if (char === '%') regex += '.*';
    else if (char === '_') regex += '.';
    else regex += escapeRegex(char);
  }
  return new RegExp(`^${regex}$`, 'is').test(value);
}

function escapeRegex(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A role as SHOW GRANTS names it: `r` (MariaDB) or `r`@`%` (MySQL). */
export function parseRoleName(role: string): Account {
  const match = /^`((?:[^`]|``)*)`(?:@`((?:[^`]|``)*)`)?$/.exec(role);
  if (!match) return { user: role, host: '' };
  return { user: match[1]!.replace(/``/g, '`'), host: (match[2] ?? '').replace(/``/g, '`') };
}

function describeGrantee(account: Account): string {
  return account.host === '' ? `'${account.user}'` : `'${account.user}'@'${account.host}'`;
}
