import { connectPostgres, quoteIdent, type PostgresSession } from '../../../shared/rotation/db/postgres-client';
import { scramSha256Verifier } from '../../../shared/rotation/db/scram';
import type { PostgresCluster } from '../../local/postgres-cluster';
import { DEMO_APP, type DemoSecret } from '../secrets';
import { initialPassword, type DemoDatabase } from './types';
import { processLog } from '../../../shared/log';

/**
 * The demo's PostgreSQL: one table owned by a NOLOGIN owner role; tenant-1's user rotates as
 * alternating users (the admin clones it), tenant-2's as a single user, and the admin rotates its
 * own password. Every secret asks for TLS, verified against the cluster's CA.
 */
const OWNER = 'orders_owner';
const ADMIN = 'kw_admin';
const USERS = { alternating: 't1_orders', single: 't2_orders' } as const;
const ROLES = [`${USERS.alternating}_clone`, USERS.alternating, USERS.single, ADMIN, OWNER];

export const POSTGRES_SECRETS = {
  alternating: `${DEMO_APP}/tenant-1/orders-db`,
  single: `${DEMO_APP}/tenant-2/orders-db`,
  admin: `${DEMO_APP}/shared/postgres-admin`,
} as const;

/** The demo database in `cluster`, through the superuser. */
export async function postgresDemo(cluster: PostgresCluster): Promise<DemoDatabase> {
  // A bound secret's TLS trust comes from the deployment, never from its tags: the demo's rotate
  // function, which runs in this process, trusts the cluster's CA as a deployed one trusts RDS's.
  process.env.KEYWARDEN_DB_TLS_CA_FILE = cluster.certs.caFile;
  const target = { host: cluster.host, port: cluster.port, database: 'postgres', settings: { secretName: 'the demo setup', log: processLog, plaintext: 'operator' as const, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 } };
  const superuser = await connectPostgres(target, cluster.superuser, [cluster.superuser.password]);
  return {
    label: 'PostgreSQL',
    where: `${cluster.host}:${cluster.port}`,
    secretNames: Object.values(POSTGRES_SECRETS),
    rotated: Object.values(POSTGRES_SECRETS),
    reset: () => resetPostgres(superuser, cluster),
    close: () => superuser.close(),
  };
}

async function resetPostgres(db: PostgresSession, cluster: PostgresCluster): Promise<DemoSecret[]> {
  const run = (sql: string) => db.query(sql, [], 'setting up the demo database');
  await run('DROP TABLE IF EXISTS orders');
  for (const role of ROLES) {
    const exists = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (exists.length === 0) continue;
    await run(`DROP OWNED BY ${quoteIdent(role)}`);
    await run(`DROP ROLE ${quoteIdent(role)}`);
  }
  const passwords = { alternating: initialPassword(), single: initialPassword(), admin: initialPassword() };
  // Verifiers, not passwords, reach the server, as in keywarden's own rotations.
  const login = (role: string, password: string, extra = '') => run(`CREATE ROLE ${quoteIdent(role)} LOGIN ${extra} PASSWORD '${scramSha256Verifier(password)}'`);
  await run(`CREATE ROLE ${OWNER} NOLOGIN`);
  await run(`CREATE TABLE orders (id serial PRIMARY KEY, tenant text NOT NULL, total numeric NOT NULL)`);
  await run(`ALTER TABLE orders OWNER TO ${OWNER}`);
  await login(USERS.alternating, passwords.alternating);
  await run(`GRANT ${OWNER} TO ${USERS.alternating}`);
  await run(`GRANT SELECT ON orders TO ${USERS.alternating}`);
  await login(USERS.single, passwords.single);
  await run(`GRANT SELECT, INSERT ON orders TO ${USERS.single}`);
  await login(ADMIN, passwords.admin, 'CREATEROLE');
  // The admin acts as the owner when it copies grants to the clone, and may end sessions on revoke.
  await run(`GRANT ${OWNER} TO ${ADMIN} WITH ADMIN OPTION`);
  await run(`GRANT pg_signal_backend TO ${ADMIN}`);
  const base = { engine: 'postgres', host: 'localhost', port: cluster.port, dbname: 'postgres', ssl: true };
  const tags = {};
  const bound = { engine: 'postgres', host: base.host, port: base.port, dbname: base.dbname };
  return [
    {
      name: POSTGRES_SECRETS.alternating,
      strategy: 'postgres',
      value: { ...base, username: USERS.alternating, password: passwords.alternating, masterarn: POSTGRES_SECRETS.admin },
      tags: { ...tags, 'keywarden:rotation': 'alternating-users' },
      bind: { ...bound, user: USERS.alternating, alternating: true, master: POSTGRES_SECRETS.admin },
    },
    { name: POSTGRES_SECRETS.single, strategy: 'postgres', value: { ...base, username: USERS.single, password: passwords.single }, tags: { ...tags, 'keywarden:rotation': 'single-user' }, bind: { ...bound, user: USERS.single } },
    { name: POSTGRES_SECRETS.admin, strategy: 'postgres', value: { ...base, username: ADMIN, password: passwords.admin }, tags: { ...tags, 'keywarden:rotation': 'single-user' }, bind: { ...bound, user: ADMIN } },
  ];
}
