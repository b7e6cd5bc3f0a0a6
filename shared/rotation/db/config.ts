import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors';
import type { TaggedSecret } from '../strategies/tag-options';
import { rawTag } from '../strategies/tag-options';

/**
 * How keywarden talks to databases: short timeouts by default, because a rotation step that hangs
 * on an unreachable database only burns its Lambda time and then fails anyway, and TLS that is
 * verified whenever a secret asks for it.
 */
/** Milliseconds to open a connection, TLS and login included: 100..60000, default 5000. */
export const CONNECT_TIMEOUT_ENV = 'KEYWARDEN_DB_CONNECT_TIMEOUT_MS';
/** Milliseconds any one statement or command may take: 100..300000, default 10000. */
export const STATEMENT_TIMEOUT_ENV = 'KEYWARDEN_DB_STATEMENT_TIMEOUT_MS';
/** A PEM bundle of the CAs to trust for database TLS, instead of Node's own roots. */
export const TLS_CA_FILE_ENV = 'KEYWARDEN_DB_TLS_CA_FILE';

/** A PEM bundle to trust instead of the defaults, e.g. `/var/runtime/ca-cert.pem` (has RDS's CAs in Lambda). */
export const TLS_CA_FILE_TAG = 'keywarden:db-tls-ca-file';
/** The name the server's certificate must carry, when it differs from `host` (an IP, a tunnel). */
export const TLS_SERVERNAME_TAG = 'keywarden:db-tls-servername';

/** Settings for one connection. */
export interface DbSettings {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Present when the secret asks for TLS. */
  tls?: TlsSettings;
}

/** TLS as keywarden always does it: verified, with a configurable trust store and server name. */
export interface TlsSettings {
  /** PEM text of the CAs to trust; undefined means Node's roots (plus NODE_EXTRA_CA_CERTS). */
  ca?: string;
  /** The name checked against the certificate. */
  servername: string;
}

/**
 * Reads the settings for connecting to `host` for `secret`. The environment is read on each call
 * (it is cheap) so that a test or an operator changing it is seen at the next step.
 */
export function dbSettings(
  secret: TaggedSecret,
  target: { host: string; ssl: boolean; transport?: 'tls' | 'plaintext' },
  env: NodeJS.ProcessEnv = process.env,
): DbSettings {
  const settings: DbSettings = {
    connectTimeoutMs: integerEnv(env, CONNECT_TIMEOUT_ENV, { fallback: 5_000, min: 100, max: 60_000 }),
    statementTimeoutMs: integerEnv(env, STATEMENT_TIMEOUT_ENV, { fallback: 10_000, min: 100, max: 300_000 }),
  };
  // A binding's `tls` forces verified TLS whatever the value's `ssl` says.
  if (!target.ssl && target.transport !== 'tls') return settings;
  const caFile = rawTag(secret, TLS_CA_FILE_TAG)?.trim() || env[TLS_CA_FILE_ENV]?.trim() || undefined;
  const servername = rawTag(secret, TLS_SERVERNAME_TAG)?.trim() || target.host;
  return { ...settings, tls: { ca: caFile ? readCa(caFile, secret.name) : undefined, servername } };
}

/**
 * A whole number from the environment, or a ConfigError naming the variable. Not readEnv: its
 * zod schema would add 60 KB to the rotate bundle, which must stay under 200 KB zipped with
 * three database drivers in it, for three numbers.
 */
function integerEnv(env: NodeJS.ProcessEnv, name: string, limits: { fallback: number; min: number; max: number }): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return limits.fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= limits.min && value <= limits.max)) {
    throw new ConfigError(`invalid configuration: ${name} must be a whole number from ${limits.min} to ${limits.max}`);
  }
  return value;
}

function readCa(path: string, secretName: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError(`secret ${secretName}: the TLS CA bundle ${path} cannot be read (${reason})`, { cause: error });
  }
}
