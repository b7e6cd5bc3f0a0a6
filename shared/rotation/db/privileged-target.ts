import { RotationRefusedError } from '../../errors';

/** The finding's rule id for a user keywarden refuses to change as master (docs/security.md). */
export const PRIVILEGED_TARGET_RULE = 'rotation.privileged-target';

/** Longest user name quoted in a refusal: the name may be attacker text, so it is bounded. */
const MAX_NAME_IN_MESSAGE = 80;
/** How many of the server's reasons a refusal lists. */
const MAX_REASONS = 3;

/**
 * Refuses, before the master changes anything, when one of `users` is the master's own login or
 * is privileged on the server, as `reasonsOf` finds by asking the server (an empty list: not
 * privileged). Each user is checked in order; the first privileged one stops the step with a
 * {@link RotationRefusedError} whose rule is `rotation.privileged-target` and whose field is
 * `username`, naming the secret, the engine, the user and the server's reasons, never a value.
 *
 * Why: whoever can write the secret's value chooses its `username`; the master would otherwise set
 * a password on, copy rights from or lock whichever user it names, and the new password lands
 * in the value the writer reads back.
 */
export async function refusePrivilegedUsers(
  secretName: string,
  engine: string,
  users: readonly string[],
  reasonsOf: (user: string) => Promise<readonly string[]>,
): Promise<void> {
  for (const user of users) {
    const reasons = await reasonsOf(user);
    if (reasons.length > 0) throw privilegedTargetError(secretName, engine, user, reasons);
  }
}

/** The refusal for `user`, with at most three of the server's reasons. */
export function privilegedTargetError(secretName: string, engine: string, user: string, reasons: readonly string[]): RotationRefusedError {
  const listed = reasons.slice(0, MAX_REASONS).join('; ') + (reasons.length > MAX_REASONS ? `; and ${reasons.length - MAX_REASONS} more` : '');
  return new RotationRefusedError(
    `secret ${secretName}: refused (${PRIVILEGED_TARGET_RULE}): field "username" leads the master to ${engine} user ` +
      `${boundedName(user)}, which the server reports as privileged: ${listed}. keywarden never sets the password of, copies ` +
      'rights from or locks the master or a privileged user; nothing was changed',
    { rule: PRIVILEGED_TARGET_RULE, field: 'username' },
  );
}

/** A user name as it may appear in a message: JSON-quoted (no control characters) and bounded. */
export function boundedName(name: string): string {
  const cut = name.length > MAX_NAME_IN_MESSAGE ? `${name.slice(0, MAX_NAME_IN_MESSAGE)}…` : name;
  return JSON.stringify(cut);
}
