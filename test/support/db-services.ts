import { createConnection, type Connection } from 'mysql2/promise';
import Redis from 'ioredis';
import pg from 'pg';

/**
 * The machine's MariaDB (127.0.0.1:3306, root without a password) and Redis (127.0.0.1:6379, no
 * auth for the default user), which check passwords for the users tests create. Tests create
 * users with unique names and drop them afterwards. When a server does not answer, the message
 * says how to start it (`.ci/run` does, in its `services` step).
 */
export const MARIADB = { host: '127.0.0.1', port: 3306 } as const;
export const REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** A short unique suffix for user names: `kw_<suffix>`. */
export function uniqueSuffix(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 8);
}

/** A root connection to the machine's MariaDB, or a clear error. */
export async function mariadbRoot(): Promise<Connection> {
  try {
    return await createConnection({ ...MARIADB, user: 'root', password: '', multipleStatements: false });
  } catch (error) {
    throw new Error(
      `MariaDB does not answer at ${MARIADB.host}:${MARIADB.port} as root (${(error as Error).message}); start it: ` +
        'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd (bash .ci/run does this in its services step)',
    );
  }
}

/** An admin connection to the machine's Redis (its default user), or a clear error. */
export async function redisAdmin(): Promise<Redis> {
  const client = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis does not answer at ${REDIS.host}:${REDIS.port} (${(error as Error).message}); start it: redis-server --daemonize yes ` +
        '--bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log ' +
        '(bash .ci/run does this in its services step)',
    );
  }
}

/** Logs in to the machine's Redis as `user` with a fresh client (no retries) and runs PING; rejects when refused. */
export async function redisLogin(user: { username: string; password: string }): Promise<void> {
  const client = new Redis({ ...REDIS, username: user.username, password: user.password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Whether Redis accepts `user` (see {@link redisLogin}). */
export function redisLogsIn(user: { username: string; password: string }): Promise<boolean> {
  return redisLogin(user).then(() => true, () => false);
}

/** Whether a PostgreSQL on 127.0.0.1:`port` (a test's own cluster) lets `user` log in to `postgres`. */
export async function postgresLogsIn(port: number, user: { username: string; password: string }): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: user.username, password: user.password, database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
