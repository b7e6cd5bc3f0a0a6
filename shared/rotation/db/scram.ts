import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's default `scram_iterations`, and RFC 7677's minimum recommendation. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 and RFC 7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64 throughout. Sending this in
 * `ALTER ROLE … PASSWORD '<verifier>'` sets the password without the plaintext ever reaching the
 * server, its statement log or pg_stat_statements.
 *
 * PostgreSQL runs the password through SASLprep first; for printable ASCII that is the identity,
 * which is why other characters are refused rather than guessed at.
 */
export function scramSha256Verifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  if (!/^[\x20-\x7e]+$/.test(password)) {
    throw new RangeError('a SCRAM verifier is computed only for printable ASCII passwords (SASLprep is then the identity)');
  }
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const keys = scramKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${keys.storedKey.toString('base64')}:${keys.serverKey.toString('base64')}`;
}

/** The keys of RFC 5802 section 3, for the verifier and for tests against the RFC's example. */
export function scramKeys(password: string, salt: Buffer, iterations: number): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return { clientKey, storedKey, serverKey };
}
