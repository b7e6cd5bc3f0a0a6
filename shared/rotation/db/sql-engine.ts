import { SecretTestFailedError } from '../../errors';
import type { RotationContext } from '../strategy';
import type { LogSink } from '../../log';
import type { TaggedSecret } from '../values/tag-options';
import { logsIn, type Closable } from './login';
import { refusePrivilegedUsers } from './privileged-target';
import { readDbSecret, type Credential, type DbSecret } from './secret';

/** Where a login goes; engines add what else they need (a database, settings). */
export interface SqlTarget {
  host: string;
  port: number;
}

/**
 * What one SQL engine (PostgreSQL, MySQL/MariaDB) supplies to the single-user and the
 * alternating-users strategies, which hold the flow of the four steps: its SQL, identifiers and
 * grant copying, nothing else. Each method that says what it did returns the sentence the revoke
 * outcome reports after `secret <name>: `.
 */
export interface SqlEngine<T extends SqlTarget, S extends Closable> {
  /** The engine in messages and strategy names: `postgres`, `mysql`. */
  readonly name: string;
  /** The longest user name the server accepts. */
  readonly maxUserName: number;
  /** The server the secret names; `asMaster` for the master's session, which manages users. */
  target(ctx: TaggedSecret & { log: LogSink }, secret: DbSecret, asMaster?: boolean): T;
  /** Logs in as `login`; `secrets` are every password in play, scrubbed from errors. */
  connect(target: T, login: Credential, secrets: readonly string[]): Promise<S>;
  /** Single-user setSecret, as the user: sets its own password to `login.password`. */
  changeOwnPassword(session: S, login: Credential): Promise<void>;
  /** Single-user revoke, as the user: ends what still lives on the previous password. */
  endPrevious(session: S, user: string): Promise<string>;
  /** Alternating-users setSecret, as master: `user` logs in with its password and has exactly `source`'s rights. */
  cloneUser(session: S, source: string, user: Credential): Promise<void>;
  /** Alternating-users revoke, as master: `user` can no longer log in and its sessions end. */
  retireUser(session: S, user: string): Promise<string>;
  /**
   * As master, before any change: why `user` must not be changed by the master, asked of the
   * server (it is the master's own login, or privileged there); empty when it may be. See
   * docs/rotation-databases.md, "What the master never touches".
   */
  privilegesOf(session: S, user: string): Promise<string[]>;
  /**
   * As master, before any change: rights `target` holds that `source` lacks and that
   * {@link cloneUser} cannot take away; empty when none. Absent where the copy covers every right.
   */
  extraRightsOf?(session: S, target: string, source: string): Promise<string[]>;
}

/**
 * Refuses (RotationRefusedError, rule `rotation.privileged-target`) when `target` or `source` is
 * the master's login or privileged on the server, or `target` holds rights `source` lacks that
 * the copy cannot take away, before the master changes anything.
 */
export function refusePrivileged<S extends Closable>(
  engine: Pick<SqlEngine<SqlTarget, S>, 'name' | 'privilegesOf' | 'extraRightsOf'>,
  secretName: string,
  session: S,
  users: { target: string; source?: string },
): Promise<void> {
  const { target, source } = users;
  return refusePrivilegedUsers(secretName, engine.name, source === undefined ? [target] : [target, source], async (user) => [
    ...(await engine.privilegesOf(session, user)),
    ...(user === target && source !== undefined && engine.extraRightsOf ? await engine.extraRightsOf(session, target, source) : []),
  ]);
}

/** Runs `fn` on an open session and always closes it. */
export async function closing<S extends Closable, R>(session: S, fn: (session: S) => Promise<R>): Promise<R> {
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** testSecret for every SQL strategy: the pending value must log in. */
export async function testLogin<T extends SqlTarget, S extends Closable>(engine: SqlEngine<T, S>, ctx: RotationContext): Promise<void> {
  const pending = await readDbSecret(ctx, 'pending');
  const target = engine.target(ctx, pending);
  if (!(await logsIn(() => engine.connect(target, pending, [pending.password])))) {
    throw new SecretTestFailedError(`secret ${ctx.name}: ${engine.name} at ${target.host}:${target.port} rejects the pending password of ${pending.username}`);
  }
}
