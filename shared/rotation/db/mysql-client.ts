import type { LogSink } from '../../log';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { dbSettings, type DbSettings } from './settings';
import { databaseError } from './database-error';
import { mysqlAuthPlugins } from './mysql-auth';
import type { Credential, DbSecret } from './secret';
import { tlsOptions } from './tls';
import { assertTransportAllowed, refusalOr } from './transport';

/** Where a MySQL or MariaDB login goes. */
export interface MysqlTarget {
  host: string;
  port: number;
  database?: string;
  settings: DbSettings;
}

/** One open MySQL/MariaDB connection, used for a few statements and then closed. */
export interface MysqlSession {
  readonly user: string;
  /** Where warnings about this session's server go (from the target's settings). */
  readonly log: LogSink;
  /** Rows of one statement; `?` placeholders are escaped by the driver. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[], what?: string): Promise<T[]>;
  close(): Promise<void>;
}

/** The default MySQL port. */
export const MYSQL_PORT = 3306;

/**
 * The user's own server, as the secret names it, with this step's settings. The master connects
 * with no default database (`asMaster`): accounts and grants are server-wide, and a master needs
 * no rights on the user's database to manage them.
 */
export function mysqlTarget(ctx: { name: string; tags: Readonly<Record<string, string>>; log: LogSink }, secret: DbSecret, asMaster = false): MysqlTarget {
  return { host: secret.host, port: secret.port ?? MYSQL_PORT, database: asMaster ? undefined : secret.dbname, settings: dbSettings(ctx, secret) };
}

/**
 * Opens a connection as `login` (the driver is imported on first use). With TLS the driver
 * verifies the chain and the name; when the certificate's name differs from the address
 * dialled, the name is given as `host` and the socket dialled separately, because the driver
 * checks the name it was given as host. A server without TLS fails the login. Without TLS the
 * password goes out only as a scramble ({@link mysqlAuthPlugins}).
 */
export async function connectMysql(target: MysqlTarget, login: Credential, secrets: readonly string[]): Promise<MysqlSession> {
  // The driver is CommonJS: its exports are the namespace's default, both under Node and in the
  // bundle's chunk (whose ES module exports only that default).
  const { default: mysql } = await import('mysql2/promise');
  const where = `${target.host}:${target.port}`;
  const { settings } = target;
  assertTransportAllowed('mysql', settings, where);
  const options: ConnectionOptions = {
    host: target.host,
    port: target.port,
    user: login.username,
    password: login.password,
    database: target.database,
    charset: 'UTF8MB4_GENERAL_CI',
    connectTimeout: settings.connectTimeoutMs,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    multipleStatements: false,
    authPlugins: mysqlAuthPlugins(settings, where, login.password),
  };
  if (settings.tls) {
    const tls = tlsOptions(settings.tls);
    options.ssl = { ca: tls.ca as string | undefined, rejectUnauthorized: true, verifyIdentity: true };
    if (settings.tls.servername !== target.host) {
      const net = await import('node:net');
      options.host = settings.tls.servername;
      options.stream = () => net.connect(target.port, target.host);
    }
  }
  let connection: Connection;
  try {
    connection = await mysql.createConnection(options);
  } catch (error) {
    throw refusalOr(error, (failure) => databaseError('mysql', `logging in as ${login.username} to ${where}`, failure, secrets));
  }
  // A server that goes away makes the connection emit 'error'; the query in flight rejects.
  connection.on('error', () => undefined);
  const session: MysqlSession = {
    user: login.username,
    log: target.settings.log,
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = [], what = 'a statement'): Promise<T[]> {
      try {
        const [rows] = await connection.query({ sql, values: params, timeout: settings.statementTimeoutMs });
        return (Array.isArray(rows) ? rows : []) as T[];
      } catch (error) {
        throw databaseError('mysql', `${what} as ${login.username} on ${where}`, error, secrets);
      }
    },
    close: async () => {
      const quit = connection.end().catch(() => undefined);
      const timer = new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      await Promise.race([quit, timer]);
      connection.destroy();
    },
  };
  // Escaping with backslashes (the driver's) is only right while NO_BACKSLASH_ESCAPES is off.
  await session.query("SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')", [], 'setting sql_mode');
  return session;
}

