import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors';
import { anyText, optionalSetting, setting, wholeNumber } from '../../settings/fields';
import { readSettings } from '../../settings/read';
import type { LogSink } from '../../log';
import type { TaggedSecret } from '../values/tag-options';
import { rawTag } from '../values/tag-options';

/**
 * How keywarden talks to databases: short timeouts by default, because a rotation step that hangs
 * on an unreachable database only burns its Lambda time and then fails anyway, and TLS that is
 * verified whenever the binding or the secret asks for it.
 */
/** Milliseconds to open a connection, TLS and login included: 100..60000, default 5000. */
export const CONNECT_TIMEOUT_ENV = 'KEYWARDEN_DB_CONNECT_TIMEOUT_MS';
/** Milliseconds any one statement or command may take: 100..300000, default 10000. */
export const STATEMENT_TIMEOUT_ENV = 'KEYWARDEN_DB_STATEMENT_TIMEOUT_MS';
/** A PEM bundle of the CAs to trust for database TLS, instead of Node's own roots. */
export const TLS_CA_FILE_ENV = 'KEYWARDEN_DB_TLS_CA_FILE';

/**
 * Unbound secrets only: a PEM bundle to trust instead of the defaults. Ignored once a binding
 * gives the transport, because whoever may TagResource the secret could otherwise pick the trust
 * store (any PEM file the function can read) for a master login.
 */
export const TLS_CA_FILE_TAG = 'keywarden:db-tls-ca-file';
/**
 * Unbound secrets only: the name the server's certificate must carry. Ignored once a binding gives
 * the transport: a tag writer could name a host whose certificate they hold.
 */
export const TLS_SERVERNAME_TAG = 'keywarden:db-tls-servername';

/** How an administrator's binding lets keywarden reach a database: verified TLS, or plaintext allowed. */
export type DbTransport = 'tls' | 'plaintext';

/**
 * Why a connection without TLS is allowed: `binding`, an administrator bound the secret with
 * transport `plaintext` (a loopback test server); `value`, no binding was given and the value's
 * `ssl` is false (keywarden before bindings); `operator`, an operator's own local tool (the demo's
 * setup on loopback), never the rotate function.
 */
export type PlaintextAllowance = 'binding' | 'value' | 'operator';

/** Settings for one connection. */
export interface DbSettings {
  /** The rotated secret (or the operator's tool), for messages. */
  secretName: string;
  /** Where the connection's warnings go: the rotation context's logger. */
  log: LogSink;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Verified TLS; when absent the connection is plaintext, and `plaintext` says who allowed it. */
  tls?: TlsSettings;
  /** Set exactly when `tls` is not: who allowed plaintext. The clients refuse a connection with neither. */
  plaintext?: PlaintextAllowance;
}

/** TLS as keywarden always does it: verified, with a configurable trust store and server name. */
export interface TlsSettings {
  /** PEM text of the CAs to trust; undefined means Node's roots (plus NODE_EXTRA_CA_CERTS). */
  ca?: string;
  /** The name checked against the certificate. */
  servername: string;
}

/** Where a connection goes and what the binding and the value say about TLS. */
export interface DbTransportTarget {
  /** The host dialled (from the binding, once there is one). */
  host: string;
  /** The value's `ssl` field: true asks for verified TLS, and gets it whatever the transport. */
  ssl: boolean;
  /**
   * The binding's transport. `tls`: verified TLS for every login, whatever `ssl` says. `plaintext`:
   * plaintext allowed by an administrator, TLS when `ssl` is true. Undefined: no binding, the
   * value's `ssl` decides and the TLS tags are read (the behaviour before bindings).
   */
  transport?: DbTransport;
  /** From the binding, never from the value or a tag: the certificate name when it is not `host`. */
  tlsServername?: string;
}

/**
 * Reads the settings for connecting to `target.host` for `secret`. The environment is read on each
 * call (it is cheap) so that a test or an operator changing it is seen at the next step.
 */
export function dbSettings(secret: TaggedSecret & { log: LogSink }, target: DbTransportTarget, env: NodeJS.ProcessEnv = process.env): DbSettings {
  const { connectTimeoutMs, statementTimeoutMs, tlsCaFile } = readSettings(dbEnvSchema, env);
  const settings: DbSettings = { secretName: secret.name, log: secret.log, connectTimeoutMs, statementTimeoutMs };
  const bound = target.transport !== undefined;
  if (!target.ssl && target.transport !== 'tls') return { ...settings, plaintext: bound ? 'binding' : 'value' };
  return { ...settings, tls: bound ? boundTls(secret, target, tlsCaFile) : unboundTls(secret, target, tlsCaFile) };
}

/** The deployment's database settings (shared/settings). */
const dbEnvSchema = {
  connectTimeoutMs: setting(CONNECT_TIMEOUT_ENV, wholeNumber(100, 60_000), 5_000),
  statementTimeoutMs: setting(STATEMENT_TIMEOUT_ENV, wholeNumber(100, 300_000), 10_000),
  tlsCaFile: optionalSetting(TLS_CA_FILE_ENV, anyText),
};

/** A bound secret's TLS: the trust store from the deployment, the name from the binding. */
function boundTls(secret: TaggedSecret & { log: LogSink }, target: DbTransportTarget, caFile: string | undefined): TlsSettings {
  const ignored = [TLS_CA_FILE_TAG, TLS_SERVERNAME_TAG].filter((tag) => rawTag(secret, tag) !== undefined);
  if (ignored.length > 0) {
    secret.log.warn(`secret ${secret.name}: ignoring ${ignored.join(' and ')} (a bound secret's TLS trust comes from ${TLS_CA_FILE_ENV} and its binding)`);
  }
  return { ca: caFile ? readCa(caFile, secret.name) : undefined, servername: target.tlsServername?.trim() || target.host };
}

/** An unbound secret's TLS, as before bindings: the tags may choose the trust store and the name. */
function unboundTls(secret: TaggedSecret, target: DbTransportTarget, deploymentCaFile: string | undefined): TlsSettings {
  const caFile = rawTag(secret, TLS_CA_FILE_TAG)?.trim() || deploymentCaFile;
  const servername = rawTag(secret, TLS_SERVERNAME_TAG)?.trim() || target.host;
  return { ca: caFile ? readCa(caFile, secret.name) : undefined, servername };
}

function readCa(path: string, secretName: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new ConfigError(`secret ${secretName}: the TLS CA bundle ${path} cannot be read (${reason})`, { cause: error });
  }
}
