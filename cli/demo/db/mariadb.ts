import { connectMysql, MYSQL_PORT, type MysqlSession } from '../../../shared/rotation/db/mysql-client';
import { DEMO_APP, type DemoSecret } from '../secrets';
import { initialPassword, type DemoDatabase } from './types';
import { processLog } from '../../../shared/log';

/**
 * The demo's MariaDB (or MySQL): the machine's server, used only when root can log in without a
 * password, as on a developer's box or CI. Its users and database carry a `kwdemo` prefix so
 * `keywarden local down` can remove exactly them. tenant-2's user rotates as alternating users,
 * the admin its own password. The machine's server has no TLS, so these secrets do not ask for it.
 */
const HOST = '127.0.0.1';
const DATABASE = 'kwdemo_analytics';
const USER = 'kwdemo_t2_analytics';
const ADMIN = 'kwdemo_admin';
const USERS = [USER, `${USER}_clone`, ADMIN];

export const MARIADB_SECRETS = {
  alternating: `${DEMO_APP}/tenant-2/analytics-db`,
  admin: `${DEMO_APP}/shared/mariadb-admin`,
} as const;

const ROOT_TARGET = { host: HOST, port: MYSQL_PORT, settings: { secretName: 'the demo setup', log: processLog, plaintext: 'operator' as const, connectTimeoutMs: 3_000, statementTimeoutMs: 10_000 } };

/** The demo database on the machine's server; throws when root cannot log in. */
export async function mariadbDemo(): Promise<DemoDatabase> {
  const root = await connectMysql(ROOT_TARGET, { username: 'root', password: '' }, []);
  return {
    label: 'MariaDB',
    where: `${HOST}:${MYSQL_PORT}`,
    secretNames: Object.values(MARIADB_SECRETS),
    rotated: Object.values(MARIADB_SECRETS),
    reset: () => resetMariadb(root),
    close: () => root.close(),
  };
}

/** Drops the demo's users and database, when the server answers. */
export async function removeMariadbDemo(): Promise<boolean> {
  const root = await connectMysql(ROOT_TARGET, { username: 'root', password: '' }, []).catch(() => undefined);
  if (!root) return false;
  try {
    await dropAll(root);
    return true;
  } finally {
    await root.close();
  }
}

async function dropAll(root: MysqlSession): Promise<void> {
  for (const user of USERS) await root.query('DROP USER IF EXISTS ?@?', [user, HOST], 'removing a demo user');
  await root.query(`DROP DATABASE IF EXISTS ${DATABASE}`, [], 'removing the demo database');
}

async function resetMariadb(root: MysqlSession): Promise<DemoSecret[]> {
  const run = (sql: string, params: unknown[] = []) => root.query(sql, params, 'setting up the demo database');
  await dropAll(root);
  const passwords = { user: initialPassword(), admin: initialPassword() };
  await run(`CREATE DATABASE ${DATABASE}`);
  await run(`CREATE TABLE ${DATABASE}.events (id int PRIMARY KEY AUTO_INCREMENT, tenant varchar(64) NOT NULL, name varchar(128) NOT NULL)`);
  await run('CREATE USER ?@? IDENTIFIED BY ?', [USER, HOST, passwords.user]);
  await run(`GRANT SELECT, INSERT ON ${DATABASE}.* TO ?@?`, [USER, HOST]);
  await run('CREATE USER ?@? IDENTIFIED BY ?', [ADMIN, HOST, passwords.admin]);
  // Creating the clone with the same grants takes CREATE USER and the grant option.
  await run('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [ADMIN, HOST]);
  const base = { engine: 'mariadb', host: HOST, port: MYSQL_PORT };
  // The machine's server has no TLS: the administrator allows plaintext to this loopback server.
  const bound = { engine: 'mariadb', host: HOST, port: MYSQL_PORT, plaintext: true };
  return [
    {
      name: MARIADB_SECRETS.alternating,
      strategy: 'mariadb',
      value: { ...base, dbname: DATABASE, username: USER, password: passwords.user, masterarn: MARIADB_SECRETS.admin },
      tags: { 'keywarden:rotation': 'alternating-users' },
      bind: { ...bound, dbname: DATABASE, user: USER, alternating: true, master: MARIADB_SECRETS.admin },
    },
    { name: MARIADB_SECRETS.admin, strategy: 'mariadb', value: { ...base, username: ADMIN, password: passwords.admin }, tags: { 'keywarden:rotation': 'single-user' }, bind: { ...bound, user: ADMIN } },
  ];
}
