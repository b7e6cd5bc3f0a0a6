import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { secretFormatError, withOwnedFields } from '../values/json-secret';
import { firstAccepted, logsIn, newDbPassword, type Closable } from './login';
import { readDbSecret, readPreviousDbSecret, type Credential, type DbSecret } from './secret';
import { closing, testLogin, type SqlEngine, type SqlTarget } from './sql-engine';

/**
 * One user changing its own password, for any SQL engine. Between setSecret and finishSecret the
 * server has the new password while consumers may still read the old one, unless the engine
 * keeps both (MySQL's dual passwords): that window is the price of not having a second user.
 */
export function singleUserStrategy<T extends SqlTarget, S extends Closable>(engine: SqlEngine<T, S>): RotationStrategy {
  return {
    name: `${engine.name}-single-user`,

    async create(ctx) {
      const current = await readDbSecret(ctx, 'current');
      return withOwnedFields(current, { password: newDbPassword(ctx) });
    },

    async set(ctx) {
      const pending = await readDbSecret(ctx, 'pending');
      const target = engine.target(ctx, pending);
      const session = await sessionToChangeOwnPassword(ctx, pending, (login, secrets) => engine.connect(target, login, secrets));
      if (session) await closing(session, (own) => engine.changeOwnPassword(own, pending));
    },

    test: (ctx) => testLogin(engine, ctx),

    async revoke(ctx): Promise<RevokeOutcome> {
      const current = await readDbSecret(ctx, 'current');
      const session = await engine.connect(engine.target(ctx, current), current, [current.password]);
      const done = await closing(session, (own) => engine.endPrevious(own, current.username));
      return { revoked: true, detail: `secret ${ctx.name}: ${done}` };
    },
  };
}

/**
 * Single-user setSecret's login: a session as the user itself, opened with the current password
 * (else the previous one, when a failed rotation left the server on it), ready to change its own
 * password. Undefined when the pending password already logs in: a retried setSecret whose change
 * went through, so there is nothing to do. `connect` gets every password in play so its errors
 * can scrub them.
 */
async function sessionToChangeOwnPassword<S extends Closable>(
  ctx: RotationContext,
  pending: DbSecret,
  connect: (login: Credential, secrets: string[]) => Promise<S>,
): Promise<S | undefined> {
  const secrets = [pending.password];
  if (await logsIn(() => connect(pending, secrets))) return undefined;
  const { session } = await firstAccepted(
    [
      { label: 'current', login: async () => sameUser(ctx, await readDbSecret(ctx, 'current'), pending) },
      { label: 'previous', login: () => previousOf(ctx, pending) },
    ],
    (login) => {
      secrets.push(login.password);
      return connect(login, secrets);
    },
  );
  return session;
}

function sameUser(ctx: RotationContext, current: DbSecret, pending: DbSecret): DbSecret {
  if (current.username !== pending.username) {
    throw secretFormatError(ctx.name, 'pending', `names user ${pending.username}, but single-user rotation keeps ${current.username}`);
  }
  return current;
}

async function previousOf(ctx: RotationContext, pending: DbSecret): Promise<DbSecret | undefined> {
  const previous = await readPreviousDbSecret(ctx);
  return previous?.username === pending.username ? previous : undefined;
}
