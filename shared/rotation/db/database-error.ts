import { DatabaseError, type DatabaseFailureKind } from '../../errors';
import { redact } from '../../redact';

/** The engines keywarden talks to, as they appear in messages. */
export type DbEngine = 'postgres' | 'mysql' | 'redis';

/** What keywarden was doing when the database failed, e.g. `logging in as app at db:5432`. */
export type DbAction = string;

/** What a driver's error tells us, read defensively: drivers attach different fields. */
interface DriverErrorFields {
  message: string;
  code?: string;
  errno?: number;
  name?: string;
}

/**
 * Turns whatever a driver threw into a {@link DatabaseError}: classified, with the server's own
 * message kept, and every secret in play scrubbed from it. The driver's error is NOT attached as
 * the cause, because drivers keep the statement they sent (mysql2's `sql`, with a password in
 * it) on the error object; a clean copy of its name, code and scrubbed message is attached.
 */
export function databaseError(engine: DbEngine, action: DbAction, error: unknown, secrets: readonly string[]): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const fields = fieldsOf(error);
  const kind = classify(engine, fields);
  const said = scrub(fields.message, secrets);
  // MySQL's error number is its stable identifier; names vary between MySQL and MariaDB.
  const errno = fields.errno !== undefined ? String(fields.errno) : undefined;
  const code = engine === 'mysql' ? errno ?? fields.code : fields.code ?? errno;
  const cause = new Error(said);
  cause.name = fields.name ?? 'Error';
  const message = `${engine}: ${action} failed (${kind}${code ? `, ${code}` : ''}): ${said}`;
  return new DatabaseError(scrub(message, secrets), { kind, code }, { cause });
}

/** Removes each secret (and anything the redactor remembers) from a server's message. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[REDACTED]');
  }
  return redact(out);
}

function fieldsOf(error: unknown): DriverErrorFields {
  if (!(error instanceof Error)) return { message: String(error) };
  const raw = error as Error & { code?: unknown; errno?: unknown };
  return {
    message: error.message || error.name,
    name: error.name,
    code: typeof raw.code === 'string' ? raw.code : typeof raw.code === 'number' ? String(raw.code) : undefined,
    errno: typeof raw.errno === 'number' && raw.errno > 0 ? raw.errno : undefined,
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED',
  'PROTOCOL_CONNECTION_LOST', 'KW_CONNECTION_CLOSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'PROTOCOL_SEQUENCE_TIMEOUT', 'KW_TIMEOUT']);
const TLS_CODES = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE', 'EPROTO', 'HANDSHAKE_NO_SSL_SUPPORT', 'KW_TLS_HANDSHAKE_TIMEOUT', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** PostgreSQL SQLSTATEs by kind; classes 08 (connection) and 57P (shutdown) are network. */
const POSTGRES_STATES: Readonly<Record<string, DatabaseFailureKind>> = {
  '28P01': 'authentication', // invalid_password
  '28000': 'authentication', // invalid_authorization_specification (no such role, pg_hba reject)
  '42501': 'permission', // insufficient_privilege
  '57014': 'timeout', // query_canceled: statement_timeout
  '55P03': 'timeout', // lock_not_available: lock_timeout
};

/** MySQL and MariaDB error numbers by kind. */
const MYSQL_ERRNOS: Readonly<Record<number, DatabaseFailureKind>> = {
  1045: 'authentication', // ER_ACCESS_DENIED_ERROR
  1698: 'authentication', // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1130: 'authentication', // ER_HOST_NOT_PRIVILEGED
  1862: 'authentication', // ER_MUST_CHANGE_PASSWORD_LOGIN
  3118: 'authentication', // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL)
  4151: 'authentication', // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
  1044: 'permission', // ER_DBACCESS_DENIED_ERROR
  1142: 'permission', // ER_TABLEACCESS_DENIED_ERROR
  1143: 'permission', // ER_COLUMNACCESS_DENIED_ERROR
  1227: 'permission', // ER_SPECIFIC_ACCESS_DENIED_ERROR
  1370: 'permission', // ER_PROCACCESS_DENIED_ERROR
  1410: 'permission', // ER_CANT_CREATE_USER_WITH_GRANT
  1968: 'timeout', // MariaDB ER_STATEMENT_TIMEOUT
  1969: 'timeout', // MariaDB ER_STATEMENT_TIMEOUT (10.1+ numbering)
  3024: 'timeout', // ER_QUERY_TIMEOUT (MySQL max_execution_time)
  1205: 'timeout', // ER_LOCK_WAIT_TIMEOUT
  1053: 'network', // ER_SERVER_SHUTDOWN
  2013: 'network', // CR_SERVER_LOST
};

function classify(engine: DbEngine, error: DriverErrorFields): DatabaseFailureKind {
  const byServer = serverKind(engine, error);
  if (byServer) return byServer;
  const code = error.code ?? '';
  if (TLS_CODES.has(code) || /\b(SSL|TLS)\b|certificate|secure connection/i.test(error.message)) return 'tls';
  if (TIMEOUT_CODES.has(code) || /timeout|timed out/i.test(error.message)) return 'timeout';
  if (NETWORK_CODES.has(code) || /Connection terminated|connection (lost|closed)|socket hang up/i.test(error.message)) return 'network';
  if (engine === 'postgres' && /^(08|57P)/.test(code)) return 'network';
  return 'other';
}

/** The server's own classification (SQLSTATE, errno, error prefix), which is the most precise. */
function serverKind(engine: DbEngine, error: DriverErrorFields): DatabaseFailureKind | undefined {
  if (engine === 'postgres') return error.code ? POSTGRES_STATES[error.code] : undefined;
  if (engine === 'mysql') return error.errno !== undefined ? MYSQL_ERRNOS[error.errno] : undefined;
  if (/^(WRONGPASS|NOAUTH)\b/.test(error.message)) return 'authentication';
  if (/^NOPERM\b/.test(error.message)) return 'permission';
  return undefined;
}
