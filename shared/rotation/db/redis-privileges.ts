import { DatabaseError } from '../../errors';
import type { RedisSession, RespValue } from './redis-client';

/**
 * Commands a rotated Redis user must not be able to run, each with arguments that satisfy its
 * arity so ACL DRYRUN judges the permission, not the syntax: user and password management
 * (ACL), the server's configuration (CONFIG, which can also point `dir`/`dbfilename` anywhere),
 * loading code (MODULE), DEBUG, stopping or re-pointing the server (SHUTDOWN, REPLICAOF,
 * FAILOVER, CLUSTER), reading every command (MONITOR) or the whole dataset (SYNC, PSYNC), and
 * ending other clients' connections. A user with `+@admin`, `+@dangerous` or `+@all`, or any of
 * these commands one by one (selectors included), may run at least one.
 */
export const ADMIN_PROBES: ReadonlyArray<readonly string[]> = [
  ['ACL', 'SETUSER', 'x'], ['ACL', 'GETUSER', 'x'], ['ACL', 'LIST'], ['ACL', 'DELUSER', 'x'], ['ACL', 'LOAD'], ['ACL', 'SAVE'],
  ['CONFIG', 'SET', 'x', 'y'], ['CONFIG', 'GET', 'x'], ['CONFIG', 'REWRITE'],
  ['MODULE', 'LOAD', 'x'], ['MODULE', 'UNLOAD', 'x'],
  ['DEBUG', 'x'],
  ['SHUTDOWN'], ['REPLICAOF', 'x', 'y'], ['SLAVEOF', 'x', 'y'], ['FAILOVER'], ['CLUSTER', 'RESET'],
  ['MONITOR'], ['SYNC'], ['PSYNC', 'x', 'y'],
  ['CLIENT', 'KILL', 'x'], ['SAVE'], ['BGSAVE'], ['BGREWRITEAOF'],
];

/** The commands of {@link ADMIN_PROBES} by name, for reading ACL rules where DRYRUN is absent. */
const ADMIN_COMMANDS = new Set(ADMIN_PROBES.map((probe) => probe[0]!.toLowerCase()));
/** Categories that hold administrative commands. */
const ADMIN_CATEGORIES = new Set(['+@all', '+@admin', '+@dangerous', 'allcommands']);
/** How many allowed commands a reason lists. */
const LISTED = 5;

/**
 * Why ACL user `user` must not have its passwords changed by the admin session, asked of the
 * server (empty: it may): it is the admin's own login (ACL WHOAMI), or ACL DRYRUN says it may run
 * one of {@link ADMIN_PROBES}. On a server without ACL DRYRUN (before Redis 7.0) the user's rules
 * from ACL GETUSER are read instead, conservatively: any `+@all`, `+@admin`, `+@dangerous` or
 * `+<admin command>` counts, whatever rule follows it. A user that does not exist is not
 * privileged (rotation then says it does not exist).
 */
export async function redisPrivilegesOf(admin: RedisSession, user: string): Promise<string[]> {
  const whoami = await admin.command(['ACL', 'WHOAMI'], 'asking who the admin is');
  if (user === whoami || user === admin.user) return ['is the admin (master) login itself'];
  const allowed: string[] = [];
  for (const probe of ADMIN_PROBES) {
    const verdict = await dryRun(admin, user, probe);
    if (verdict === 'no such user') return [];
    if (verdict === 'no dryrun') return rulesGrantAdmin(await rulesOf(admin, user));
    // The command's name without the placeholder arguments: `CONFIG SET`, `DEBUG`.
    if (verdict === 'allowed') allowed.push(probe.filter((arg) => arg !== 'x' && arg !== 'y').join(' '));
  }
  if (allowed.length === 0) return [];
  const more = allowed.length > LISTED ? ` and ${allowed.length - LISTED} more` : '';
  return [`may run ${allowed.slice(0, LISTED).join(', ')}${more} (ACL DRYRUN)`];
}

type Verdict = 'allowed' | 'denied' | 'no such user' | 'no dryrun';

/**
 * One ACL DRYRUN. Redis answers OK, or a sentence: "no permissions to run the … command" denies
 * the command; a refusal of a key or channel means the command itself is allowed.
 */
async function dryRun(admin: RedisSession, user: string, probe: readonly string[]): Promise<Verdict> {
  let reply: RespValue;
  try {
    reply = await admin.command(['ACL', 'DRYRUN', user, ...probe], `asking whether ${user} may run ${probe[0]}`);
  } catch (error) {
    if (error instanceof DatabaseError && /ERR User '.*' not found/s.test(error.message)) return 'no such user';
    if (error instanceof DatabaseError && /unknown subcommand|unknown command/i.test(error.message)) return 'no dryrun';
    throw error;
  }
  if (reply === 'OK') return 'allowed';
  return /no permissions to run the/i.test(String(reply)) ? 'denied' : 'allowed';
}

/** The user's flags and command rules from ACL GETUSER, as one list of words. */
async function rulesOf(admin: RedisSession, user: string): Promise<string[]> {
  const reply = await admin.command(['ACL', 'GETUSER', user], `reading ACL user ${user}`);
  if (!Array.isArray(reply)) return [];
  const words: string[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const value = reply[i + 1];
    if (reply[i] === 'flags' && Array.isArray(value)) words.push(...value.map(String));
    if (reply[i] === 'commands' && typeof value === 'string') words.push(...value.split(/\s+/));
  }
  return words;
}

/** The reasons ACL rules (`+@all -debug`, flags) grant an administrative command; pure. */
export function rulesGrantAdmin(words: readonly string[]): string[] {
  const granting = words.filter((word) => {
    const lower = word.toLowerCase();
    if (ADMIN_CATEGORIES.has(lower)) return true;
    return lower.startsWith('+') && ADMIN_COMMANDS.has(lower.slice(1).split('|')[0]!);
  });
  return granting.length > 0 ? [`has the rule(s) ${granting.slice(0, LISTED).join(' ')} (ACL GETUSER; this server has no ACL DRYRUN)`] : [];
}
