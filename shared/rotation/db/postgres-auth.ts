import type { Client } from 'pg';
import type { DbSettings } from './settings';
import { isVerifiedTls } from './tls';
import { insecureTransportError } from './transport';

/**
 * What a PostgreSQL login may send, decided on the live connection. Over verified TLS the server
 * is the one its certificate names, so any method it asks for is allowed (cleartext too: PgBouncer
 * and LDAP setups ask for it). Over plaintext only SCRAM-SHA-256 is: a cleartext password is read
 * by whoever answers, and an MD5 response is a password equivalent that can be replayed to the
 * real server with the same salt, or brute-forced offline. A server that asks for no password at
 * all over plaintext never proved it knows the user (SCRAM's final message does), so it is
 * refused before a statement goes out either.
 *
 * The driver's own handlers stay: keywarden listens to the same authentication messages first
 * (the connection is an EventEmitter, and these listeners are added before connect() adds the
 * driver's), and the password reaches the driver through a function that refuses to hand it
 * over after such a request, so even the driver's handler running next finds nothing to send.
 */
export interface PostgresAuthGuard {
  /** The `password` option for the driver: the password, unless the server asked insecurely. */
  password(): string;
  /** Starts watching the client's authentication messages; call before `client.connect()`. */
  watch(client: Client): void;
}

/** A guard for one login as the user whose password is `password`. */
export function guardPostgresAuth(settings: DbSettings, where: string, password: string): PostgresAuthGuard {
  let refusal: Error | undefined;
  return {
    password: () => {
      if (refusal) throw refusal;
      return password;
    },
    watch: (client) => {
      const connection = client.connection;
      let serverProved = false;
      const refuse = (what: string) => {
        if (isVerifiedTls(connection.stream) || refusal) return;
        refusal = insecureTransportError('postgres', settings, where, what);
        connection.emit('error', refusal);
        connection.stream.destroy();
      };
      connection.prependListener('authenticationCleartextPassword', () => refuse('asked for a cleartext password'));
      connection.prependListener('authenticationMD5Password', () => refuse('asked for an MD5 password hash'));
      // The driver checks the server's SCRAM signature on this same message; a bad one fails connect().
      connection.on('authenticationSASLFinal', () => (serverProved = true));
      connection.prependListener('authenticationOk', () => {
        if (!serverProved) refuse('let the login in without SCRAM, so it never proved it knows the password,');
      });
    },
  };
}
