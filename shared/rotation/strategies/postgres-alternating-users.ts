import { alternateUser, checkUserNameLength } from '../db/alternate';
import { newDbPassword } from '../db/login';
import { loadMaster } from '../db/master';
import { postgresTarget, quoteIdent, withPostgres, type PostgresSession } from '../db/postgres-client';
import { syncPostgresRights } from '../db/postgres-grants';
import { terminateSessionsOf, testPostgresLogin } from '../db/postgres-steps';
import { scramSha256Verifier } from '../db/scram';
import { parseDbSecret, withFields } from '../db/secret';
import type { RevokeOutcome, RotationStrategy } from '../strategy';

/** PostgreSQL's limit on identifiers (NAMEDATALEN - 1). */
const MAX_ROLE_NAME = 63;

/**
 * PostgreSQL, two users taking turns (`app` and `app_clone`): each rotation sets a new password
 * on the user that is not current, through the master secret named by `masterarn`, and makes its
 * rights identical to the current user's. The current user keeps working throughout, so a
 * consumer never meets a password the server does not accept.
 */
export const postgresAlternatingUsersStrategy: RotationStrategy = {
  name: 'postgres-alternating-users',

  async create(ctx) {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    const username = alternateUser(current.username);
    checkUserNameLength(ctx.name, username, MAX_ROLE_NAME, 'postgres');
    return withFields(current, { username, password: newDbPassword(ctx) });
  },

  async set(ctx) {
    // Everything comes from the pending value (made from current by create): the source user is
    // the other one of the pair. This saves reading AWSCURRENT again.
    const pending = parseDbSecret(await ctx.pending(), { secretName: ctx.name, label: 'pending' });
    const source = alternateUser(pending.username);
    const master = await loadMaster(ctx, pending, 'alternating-users rotation');
    const verifier = scramSha256Verifier(pending.password);
    await withPostgres(postgresTarget(ctx, pending), master, [pending.password, master.password], async (session) => {
      await setLoginPassword(session, pending.username, verifier);
      await syncPostgresRights(session, source, pending.username);
    });
  },

  async test(ctx) {
    await testPostgresLogin(ctx);
  },

  async revoke(ctx): Promise<RevokeOutcome> {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    const raw = await ctx.previous();
    const previous = raw === undefined ? undefined : parseDbSecret(raw, { secretName: ctx.name, label: 'previous' });
    if (!previous || previous.username === current.username) {
      return { revoked: false, detail: `secret ${ctx.name}: no previous user differs from the current one (${current.username}); nothing to revoke` };
    }
    const master = await loadMaster(ctx, current, 'revoking the previous user');
    const ended = await withPostgres(postgresTarget(ctx, current), master, [master.password], async (session) => {
      await session.query(`ALTER ROLE ${quoteIdent(previous.username)} WITH NOLOGIN PASSWORD NULL`, [], `disabling ${previous.username}`);
      return terminateSessionsOf(session, previous.username);
    });
    return {
      revoked: true,
      detail:
        `secret ${ctx.name}: ${previous.username} can no longer log in (NOLOGIN, no password) and ${ended} of its session(s) ` +
        'were ended; the next rotation gives it a new password and LOGIN again',
    };
  },
};

/** Creates the user with LOGIN and the verifier, or gives an existing one LOGIN and the verifier. */
async function setLoginPassword(session: PostgresSession, username: string, verifier: string): Promise<void> {
  const exists = await session.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username], `looking up ${username}`);
  const verb = exists.length > 0 ? 'ALTER' : 'CREATE';
  await session.query(
    `${verb} ROLE ${quoteIdent(username)} WITH LOGIN PASSWORD '${verifier}'`,
    [],
    `${verb === 'ALTER' ? 'setting the password of' : 'creating'} ${username}`,
  );
}
