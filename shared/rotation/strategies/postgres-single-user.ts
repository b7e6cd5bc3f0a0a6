import { newDbPassword } from '../db/login';
import { sessionToChangeOwnPassword } from '../db/own-password';
import { connectPostgres, postgresTarget, quoteIdent, withPostgres } from '../db/postgres-client';
import { terminateSessionsOf, testPostgresLogin } from '../db/postgres-steps';
import { scramSha256Verifier } from '../db/scram';
import { parseDbSecret, withFields } from '../db/secret';
import type { RevokeOutcome, RotationStrategy } from '../strategy';

/**
 * PostgreSQL, one user changing its own password. Between setSecret and finishSecret the server
 * has the new password while consumers still read the old one: that window is the price of not
 * having a second user (see postgres-alternating-users.ts).
 */
export const postgresSingleUserStrategy: RotationStrategy = {
  name: 'postgres-single-user',

  async create(ctx) {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    return withFields(current, { password: newDbPassword(ctx) });
  },

  async set(ctx) {
    const pending = parseDbSecret(await ctx.pending(), { secretName: ctx.name, label: 'pending' });
    const target = postgresTarget(ctx, pending);
    const session = await sessionToChangeOwnPassword(ctx, pending, (login, secrets) => connectPostgres(target, login, secrets));
    if (!session) return;
    try {
      const verifier = scramSha256Verifier(pending.password);
      await session.query(`ALTER ROLE ${quoteIdent(pending.username)} PASSWORD '${verifier}'`, [], 'changing its own password');
    } finally {
      await session.close();
    }
  },

  async test(ctx) {
    await testPostgresLogin(ctx);
  },

  async revoke(ctx): Promise<RevokeOutcome> {
    const current = parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' });
    const ended = await withPostgres(postgresTarget(ctx, current), current, [current.password], (session) =>
      terminateSessionsOf(session, current.username),
    );
    return {
      revoked: true,
      detail:
        `secret ${ctx.name}: ${current.username} has one password, so the previous one stopped working when it was ` +
        `replaced; ended ${ended} other session(s) of ${current.username} (they reconnect with the current password)`,
    };
  },
};

