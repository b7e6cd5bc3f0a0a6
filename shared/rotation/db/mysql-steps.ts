import { DatabaseError, SecretTestFailedError } from '../../errors';
import type { RotationContext } from '../strategy';
import { logsIn } from './login';
import { connectMysql, mysqlTarget, type MysqlSession } from './mysql-client';
import { parseDbSecret } from './secret';

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

/** testSecret for both MySQL strategies: the pending value must log in. */
export async function testMysqlLogin(ctx: RotationContext): Promise<void> {
  const pending = parseDbSecret(await ctx.pending(), { secretName: ctx.name, label: 'pending' });
  const target = mysqlTarget(ctx, pending);
  if (!(await logsIn(() => connectMysql(target, pending, [pending.password])))) {
    throw new SecretTestFailedError(`secret ${ctx.name}: mysql at ${target.host}:${target.port} rejects the pending password of ${pending.username}`);
  }
}

/**
 * Ends every connection of `user` but this one; returns how many. Without the PROCESS privilege
 * the process list shows only the session's own user's connections, which is what single-user
 * revocation needs anyway.
 */
export async function killSessionsOf(session: MysqlSession, user: string): Promise<number> {
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
export async function hostsOf(session: MysqlSession, user: string): Promise<string[]> {
  const rows = await session.query<{ Host: string }>('SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host', [user], `listing the accounts of ${user}`);
  return rows.map((row) => String(row.Host));
}
