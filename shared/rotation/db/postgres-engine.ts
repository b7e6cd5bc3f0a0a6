import { connectPostgres, postgresTarget, quoteIdent, type PostgresSession, type PostgresTarget } from './postgres-client';
import { syncPostgresRights } from './postgres-grants';
import { postgresExtraRightsOf, postgresPrivilegesOf } from './postgres-privileges';
import { scramSha256Verifier } from './scram';
import type { SqlEngine } from './sql-engine';

/** PostgreSQL's limit on identifiers (NAMEDATALEN - 1). */
const MAX_ROLE_NAME = 63;

/**
 * What PostgreSQL does at each step. Passwords travel as SCRAM-SHA-256 verifiers, never in
 * plaintext, so the server's statement log cannot hold them. The master works in the user's own
 * database, where the privileges to copy live.
 */
export const postgresEngine: SqlEngine<PostgresTarget, PostgresSession> = {
  name: 'postgres',
  maxUserName: MAX_ROLE_NAME,
  target: postgresTarget,
  connect: connectPostgres,
  privilegesOf: postgresPrivilegesOf,
  extraRightsOf: postgresExtraRightsOf,

  async changeOwnPassword(session, login) {
    const verifier = scramSha256Verifier(login.password);
    await session.query(`ALTER ROLE ${quoteIdent(login.username)} PASSWORD '${verifier}'`, [], 'changing its own password');
  },

  async endPrevious(session, user) {
    const ended = await terminateSessionsOf(session, user);
    return (
      `${user} has one password, so the previous one stopped working when it was ` +
      `replaced; ended ${ended} other session(s) of ${user} (they reconnect with the current password)`
    );
  },

  async cloneUser(session, source, { username, password }) {
    // The user may exist from an earlier rotation, disabled by a revoke (NOLOGIN): it gets LOGIN back.
    const exists = await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username], `looking up ${username}`);
    const verb = exists.length > 0 ? 'ALTER' : 'CREATE';
    await session.query(
      `${verb} ROLE ${quoteIdent(username)} WITH LOGIN PASSWORD '${scramSha256Verifier(password)}'`,
      [],
      `${verb === 'ALTER' ? 'setting the password of' : 'creating'} ${username}`,
    );
    await syncPostgresRights(session, source, username);
  },

  async retireUser(session, user) {
    await session.query(`ALTER ROLE ${quoteIdent(user)} WITH NOLOGIN PASSWORD NULL`, [], `disabling ${user}`);
    const ended = await terminateSessionsOf(session, user);
    return `${user} can no longer log in (NOLOGIN, no password) and ${ended} of its session(s) were ended; the next rotation gives it a new password and LOGIN again`;
  },
};

/**
 * Ends every backend of `user` except this one; returns how many. The terminate call sits in the
 * select list, so it runs only for rows the WHERE clause kept (never for this backend).
 */
async function terminateSessionsOf(session: PostgresSession, user: string): Promise<number> {
  const rows = await session.query<{ pid: number; ended: boolean }>(
    'SELECT pid, pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
    [user],
    `ending the sessions of ${user}`,
  );
  return rows.filter((row) => row.ended).length;
}
