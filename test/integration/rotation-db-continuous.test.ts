import { createConnection, type Connection } from 'mysql2/promise';
import pg from 'pg';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecret, loginContinuously, rotate, type LoginStats } from '../support/db-rotation';
import { MARIADB, REDIS, mariadbRoot, redisAdmin, redisLogin, uniqueSuffix } from '../support/db-services';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';

/**
 * A client that logs in again and again, reading AWSCURRENT each time, while 20 rotations run
 * through the built bundle. Alternating users and dual passwords must never fail it; single-user
 * rotation has a window between setSecret and finishSecret, which is measured and reported.
 */
const ROTATIONS = 20;

let cluster: PostgresCluster;
let pgAdmin: pg.Client;
let mysqlRoot: Connection;
let redis: Redis;
const dropMysql: string[] = [];
const dropRedis: string[] = [];
const dropPg: string[] = [];

async function rotateWhileLoggingIn(name: string, login: (c: { username: string; password: string }) => Promise<void>): Promise<LoginStats> {
  const client = loginContinuously(name, login);
  try {
    for (let i = 0; i < ROTATIONS; i += 1) {
      const report = await rotate(name);
      expect(report.steps.at(-1)!.error).toBeUndefined();
    }
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return client.stop();
}

function report(label: string, stats: LoginStats): void {
  const longest = stats.windowsMs.length ? Math.max(...stats.windowsMs) : 0;
  console.log(
    `[rotation-db] ${label}: ${stats.failures} failed of ${stats.attempts} logins over ${ROTATIONS} rotations; ` +
      `${stats.windowsMs.length} lockout window(s), longest ${longest.toFixed(0)} ms, total ${stats.windowsMs.reduce((a, b) => a + b, 0).toFixed(0)} ms`,
  );
}

const pgLogin = async (c: { username: string; password: string }) => {
  const client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: c.username, password: c.password, database: 'postgres' });
  await client.connect();
  await client.end();
};
const mysqlLogin = async (c: { username: string; password: string }) => (await createConnection({ ...MARIADB, user: c.username, password: c.password })).end();

beforeAll(async () => {
  [cluster, mysqlRoot, redis] = await Promise.all([startPostgresCluster(), mariadbRoot(), redisAdmin()]);
  pgAdmin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
  await pgAdmin.connect();
});

afterAll(async () => {
  for (const sql of dropMysql) await mysqlRoot.query(sql).catch(() => undefined);
  for (const user of dropRedis) await redis.call('ACL', 'DELUSER', user).catch(() => undefined);
  for (const role of dropPg) await pgAdmin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await pgAdmin?.end();
  cluster?.destroy();
  await mysqlRoot?.end();
  redis?.disconnect();
});

describe('a client logging in continuously through 20 rotations', () => {
  it('postgres alternating users: zero failed logins', async () => {
    const s = uniqueSuffix();
    dropPg.push(`app_${s}_clone`, `app_${s}`, `kwm_${s}`);
    await pgAdmin.query(`CREATE ROLE app_${s} LOGIN PASSWORD 'Initial-${s}-A1!'`);
    await pgAdmin.query(`CREATE ROLE kwm_${s} LOGIN CREATEROLE PASSWORD 'Master-${s}-B2!'`);
    const masterarn = await createSecret(`db/m-${s}`, { username: `kwm_${s}`, password: `Master-${s}-B2!` });
    await createSecret(`db/${s}`, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: `app_${s}`, password: `Initial-${s}-A1!`, dbname: 'postgres', masterarn });
    const stats = await rotateWhileLoggingIn(`db/${s}`, pgLogin);
    report('postgres alternating-users', stats);
    expect(stats.attempts).toBeGreaterThan(ROTATIONS);
    expect(stats.errors).toEqual([]);
    expect(stats.failures).toBe(0);
  });

  it('postgres single user: the lockout window is measured and reported', async () => {
    const s = uniqueSuffix();
    dropPg.push(`app_${s}`);
    await pgAdmin.query(`CREATE ROLE app_${s} LOGIN PASSWORD 'Initial-${s}-A1!'`);
    await createSecret(`db/${s}`, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: `app_${s}`, password: `Initial-${s}-A1!`, dbname: 'postgres' });
    const stats = await rotateWhileLoggingIn(`db/${s}`, pgLogin);
    report('postgres single-user', stats);
    expect(stats.attempts).toBeGreaterThan(ROTATIONS);
    // Every failure is the server refusing the old password inside a window, never anything else.
    for (const message of stats.errors) expect(message).toMatch(/password authentication failed/);
  });

  it('mariadb alternating users: zero failed logins', async () => {
    const s = uniqueSuffix();
    dropMysql.push(`DROP USER IF EXISTS 'app_${s}'@'127.0.0.1', 'app_${s}_clone'@'127.0.0.1', 'kwm_${s}'@'127.0.0.1'`);
    await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [`app_${s}`, '127.0.0.1', `Initial-${s}-A1!`]);
    await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [`kwm_${s}`, '127.0.0.1', `Master-${s}-B2!`]);
    await mysqlRoot.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [`kwm_${s}`, '127.0.0.1']);
    const masterarn = await createSecret(`db/m-${s}`, { username: `kwm_${s}`, password: `Master-${s}-B2!` });
    await createSecret(`db/${s}`, { engine: 'mariadb', host: '127.0.0.1', port: MARIADB.port, username: `app_${s}`, password: `Initial-${s}-A1!`, masterarn });
    const stats = await rotateWhileLoggingIn(`db/${s}`, mysqlLogin);
    report('mariadb alternating-users', stats);
    expect(stats.errors).toEqual([]);
    expect(stats.failures).toBe(0);
  });

  it('mariadb single user (no dual passwords on MariaDB): the lockout window is measured and reported', async () => {
    const s = uniqueSuffix();
    dropMysql.push(`DROP USER IF EXISTS 'app_${s}'@'127.0.0.1'`);
    await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [`app_${s}`, '127.0.0.1', `Initial-${s}-A1!`]);
    await createSecret(`db/${s}`, { engine: 'mariadb', host: '127.0.0.1', port: MARIADB.port, username: `app_${s}`, password: `Initial-${s}-A1!` });
    const stats = await rotateWhileLoggingIn(`db/${s}`, mysqlLogin);
    report('mariadb single-user', stats);
    expect(stats.attempts).toBeGreaterThan(ROTATIONS);
    for (const message of stats.errors) expect(message).toMatch(/Access denied/);
  });

  it('redis dual passwords: zero failed logins', async () => {
    const s = uniqueSuffix();
    dropRedis.push(`app_${s}`, `kwadm_${s}`);
    await redis.call('ACL', 'SETUSER', `app_${s}`, 'on', `>Initial-${s}-A1!`, '~app:*', '+ping');
    await redis.call('ACL', 'SETUSER', `kwadm_${s}`, 'on', `>Master-${s}-B2!`, '~*', '&*', '+@all');
    const masterarn = await createSecret(`cache/m-${s}`, { username: `kwadm_${s}`, password: `Master-${s}-B2!` });
    await createSecret(`cache/${s}`, { engine: 'redis', host: '127.0.0.1', port: REDIS.port, username: `app_${s}`, password: `Initial-${s}-A1!`, masterarn });
    const stats = await rotateWhileLoggingIn(`cache/${s}`, redisLogin);
    report('redis dual-password', stats);
    expect(stats.errors).toEqual([]);
    expect(stats.failures).toBe(0);
  });
});
