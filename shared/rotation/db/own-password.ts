import type { RotationContext } from '../strategy';
import { secretFormatError } from '../strategies/json-secret';
import { firstAccepted, logsIn, type Closable } from './login';
import { parseDbSecret, type Credential, type DbSecret } from './secret';

/**
 * Single-user setSecret, for any engine: a session as the user itself, opened with the current
 * password (else the previous one, when a failed rotation left the server on it), ready to change
 * its own password. Undefined when the pending password already logs in: a retried setSecret
 * whose change went through, so there is nothing to do. `connect` gets every password in play so
 * its errors can scrub them.
 */
export async function sessionToChangeOwnPassword<S extends Closable>(
  ctx: RotationContext,
  pending: DbSecret,
  connect: (login: Credential, secrets: string[]) => Promise<S>,
): Promise<S | undefined> {
  const secrets = [pending.password];
  if (await logsIn(() => connect(pending, secrets))) return undefined;
  const { session } = await firstAccepted(
    [
      { label: 'current', login: async () => sameUser(ctx, parseDbSecret(await ctx.current(), { secretName: ctx.name, label: 'current' }), pending) },
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
  const raw = await ctx.previous();
  if (raw === undefined) return undefined;
  const previous = parseDbSecret(raw, { secretName: ctx.name, label: 'previous' });
  return previous.username === pending.username ? previous : undefined;
}
