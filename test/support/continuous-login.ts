import { createConnection, type Connection } from 'mysql2/promise';
import pg from 'pg';
import type Redis from 'ioredis';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { createSecret, loginContinuously, rotate, type LoginStats } from './db-rotation';
import { MARIADB, REDIS, mariadbRoot, redisAdmin, redisLogin, uniqueSuffix } from './db-services';

/**
 * A client that logs in again and again, reading AWSCURRENT each time, while rotations run through
 * the built rotate bundle: the five engine and strategy cases, shared by
 * test/integration/rotation-db-continuous.test.ts (a few rotations, asserted) and
 * `npm run bench -- rotation-db-continuous` (20 rotations, printed). Needs this process's SDK
 * clients pointed at a local AWS holding the stage's resources, the machine's MariaDB and Redis,
 * and starts a PostgreSQL cluster of its own.
 */

/** The servers the cases log in to, with admin connections to make and drop users. */
export interface LoginServices {
  cluster: PostgresCluster;
  pgAdmin: pg.Client;
  mysqlRoot: Connection;
  redis: Redis;
  /** Statements that drop what the cases created, run by {@link stopLoginServices}. */
  cleanups: Array<() => Promise<unknown>>;
}

export async function startLoginServices(): Promise<LoginServices> {
  const [cluster, mysqlRoot, redis] = await Promise.all([startPostgresCluster(), mariadbRoot(), redisAdmin()]);
  const pgAdmin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
  await pgAdmin.connect();
  return { cluster, pgAdmin, mysqlRoot, redis, cleanups: [] };
}

export async function stopLoginServices(services: Partial<LoginServices>): Promise<void> {
  for (const cleanup of services.cleanups ?? []) await cleanup().catch(() => undefined);
  await services.pgAdmin?.end();
  services.cluster?.destroy();
  await services.mysqlRoot?.end();
  services.redis?.disconnect();
}

type Login = (credential: { username: string; password: string }) => Promise<void>;

/** One engine and strategy: what it promises a client logging in through its rotations. */
export interface LoginCase {
  label: string;
  /** Alternating users and dual passwords promise no failed login at all. */
  zeroFailures: boolean;
  /** What every failed login of a single-user rotation says: the server refusing the old password. */
  refusal?: RegExp;
  /** Creates the users and the secret (bound); returns the secret's name and how a client logs in. */
  setup(services: LoginServices): Promise<{ name: string; login: Login }>;
}

const postgresLogin = (cluster: PostgresCluster): Login => async (c) => {
  const client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: c.username, password: c.password, database: 'postgres' });
  await client.connect();
  await client.end();
};
const mariadbLogin: Login = async (c) => (await createConnection({ ...MARIADB, user: c.username, password: c.password })).end();

