import { DatabaseError } from '../../errors';
import { rememberSecret } from '../../redact';
import { generatePassword, passwordPolicy } from '../values/password-policy';
import type { TaggedSecret } from '../values/tag-options';
import type { Credential } from './secret';

/** Anything a login opens and must close. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * True when `open` logs in, false when the server rejects the credential; any other failure
 * (network, TLS, timeout) is thrown, because it says nothing about the credential.
 */
export async function logsIn(open: () => Promise<Closable>): Promise<boolean> {
  try {
    await (await open()).close();
    return true;
  } catch (error) {
    if (error instanceof DatabaseError && error.kind === 'authentication') return false;
    throw error;
  }
}

/**
 * Opens a session with the first credential the server accepts, in order (current, then
 * previous). Authentication failures move on to the next; anything else stops at once. When
 * none is accepted, the last rejection is thrown with a note of what was tried.
 */
export async function firstAccepted<S extends Closable>(
  candidates: ReadonlyArray<{ label: string; login: () => Promise<Credential | undefined> }>,
  open: (login: Credential) => Promise<S>,
): Promise<{ session: S; label: string }> {
  let lastRejection: DatabaseError | undefined;
  const tried: string[] = [];
  for (const candidate of candidates) {
    // Read lazily: the previous value costs a GetSecretValue only when current is refused.
    const login = await candidate.login();
    const label = candidate.label;
    if (!login) continue;
    tried.push(label);
    try {
      return { session: await open(login), label };
    } catch (error) {
      if (!(error instanceof DatabaseError && error.kind === 'authentication')) throw error;
      lastRejection = error;
    }
  }
  if (!lastRejection) throw new Error('no credential to log in with');
  throw new DatabaseError(`the server accepts none of the ${tried.join(' and ')} credentials: ${lastRejection.message}`, {
    kind: 'authentication',
    code: lastRejection.code,
  }, { cause: lastRejection });
}

/** A new database password under the secret's password tags (length, exclusions, classes). */
export function newDbPassword(secret: TaggedSecret): string {
  const password = generatePassword(passwordPolicy(secret));
  rememberSecret(password);
  return password;
}
