import { RotationRefusedError } from '../../errors';
import type { DbSettings } from './settings';
import type { DbEngine } from './database-error';

/**
 * The transport rule every client enforces: a password leaves keywarden only over verified TLS,
 * or over a plaintext connection that an administrator (or, for a secret with no binding yet, the
 * value's `ssl: false`) allowed, and then only in a form the server cannot read or replay.
 */

/** The finding rule raised when keywarden refuses to log in over an insecure transport. */
export const INSECURE_TRANSPORT_RULE = 'rotation.insecure-transport';

/**
 * The refusal for a server that wanted a login keywarden does not do over a plaintext connection.
 * `what` is keywarden's own words, never the server's: e.g. `asked for a cleartext password`.
 */
export function insecureTransportError(engine: DbEngine, settings: DbSettings, where: string, what: string): RotationRefusedError {
  return new RotationRefusedError(
    `secret ${settings.secretName}: ${engine} at ${where} ${what} over a plaintext connection; keywarden logs in ` +
      'without TLS only through a challenge-response the server can neither read nor replay, and sent neither the password nor a statement',
    { rule: INSECURE_TRANSPORT_RULE, field: 'transport' },
  );
}

/**
 * Throws unless the settings say TLS, or say who allowed plaintext: a connection nobody allowed
 * to be plaintext is never opened, whatever built the settings.
 */
export function assertTransportAllowed(engine: DbEngine, settings: DbSettings, where: string): void {
  if (settings.tls || settings.plaintext) return;
  throw new RotationRefusedError(
    `secret ${settings.secretName}: ${engine} at ${where} would be reached without TLS, which neither the binding nor the secret allows`,
    { rule: INSECURE_TRANSPORT_RULE, field: 'transport' },
  );
}

/** A refusal passes through as it is; anything else is the driver's failure for `toError`. */
export function refusalOr(error: unknown, toError: (error: unknown) => Error): Error {
  return error instanceof RotationRefusedError ? error : toError(error);
}