export const LOGIN_CASES: readonly LoginCase[] = [
  {
    label: 'postgres alternating-users',
    zeroFailures: true,
    async setup({ cluster, pgAdmin, cleanups }) {
      const s = uniqueSuffix();
      cleanups.push(...[`app_${s}_clone`, `app_${s}`, `kwm_${s}`].map((role) => () => pgAdmin.query(`DROP ROLE IF EXISTS ${role}`)));
      await pgAdmin.query(`CREATE ROLE app_${s} LOGIN PASSWORD 'Initial-${s}-A1!'`);
      await pgAdmin.query(`CREATE ROLE kwm_${s} LOGIN CREATEROLE PASSWORD 'Master-${s}-B2!'`);
      const masterarn = await createSecret(`db/m-${s}`, { username: `kwm_${s}`, password: `Master-${s}-B2!` });
      await createSecret(`db/${s}`, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: `app_${s}`, password: `Initial-${s}-A1!`, dbname: 'postgres', masterarn });
      return { name: `db/${s}`, login: postgresLogin(cluster) };
    },
  },
  {
    label: 'postgres single-user',
    zeroFailures: false,
    refusal: /password authentication failed/,
    async setup({ cluster, pgAdmin, cleanups }) {
      const s = uniqueSuffix();
      cleanups.push(() => pgAdmin.query(`DROP ROLE IF EXISTS app_${s}`));
      await pgAdmin.query(`CREATE ROLE app_${s} LOGIN PASSWORD 'Initial-${s}-A1!'`);
      await createSecret(`db/${s}`, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: `app_${s}`, password: `Initial-${s}-A1!`, dbname: 'postgres' });
      return { name: `db/${s}`, login: postgresLogin(cluster) };
    },
  },
  {
    label: 'mariadb alternating-users',
    zeroFailures: true,
    async setup({ mysqlRoot, cleanups }) {
      const s = uniqueSuffix();
      cleanups.push(() => mysqlRoot.query(`DROP USER IF EXISTS 'app_${s}'@'127.0.0.1', 'app_${s}_clone'@'127.0.0.1', 'kwm_${s}'@'127.0.0.1'`));
      await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [`app_${s}`, '127.0.0.1', `Initial-${s}-A1!`]);
      await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [`kwm_${s}`, '127.0.0.1', `Master-${s}-B2!`]);
      await mysqlRoot.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [`kwm_${s}`, '127.0.0.1']);
      const masterarn = await createSecret(`db/m-${s}`, { username: `kwm_${s}`, password: `Master-${s}-B2!` });
      await createSecret(`db/${s}`, { engine: 'mariadb', host: '127.0.0.1', port: MARIADB.port, username: `app_${s}`, password: `Initial-${s}-A1!`, masterarn });
      return { name: `db/${s}`, login: mariadbLogin };
    },
  },
  {
    label: 'mariadb single-user',
    zeroFailures: false,
    refusal: /Access denied/,
    async setup({ mysqlRoot, cleanups }) {
      const s = uniqueSuffix();
      cleanups.push(() => mysqlRoot.query(`DROP USER IF EXISTS 'app_${s}'@'127.0.0.1'`));
      await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [`app_${s}`, '127.0.0.1', `Initial-${s}-A1!`]);
      await createSecret(`db/${s}`, { engine: 'mariadb', host: '127.0.0.1', port: MARIADB.port, username: `app_${s}`, password: `Initial-${s}-A1!` });
      return { name: `db/${s}`, login: mariadbLogin };
    },
  },
  {
    label: 'redis dual-password',
    zeroFailures: true,
    async setup({ redis, cleanups }) {
      const s = uniqueSuffix();
      cleanups.push(...[`app_${s}`, `kwadm_${s}`].map((user) => () => redis.call('ACL', 'DELUSER', user)));
      await redis.call('ACL', 'SETUSER', `app_${s}`, 'on', `>Initial-${s}-A1!`, '~app:*', '+ping');
      await redis.call('ACL', 'SETUSER', `kwadm_${s}`, 'on', `>Master-${s}-B2!`, '~*', '&*', '+@all');
      const masterarn = await createSecret(`cache/m-${s}`, { username: `kwadm_${s}`, password: `Master-${s}-B2!` });
      await createSecret(`cache/${s}`, { engine: 'redis', host: '127.0.0.1', port: REDIS.port, username: `app_${s}`, password: `Initial-${s}-A1!`, masterarn });
      return { name: `cache/${s}`, login: redisLogin };
    },
  },
];

/** What the client saw, and how long each rotation took (a baseline for the lockout windows). */
export interface ContinuousLoginRun extends LoginStats {
  rotationsMs: number[];
}

/**
 * Runs `rotations` full rotations of the secret while a client logs in continuously.
 *
 * @throws Error naming the step when a rotation fails.
 */
export async function rotateWhileLoggingIn(name: string, login: Login, rotations: number): Promise<ContinuousLoginRun> {
  const client = loginContinuously(name, login);
  const rotationsMs: number[] = [];
  try {
    for (let i = 0; i < rotations; i += 1) {
      const began = performance.now();
      const report = await rotate(name);
      rotationsMs.push(performance.now() - began);
      const error = report.steps.at(-1)!.error;
      if (error !== undefined) throw new Error(`rotation ${i + 1} of ${name} failed: ${error}`);
    }
  } finally {
    // A last few logins after the last rotation finished.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ...(await client.stop()), rotationsMs };
}

/** One line: failures of attempts, and the lockout windows. */
export function describeRun(label: string, run: ContinuousLoginRun, rotations: number): string {
  const longest = run.windowsMs.length ? Math.max(...run.windowsMs) : 0;
  return (
    `${label}: ${run.failures} failed of ${run.attempts} logins over ${rotations} rotations; ` +
    `${run.windowsMs.length} lockout window(s), longest ${longest.toFixed(0)} ms, total ${run.windowsMs.reduce((a, b) => a + b, 0).toFixed(0)} ms`
  );
}
