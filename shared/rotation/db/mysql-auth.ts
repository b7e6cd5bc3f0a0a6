import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'mysql2/promise';
import type { DbSettings } from './settings';
import { isVerifiedTls } from './tls';
import { insecureTransportError } from './transport';

/** The driver's table of authentication plugins, by the name a server asks for. */
type AuthPlugins = NonNullable<ConnectionOptions['authPlugins']>;
type AuthPlugin = AuthPlugins[string];

/** caching_sha2_password's AuthMoreData answers after the scramble. */
const FAST_AUTH_SUCCESS = 0x03;
const PERFORM_FULL_AUTHENTICATION = 0x04;

/**
 * The authentication plugins keywarden gives mysql2, replacing the driver's own for the methods
 * that can put the password on the wire. Over verified TLS each sends what the server asks for
 * (the server is the one its certificate names). Over plaintext only scrambles go out: mysql2's
 * own mysql_native_password, and caching_sha2_password's fast path; these refuse with a
 * RotationRefusedError (rule `rotation.insecure-transport`) and send nothing:
 * - `mysql_clear_password`: the password itself;
 * - `sha256_password`, and caching_sha2_password's full authentication: the password encrypted to
 *   an RSA key that the server (or whoever answers instead of it) supplies on request.
 * Each plugin decides on the live socket ({@link isVerifiedTls}), not on the configuration.
 */
export function mysqlAuthPlugins(settings: DbSettings, where: string, password: string): AuthPlugins {
  const refuse = (what: string) => insecureTransportError('mysql', settings, where, what);
  const overTlsOnly = (what: string): AuthPlugin => ({ connection }) => () => {
    if (!isVerifiedTls(socketOf(connection))) throw refuse(what);
    return withNul(password);
  };
  const cachingSha2: AuthPlugin = ({ connection }) => {
    let scrambled = false;
    return (data) => {
      if (!scrambled) {
        scrambled = true;
        return cachingSha2Scramble(password, data.subarray(0, 20));
      }
      if (data.length === 1 && data[0] === FAST_AUTH_SUCCESS) return null;
      if (data.length === 1 && data[0] === PERFORM_FULL_AUTHENTICATION) {
        if (!isVerifiedTls(socketOf(connection))) {
          throw refuse('asked for caching_sha2_password full authentication (the password in clear or encrypted to a key the server supplies)');
        }
        return withNul(password);
      }
      throw new Error('caching_sha2_password: unexpected authentication data from the server');
    };
  };
  return {
    mysql_clear_password: overTlsOnly('asked for a cleartext password (mysql_clear_password)'),
    sha256_password: overTlsOnly('asked for sha256_password (the password encrypted to a key the server supplies)'),
    caching_sha2_password: cachingSha2,
  };
}

/**
 * caching_sha2_password's scramble: SHA256(p) XOR SHA256(SHA256(SHA256(p)) || nonce). The server
 * checks it against its cached SHA256(SHA256(p)); it cannot recover the password from it.
 */
export function cachingSha2Scramble(password: string, nonce: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
  const stage1 = sha256(Buffer.from(password, 'utf8'));
  const stage3 = sha256(Buffer.concat([sha256(stage1), nonce]));
  return Buffer.from(stage1.map((byte, i) => byte ^ stage3[i]!));
}

/** The connection's current socket: mysql2 replaces `stream` with the TLS socket when it upgrades. */
function socketOf(connection: unknown): unknown {
  return (connection as { stream?: unknown }).stream;
}

function withNul(password: string): Buffer {
  return Buffer.from(`${password}\0`, 'utf8');
}
