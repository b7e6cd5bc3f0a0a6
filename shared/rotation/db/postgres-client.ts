import type { LogSink } from '../../log';
import type { Client, ClientConfig } from 'pg';
import { dbSettings, type DbSettings } from './settings';
import { databaseError } from './database-error';
import { guardPostgresAuth } from './postgres-auth';
import type { Credential, DbSecret } from './secret';
import { tlsOptions } from './tls';
import { assertTransportAllowed, refusalOr } from './transport';

/** Where a PostgreSQL login goes: the user's own server and database. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  settings: DbSettings;
}

/** One open PostgreSQL connection, used for a few statements and then closed. */
export interface PostgresSession {
  readonly user: string;
  /** Where warnings about this session's server go (from the target's settings). */
  readonly log: LogSink;
  /** Rows of one statement; a failure is a classified DatabaseError naming `what`. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[], what?: string): Promise<T[]>;
  close(): Promise<void>;
}

/** The default PostgreSQL port. */
export const POSTGRES_PORT = 5432;

/**
 * Opens a connection as `login`. The driver is imported on first use, so rotations that need no
 * database never load it. TLS, when the binding or the secret asks for it, is verified and never
 * dropped: the driver fails when the server answers the SSL request with "no". Without TLS the
 * password goes only through SCRAM-SHA-256 ({@link guardPostgresAuth}).
 */
export async function connectPostgres(target: PostgresTarget, login: Credential, secrets: readonly string[]): Promise<PostgresSession> {
  const { default: PgClient } = await import('pg/lib/client');
  const where = `${target.host}:${target.port}/${target.database}`;
  assertTransportAllowed('postgres', target.settings, where);
  const guard = guardPostgresAuth(target.settings, where, login.password);
  const config: ClientConfig = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: login.username,
    password: guard.password,
    application_name: 'keywarden-rotate',
    connectionTimeoutMillis: target.settings.connectTimeoutMs,
    statement_timeout: target.settings.statementTimeoutMs,
    lock_timeout: target.settings.statementTimeoutMs,
    query_timeout: target.settings.statementTimeoutMs + 1_000,
    ssl: target.settings.tls ? tlsOptions(target.settings.tls) : false,
  };
  const client: Client = new PgClient(config);
  // A server that goes away mid-step makes the client emit 'error'; the query in flight rejects
  // with it, and an unhandled 'error' event would crash the function instead.
  client.on('error', () => undefined);
  guard.watch(client);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw refusalOr(error, (failure) => databaseError('postgres', `logging in as ${login.username} to ${where}`, failure, secrets));
  }
  return {
    user: login.username,
    log: target.settings.log,
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = [], what = 'a statement'): Promise<T[]> {
      try {
        return (await client.query(sql, params)).rows as T[];
      } catch (error) {
        throw databaseError('postgres', `${what} as ${login.username} on ${where}`, error, secrets);
      }
    },
    close: async () => {
      await client.end().catch(() => undefined);
    },
  };
}

/** A PostgreSQL identifier, quoted: `"app_user"`, with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The user's own server and database, as a secret names them, with this step's settings. */
export function postgresTarget(ctx: { name: string; tags: Readonly<Record<string, string>>; log: LogSink }, secret: DbSecret): PostgresTarget {
  return {
    host: secret.host,
    port: secret.port ?? POSTGRES_PORT,
    database: secret.dbname ?? 'postgres',
    settings: dbSettings(ctx, secret),
  };
}
