import { checkRetirable } from '../binding';
import type { RevokeOutcome, RotationContext, RotationStrategy } from '../strategy';
import { secretFormatError, withOwnedFields } from '../values/json-secret';
import { newDbPassword, type Closable } from './login';
import { loadMaster } from './master';
import { readDbSecret, readPreviousDbSecret, type Credential, type DbSecret } from './secret';
import { closing, refusePrivileged, testLogin, type SqlEngine, type SqlTarget } from './sql-engine';

/** The suffix of the second user in alternating-users rotation, as in AWS's templates. */
const CLONE_SUFFIX = '_clone';

/** The other user of the pair: `app` ⇄ `app_clone`. */
export function alternateUser(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : `${username}${CLONE_SUFFIX}`;
}

/** Refuses a user name the engine cannot hold once `_clone` is added. */
function checkUserNameLength(secretName: string, username: string, max: number, engine: string): void {
  if (username.length > max) {
    throw secretFormatError(secretName, 'pending', `would need user ${username}, longer than ${engine}'s ${max}-character limit for user names`);
  }
}

/**
 * Two users taking turns (`app` and `app_clone`), for any SQL engine: each rotation gives the user
 * that is not current a new password, through the master secret named by `masterarn`, and makes
 * its rights identical to the current user's. The current user keeps working throughout, so a
 * consumer never meets a password the server does not accept.
 */
export function alternatingUsersStrategy<T extends SqlTarget, S extends Closable>(engine: SqlEngine<T, S>): RotationStrategy {
  const asMaster = async <R>(ctx: RotationContext, secret: DbSecret, why: string, secrets: string[], fn: (session: S) => Promise<R>, check?: (master: Credential) => void) => {
    const master = await loadMaster(ctx, secret, why);
    check?.(master);
    return closing(await engine.connect(engine.target(ctx, secret, true), master, [...secrets, master.password]), fn);
  };
  return {
    name: `${engine.name}-alternating-users`,
    invalidatesPrevious: () => true,

    async create(ctx) {
      const current = await readDbSecret(ctx, 'current');
      const username = alternateUser(current.username);
      checkUserNameLength(ctx.name, username, engine.maxUserName, engine.name);
      return withOwnedFields(current, { username, password: newDbPassword(ctx) });
    },

    async set(ctx) {
      // Everything comes from the pending value (made from current by create): the source user is
      // the other one of the pair. This saves reading AWSCURRENT again.
      const pending = await readDbSecret(ctx, 'pending');
      const source = alternateUser(pending.username);
      await asMaster(ctx, pending, 'alternating-users rotation', [pending.password], async (session) => {
        await refusePrivileged(engine, ctx.name, session, { target: pending.username, source });
        await engine.cloneUser(session, source, pending);
      });
    },

    test: (ctx) => testLogin(engine, ctx),

    async revoke(ctx): Promise<RevokeOutcome> {
      const current = await readDbSecret(ctx, 'current');
      const previous = await readPreviousDbSecret(ctx);
      if (!previous || previous.username === current.username) {
        return { revoked: false, detail: `secret ${ctx.name}: no previous user differs from the current one (${current.username}); nothing to revoke` };
      }
      const done = await asMaster(
        ctx,
        current,
        'revoking the previous user',
        [],
        async (session) => {
          await refusePrivileged(engine, ctx.name, session, { target: previous.username });
          return engine.retireUser(session, previous.username);
        },
        (master) => checkRetirable(ctx, previous.username, current, master),
      );
      return { revoked: true, detail: `secret ${ctx.name}: ${done}` };
    },
  };
}
