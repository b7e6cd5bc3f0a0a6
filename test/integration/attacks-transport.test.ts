import { readFileSync } from 'node:fs';
import IORedis, { type Redis } from 'ioredis';
import type { Connection } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { DatabaseError } from '../../shared/errors';
import { dbSettings, type DbSettings, type DbTransport } from '../../shared/rotation/db/settings';
import { connectMysql } from '../../shared/rotation/db/mysql-client';
import { connectPostgres } from '../../shared/rotation/db/postgres-client';
import { connectRedis } from '../../shared/rotation/db/redis-client';
import { MARIADB, REDIS, mariadbRoot, redisAdmin, uniqueSuffix } from '../support/db-services';
import { startRedisTlsServer, type RedisTlsServer } from '../support/redis-tls-server';
import { processLog } from '../../shared/log';

/**
 * The binding's transport against the real servers: verified TLS whatever the value's `ssl` says
 * when the binding says `tls`, never a plaintext fallback, and plaintext logins (SCRAM for
 * PostgreSQL, mysql_native_password for MariaDB, AUTH for Redis) only where an administrator
 * allowed them. The impostor servers that ask for passwords insecurely are in
 * test/unit/rotation/db/transport.test.ts.
 */
const secret = { name: 'app/tenant-1/transport-db', tags: {}, log: processLog };
const settingsFor = (transport: DbTransport, caFile?: string): DbSettings =>
  dbSettings(secret, { host: '127.0.0.1', ssl: false, transport }, {
    KEYWARDEN_DB_CONNECT_TIMEOUT_MS: '1500',
    ...(caFile ? { KEYWARDEN_DB_TLS_CA_FILE: caFile } : {}),
  });

async function failureOf(attempt: Promise<unknown>): Promise<DatabaseError> {
  const error = await attempt.then(() => undefined, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(DatabaseError);
  return error as DatabaseError;
}

describe('PostgreSQL: a scram-sha-256 cluster with TLS from a CA', () => {
  let cluster: PostgresCluster;
  let admin: pg.Client;
  const user = { username: `kw_transport_${uniqueSuffix()}`, password: `Transport-pw-${uniqueSuffix()}-A1!` };
  const target = (settings: DbSettings) => ({ host: '127.0.0.1', port: cluster.port, database: 'postgres', settings });
  const sslOf = async (settings: DbSettings) => {
    const session = await connectPostgres(target(settings), user, [user.password]);
    try {
      return (await session.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'))[0]!.ssl;
    } finally {
      await session.close();
    }
  };
  const stillLogsIn = () => sslOf(settingsFor('plaintext')).then(() => true);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    admin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE ROLE ${user.username} LOGIN PASSWORD '${user.password}'`);
  });
  afterAll(async () => {
    await admin?.end();
    cluster?.destroy();
  });

  it("transport plaintext: the login goes through SCRAM-SHA-256 over plaintext, as the administrator allowed", async () => {
    expect(await sslOf(settingsFor('plaintext'))).toBe(false);
  });

  it("attack: a value saying ssl:false under transport tls still logs in over verified TLS", async () => {
    expect(await sslOf(settingsFor('tls', cluster.certs.caFile))).toBe(true);
  });

  it('attack: a certificate from a CA the deployment does not trust is refused before any login', async () => {
    const error = await failureOf(sslOf(settingsFor('tls', cluster.certs.wrongCaFile)));
    expect(error.kind).toBe('tls');
    expect(await stillLogsIn()).toBe(true);
  });

  it('attack: transport tls against a server with TLS turned off is refused, never a plaintext fallback', async () => {
    cluster.setSsl(false);
    try {
      const error = await failureOf(sslOf(settingsFor('tls', cluster.certs.caFile)));
      expect(error.message).toMatch(/\(tls\): The server does not support SSL connections/);
      expect(await stillLogsIn()).toBe(true);
    } finally {
      cluster.setSsl(true);
    }
  });
});

describe("MariaDB: the machine's server, without TLS", () => {
  let root: Connection;
  const user = { username: `kw_tr_${uniqueSuffix()}`, password: `Transport-pw-${uniqueSuffix()}-B2!` };
  const open = (settings: DbSettings) => connectMysql({ ...MARIADB, settings }, user, [user.password]);

  beforeAll(async () => {
    root = await mariadbRoot();
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user.username, '%', user.password]);
  });
  afterAll(async () => {
    await root?.query('DROP USER IF EXISTS ?@?', [user.username, '%']);
    await root?.end();
  });

  it('transport plaintext: a mysql_native_password login (a scramble) works, as the administrator allowed', async () => {
    const session = await open(settingsFor('plaintext'));
    expect(await session.query('SELECT CURRENT_USER() AS who')).toEqual([{ who: `${user.username}@%` }]);
    await session.close();
  });

  it('attack: a value saying ssl:false under transport tls is refused by a server without TLS, never plaintext', async () => {
    const error = await failureOf(open(settingsFor('tls')));
    expect(error.message).toMatch(/\(tls, HANDSHAKE_NO_SSL_SUPPORT\): Server does not support secure connection/);
    await (await open(settingsFor('plaintext'))).close();
  });
});

describe('Redis: AUTH is cleartext, so plaintext only where the binding allows it', () => {
  let admin: Redis;
  let tlsServer: RedisTlsServer;
  const user = { username: `kw_tr_${uniqueSuffix()}`, password: `Transport-pw-${uniqueSuffix()}-C3` };
  const ping = async (port: number, settings: DbSettings) => {
    const session = await connectRedis({ host: REDIS.host, port, settings }, user, [user.password]);
    try {
      return await session.command(['PING']);
    } finally {
      await session.close();
    }
  };

  beforeAll(async () => {
    admin = await redisAdmin();
    await admin.call('ACL', 'SETUSER', user.username, 'on', `>${user.password}`, '+ping');
    tlsServer = await startRedisTlsServer();
    const tlsAdmin = new IORedis({ host: REDIS.host, port: tlsServer.port, tls: { ca: readFileSync(tlsServer.certs.caFile) } });
    await tlsAdmin.call('ACL', 'SETUSER', user.username, 'on', `>${user.password}`, '+ping');
    tlsAdmin.disconnect();
  });
  afterAll(async () => {
    await admin?.call('ACL', 'DELUSER', user.username);
    admin?.disconnect();
    await tlsServer?.stop();
  });

  it('transport plaintext: AUTH over plaintext works on the machine\'s Redis, as the administrator allowed', async () => {
    expect(await ping(REDIS.port, settingsFor('plaintext'))).toBe('PONG');
  });

  it('attack: a value saying ssl:false under transport tls is refused by a Redis without TLS, never plaintext', async () => {
    const error = await failureOf(ping(REDIS.port, settingsFor('tls')));
    expect(error.message).toMatch(/\(tls, KW_TLS_HANDSHAKE_TIMEOUT\): connected, but no TLS handshake/);
    expect(await ping(REDIS.port, settingsFor('plaintext'))).toBe('PONG');
  });

  it('transport tls: a TLS-only Redis verified against the CA from the environment takes the login; another CA does not', async () => {
    expect(await ping(tlsServer.port, settingsFor('tls', tlsServer.certs.caFile))).toBe('PONG');
    const wrongCa = await failureOf(ping(tlsServer.port, settingsFor('tls', tlsServer.certs.wrongCaFile)));
    expect(wrongCa.kind).toBe('tls');
  });
});
