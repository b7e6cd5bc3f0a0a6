import { SecretTestFailedError } from '../../errors';
import type { RotationContext } from '../strategy';
import { logsIn } from './login';
import { connectPostgres, postgresTarget, type PostgresSession } from './postgres-client';
import { parseDbSecret } from './secret';

/** testSecret for both PostgreSQL strategies: the pending value must log in. */
export async function testPostgresLogin(ctx: RotationContext): Promise<void> {
  const pending = parseDbSecret(await ctx.pending(), { secretName: ctx.name, label: 'pending' });
  const target = postgresTarget(ctx, pending);
  if (!(await logsIn(() => connectPostgres(target, pending, [pending.password])))) {
    throw new SecretTestFailedError(
      `secret ${ctx.name}: postgres at ${target.host}:${target.port} rejects the pending password of ${pending.username}`,
    );
  }
}

/**
 * Ends every backend of `user` except this one; returns how many. The terminate call sits in the
 * select list, so it runs only for rows the WHERE clause kept (never for this backend).
 */
export async function terminateSessionsOf(session: PostgresSession, user: string): Promise<number> {
  const rows = await session.query<{ pid: number; ended: boolean }>(
    'SELECT pid, pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
    [user],
    `ending the sessions of ${user}`,
  );
  return rows.filter((row) => row.ended).length;
}
