import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createConnection, type Connection } from 'mysql2/promise';
import pg from 'pg';
import type Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import type { RotationEvent } from '../../shared/rotation/driver';
import { createSecret, invokeStep, revokeThroughBundle, rotate, sm, valueAt } from '../support/db-rotation';
import { MARIADB, mariadbRoot, postgresLogsIn, redisAdmin, redisLogsIn, uniqueSuffix } from '../support/db-services';

/**
 * The master is never a target (issue 11, item 3): whoever can write a rotated secret's value
 * names a user that the master would set a password on, copy rights from, or lock. Each attack
 * runs through the built rotate bundle against the real servers, asserts keywarden's refusal
 * (RotationRefusedError, rule rotation.privileged-target, field username), then asks the server
 * that nothing changed: attributes, memberships, grants, ACLs and password hashes, no clone made,
 * and the master and the current credential still log in.
 */

const RULE = 'rotation.privileged-target';
/**
 * A target that IS the master by name never reaches the server's check: the binding refuses a
 * bound user that is the master's login (or a revocation of it) first, before any login.
 */
const BY_NAME = 'rotation.binding-violation';
type Value = Record<string, unknown> & { username: string; password: string };

/**
 * The one place a test secret is made. createSecret also binds a database secret from its value
 * (users: value.username and its alternate, the master it names), so these attacks model an
 * administrator's binding that names a privileged user by mistake, and the server-side check is
 * what must refuse.
 */
async function createTestSecret(name: string, value: Value, options: { tags?: Record<string, string> } = {}): Promise<string> {
  return createSecret(name, value, options.tags);
}

/** The revocation emergency rotation asks for (revokeThroughBundle records its grant in the rotation ledger first). */
async function revokeAsEmergency(name: string, token: string): Promise<unknown> {
  return revokeThroughBundle(name, token);
}

/** A rotation through the bundle that must be refused at setSecret; returns the refusal. */
async function expectRefusedRotation(name: string, secretsNotInError: string[], rule = RULE): Promise<Error & { rule?: string; field?: string }> {
  let thrown: unknown;
  const recording = async (event: RotationEvent) => {
    try {
      await invokeStep(event);
    } catch (error) {
      thrown = error;
      throw error;
    }
  };
  const report = await rotate(name, { invoke: recording });
  expect(report).toMatchObject({ ok: false, failedStep: 'setSecret' });
  const message = report.steps.at(-1)!.error!;
  expect(message).toMatch(new RegExp(`^RotationRefusedError: secret ${name}: .*${rule.replace('.', '\\.')}`));
  for (const secret of secretsNotInError) expect(message).not.toContain(secret);
  expect(thrown).toMatchObject({ name: 'RotationRefusedError', rule, field: 'username' });
  return thrown as Error;
}

type Login = { username: string; password: string };

/**
 * An engine's attack runner: the rotation is refused, then every role in `watch` is as `snapshot`
 * read it before and each login still works.
 */
function attackOn(snapshot: (watch: string[]) => Promise<unknown>, logsIn: (login: Login) => Promise<boolean>) {
  return async (name: string, watch: string[], logins: Login[], secretsNotInError: string[], rule = RULE): Promise<void> => {
    const before = await snapshot(watch);
    await expectRefusedRotation(name, secretsNotInError, rule);
    expect(await snapshot(watch)).toEqual(before);
    for (const login of logins) expect(await logsIn(login)).toBe(true);
  };
}

/** A revocation through the bundle that must be refused. */
async function expectRefusedRevoke(name: string, token: string, rule = RULE): Promise<void> {
  const thrown = await revokeAsEmergency(name, token).then(() => undefined, (error: unknown) => error);
  expect(thrown).toMatchObject({ name: 'RotationRefusedError', rule, field: 'username' });
  expect((thrown as Error).message).toContain(rule);
}

/** Makes `value` AWSCURRENT under a version id of our choosing (what any writer of the secret can do). */
async function putCurrent(name: string, value: Value): Promise<string> {
  const token = crypto.randomUUID();
  await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: JSON.stringify(value), VersionStages: ['AWSCURRENT'] }));
  return token;
}

const password = (who: string, s: string) => `${who}-pw-${s}-A1!`;

beforeAll(() => {
  process.env.KEYWARDEN_DB_CONNECT_TIMEOUT_MS = '3000';
  process.env.KEYWARDEN_DB_STATEMENT_TIMEOUT_MS = '3000';
});

describe('postgres: the master is never a target', () => {
  let cluster: PostgresCluster;
  let admin: pg.Client;
  const roles: string[] = [];

  const logsIn = (user: { username: string; password: string }) => postgresLogsIn(cluster.port, user);

  async function role(name: string, sql: string): Promise<string> {
    roles.push(name);
    await admin.query(`CREATE ROLE ${name} ${sql}`);
    return name;
  }

  /** Everything the server knows about these roles that an attack could change, password verifiers included. */
  async function snapshot(names: string[]): Promise<unknown> {
    const attributes = await admin.query(
      `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolinherit, rolcanlogin, rolconnlimit,
              rolvaliduntil::text, rolpassword FROM pg_authid WHERE rolname = ANY($1) ORDER BY 1`,
      [names],
    );
    const memberships = await admin.query(
      `SELECT r.rolname AS role, u.rolname AS member, m.admin_option FROM pg_auth_members m
         JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE r.rolname = ANY($1) OR u.rolname = ANY($1) ORDER BY 1, 2`,
      [names],
    );
    const grants = await admin.query(
      'SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = ANY($1) ORDER BY 1, 2, 3',
      [names],
    );
    return { attributes: attributes.rows, memberships: memberships.rows, grants: grants.rows };
  }

  /** A master that may create roles and end sessions, as docs/rotation-databases.md asks. */
  async function fixture() {
    const s = uniqueSuffix();
    const master = await role(`kwm_${s}`, `LOGIN CREATEROLE PASSWORD '${password('master', s)}'`);
    await admin.query(`GRANT pg_signal_backend TO ${master}`);
    const masterArn = await createSecret(`db/master-${s}`, { username: master, password: password('master', s) });
    const base = { engine: 'postgres', host: '127.0.0.1', port: cluster.port, dbname: 'postgres', masterarn: masterArn };
    return { s, master, masterLogin: { username: master, password: password('master', s) }, base };
  }

  const attack = attackOn(snapshot, logsIn);

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    admin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
    await admin.connect();
  });

  afterEach(async () => {
    for (const name of roles.splice(0).reverse()) {
      await admin.query(`DROP OWNED BY ${name}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${name}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    await admin?.end();
    cluster?.destroy();
  });

  it("attack: current username is the master's login -> refused, no <master>_clone created, the master unchanged", async () => {
    const f = await fixture();
    roles.push(`${f.master}_clone`);
    await createTestSecret(`db/${f.s}`, { ...f.base, username: f.master, password: f.masterLogin.password });
    await attack(`db/${f.s}`, [f.master, `${f.master}_clone`], [f.masterLogin], [f.masterLogin.password], BY_NAME);
  });

  it("attack: current username is <master>_clone, so the pending user is the master -> refused, the master's password unchanged", async () => {
    const f = await fixture();
    const tenant = await role(`${f.master}_clone`, `LOGIN PASSWORD '${password('tenant', f.s)}'`);
    const current = { username: tenant, password: password('tenant', f.s) };
    await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
    await attack(`db/${f.s}`, [f.master, tenant], [f.masterLogin, current], [f.masterLogin.password], BY_NAME);
  });

  const privileged: Array<[string, (f: Awaited<ReturnType<typeof fixture>>, name: string) => Promise<void>]> = [
    ['a superuser', (f, name) => admin.query(`ALTER ROLE ${name} SUPERUSER`).then(() => undefined)],
    ['CREATEROLE', (f, name) => admin.query(`ALTER ROLE ${name} CREATEROLE`).then(() => undefined)],
    ['holds ADMIN OPTION on a role', async (f, name) => {
      const group = await role(`grp_${f.s}`, 'NOLOGIN');
      await admin.query(`GRANT ${group} TO ${name} WITH ADMIN OPTION`);
    }],
    ['a member (through a group) of pg_write_server_files', async (f, name) => {
      const group = await role(`files_${f.s}`, 'NOLOGIN');
      await admin.query(`GRANT pg_write_server_files TO ${group}`);
      await admin.query(`GRANT ${group} TO ${name}`);
    }],
    ['a member of the master role', (f, name) => admin.query(`GRANT ${f.master} TO ${name}`).then(() => undefined)],
    ['granted EXECUTE on pg_read_file(text)', (f, name) => admin.query(`GRANT EXECUTE ON FUNCTION pg_read_file(text) TO ${name}`).then(() => undefined)],
  ];

  describe.each(privileged)('target is %s', (kind, makePrivileged) => {
    it(`attack: the pending user is ${kind} (current username is <it>_clone) -> refused, its password and rights unchanged`, async () => {
      const f = await fixture();
      const victim = await role(`victim_${f.s}`, `LOGIN PASSWORD '${password('victim', f.s)}'`);
      await makePrivileged(f, victim);
      const tenant = await role(`${victim}_clone`, `LOGIN PASSWORD '${password('tenant', f.s)}'`);
      const current = { username: tenant, password: password('tenant', f.s) };
      await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
      await attack(`db/${f.s}`, [victim, tenant, f.master], [f.masterLogin, current, { username: victim, password: password('victim', f.s) }], [f.masterLogin.password]);
    });

    it(`attack: the source user is ${kind} (current username is it) -> refused, no clone created with its rights`, async () => {
      const f = await fixture();
      const victim = await role(`victim_${f.s}`, `LOGIN PASSWORD '${password('victim', f.s)}'`);
      await makePrivileged(f, victim);
      roles.push(`${victim}_clone`);
      const current = { username: victim, password: password('victim', f.s) };
      await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
      await attack(`db/${f.s}`, [victim, `${victim}_clone`, f.master], [f.masterLogin, current], [f.masterLogin.password]);
    });
  });

  it('attack: a pre-existing <user>_clone with CREATEROLE -> refused, not "fixed": it keeps its attributes and password', async () => {
    const f = await fixture();
    const app = await role(`app_${f.s}`, `LOGIN PASSWORD '${password('app', f.s)}'`);
    const clone = await role(`${app}_clone`, `LOGIN CREATEROLE PASSWORD '${password('clone', f.s)}'`);
    const current = { username: app, password: password('app', f.s) };
    await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
    await attack(`db/${f.s}`, [app, clone, f.master], [f.masterLogin, current, { username: clone, password: password('clone', f.s) }], [f.masterLogin.password]);
  });

  it('attack: a pre-existing <user>_clone with CREATE on another database and a column privilege -> refused for the other database, nothing changed', async () => {
    const f = await fixture();
    const app = await role(`app_${f.s}`, `LOGIN PASSWORD '${password('app', f.s)}'`);
    const clone = await role(`${app}_clone`, `LOGIN PASSWORD '${password('clone', f.s)}'`);
    const other = `otherdb_${f.s}`;
    await admin.query(`CREATE DATABASE ${other}`);
    try {
      await admin.query(`GRANT CREATE ON DATABASE ${other} TO ${clone}`);
      const current = { username: app, password: password('app', f.s) };
      await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
      const acl = async () => (await admin.query('SELECT datacl::text FROM pg_database WHERE datname = $1', [other])).rows;
      const aclBefore = await acl();
      await attack(`db/${f.s}`, [app, clone, f.master], [f.masterLogin, current, { username: clone, password: password('clone', f.s) }], [f.masterLogin.password]);
      expect(await acl()).toEqual(aclBefore);
    } finally {
      await admin.query(`DROP DATABASE ${other}`);
    }
  });

  it('attack: revoke names the master as the previous user -> refused, the master still logs in and is not NOLOGIN', async () => {
    const f = await fixture();
    const app = await role(`app_${f.s}`, `LOGIN PASSWORD '${password('app', f.s)}'`);
    await createTestSecret(`db/${f.s}`, { ...f.base, username: f.master, password: 'whatever-the-writer-likes' });
    const token = await putCurrent(`db/${f.s}`, { ...f.base, username: app, password: password('app', f.s) });
    const before = await snapshot([f.master, app]);
    await expectRefusedRevoke(`db/${f.s}`, token, BY_NAME);
    expect(await snapshot([f.master, app])).toEqual(before);
    expect(await logsIn(f.masterLogin)).toBe(true);
  });

  it('a legitimate alternating rotation passes; the clone gets exactly the source\'s attributes (INHERIT, CREATEDB, CONNECTION LIMIT, VALID UNTIL) and column privileges, never more', async () => {
    const f = await fixture();
    const app = await role(`app_${f.s}`, `LOGIN NOINHERIT CREATEDB CONNECTION LIMIT 7 VALID UNTIL '2099-01-01 00:00:00+00' PASSWORD '${password('app', f.s)}'`);
    // A clone left from before with other (unprivileged) attributes: made identical.
    const clone = await role(`${app}_clone`, "LOGIN INHERIT CONNECTION LIMIT 1 VALID UNTIL '2030-01-01 00:00:00+00'");
    // Column privileges are copied both ways: the source's added, the clone's extra one revoked.
    // The shared-owner model (docs/rotation-databases.md): the master acts as the owner.
    const owner = await role(`owner_${f.s}`, 'NOLOGIN');
    await admin.query(`GRANT ${owner} TO ${f.master} WITH ADMIN OPTION`);
    await admin.query(`CREATE TABLE cols_${f.s} (id int, secret text, note text)`);
    await admin.query(`ALTER TABLE cols_${f.s} OWNER TO ${owner}`);
    await admin.query(`GRANT SELECT (id, note) ON cols_${f.s} TO ${app}`);
    await admin.query(`GRANT SELECT (secret) ON cols_${f.s} TO ${clone}`);
    await createTestSecret(`db/${f.s}`, { ...f.base, username: app, password: password('app', f.s) });
    const report = await rotate(`db/${f.s}`);
    expect(report.steps.at(-1)!.error).toBeUndefined();
    const attributes = await admin.query(
      `SELECT rolname, rolsuper, rolcreaterole, rolreplication, rolbypassrls, rolinherit, rolcreatedb, rolconnlimit, rolvaliduntil
         FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`,
      [[app, clone]],
    );
    const [a, c] = attributes.rows;
    expect({ ...c, rolname: app }).toEqual(a);
    expect(c).toMatchObject({ rolsuper: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolinherit: false, rolcreatedb: true, rolconnlimit: 7 });
    const columns = async (grantee: string) =>
      (await admin.query('SELECT column_name FROM information_schema.column_privileges WHERE grantee = $1 AND table_name = $2 ORDER BY 1', [grantee, `cols_${f.s}`])).rows;
    expect(await columns(clone)).toEqual([{ column_name: 'id' }, { column_name: 'note' }]);
    expect(await columns(app)).toEqual(await columns(clone));
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });

  it('single-user rotation of the master\'s own secret is not refused: it changes its own password with its own', async () => {
    const f = await fixture();
    await createTestSecret(`db/${f.s}-own`, { ...f.base, ...f.masterLogin, masterarn: undefined } as Value, { tags: { 'keywarden:rotation': 'single-user' } });
    const report = await rotate(`db/${f.s}-own`);
    expect(report.steps.at(-1)!.error).toBeUndefined();
    expect(await logsIn(await valueAt(`db/${f.s}-own`))).toBe(true);
  });
});

describe('mysql/mariadb: the master is never a target', () => {
  let root: Connection;
  const cleanup: string[] = [];
  const HOST = '127.0.0.1';

  const logsIn = (c: { username: string; password: string }) =>
    createConnection({ ...MARIADB, user: c.username, password: c.password }).then(async (conn) => (await conn.end(), true), () => false);

  async function user(name: string, pw: string): Promise<string> {
    cleanup.push(`DROP USER IF EXISTS '${name}'@'${HOST}'`);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [name, HOST, pw]);
    return name;
  }

  /** Accounts (with password hash and lock state: MariaDB's global_priv) and their grants. */
  async function snapshot(names: string[]): Promise<unknown> {
    const [accounts] = await root.query('SELECT User, Host, Priv FROM mysql.global_priv WHERE User IN (?) ORDER BY User, Host', [names]);
    const grants: string[][] = [];
    for (const row of accounts as Array<{ User: string; Host: string }>) {
      const [lines] = await root.query('SHOW GRANTS FOR ?@?', [row.User, row.Host]);
      grants.push((lines as Array<Record<string, string>>).map((line) => Object.values(line)[0]!));
    }
    const [mappings] = await root.query('SELECT User, Host, Role, Admin_option FROM mysql.roles_mapping WHERE User IN (?) ORDER BY 1, 2, 3', [names]);
    return { accounts, grants, mappings };
  }

  async function fixture() {
    const s = uniqueSuffix();
    const master = await user(`kwm_${s}`, password('master', s));
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [master, HOST]);
    const masterArn = await createSecret(`db/master-${s}`, { username: master, password: password('master', s) });
    const base = { engine: 'mariadb', host: HOST, port: MARIADB.port, masterarn: masterArn };
    return { s, master, masterLogin: { username: master, password: password('master', s) }, base };
  }

  const attack = attackOn(snapshot, logsIn);

  beforeAll(async () => {
    root = await mariadbRoot();
  });

  afterEach(async () => {
    for (const sql of cleanup.splice(0).reverse()) await root.query(sql).catch(() => undefined);
  });

  afterAll(async () => {
    await root?.end();
  });

  it("attack: current username is the master's user -> refused, no <master>_clone account created, the master unchanged", async () => {
    const f = await fixture();
    cleanup.push(`DROP USER IF EXISTS '${f.master}_clone'@'${HOST}'`);
    await createTestSecret(`db/${f.s}`, { ...f.base, ...f.masterLogin });
    await attack(`db/${f.s}`, [f.master, `${f.master}_clone`], [f.masterLogin], [f.masterLogin.password], BY_NAME);
  });

  it.each([
    ['<master>+space', (master: string) => `${master} `],
    ['<master>+space+_clone', (master: string) => `${master} _clone`],
  ])("attack: current username is %s (MariaDB compares user names with PAD SPACE) -> refused, the master's password hash unchanged", async (kind, name) => {
    const f = await fixture();
    cleanup.push(`DROP USER IF EXISTS '${f.master} _clone'@'${HOST}'`);
    await createTestSecret(`db/${f.s}`, { ...f.base, username: name(f.master), password: 'a-password-the-writer-knows' });
    await attack(`db/${f.s}`, [f.master, `${f.master} _clone`], [f.masterLogin], [f.masterLogin.password]);
    expect(await logsIn({ username: f.master, password: 'a-password-the-writer-knows' })).toBe(false);
  });

  it("attack: current username is <master>_clone, so the pending user is the master -> refused, the master's password hash unchanged", async () => {
    const f = await fixture();
    const tenant = await user(`${f.master}_clone`, password('tenant', f.s));
    const current = { username: tenant, password: password('tenant', f.s) };
    await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
    await attack(`db/${f.s}`, [f.master, tenant], [f.masterLogin, current], [f.masterLogin.password], BY_NAME);
  });

  const privileged: Array<[string, (s: string, name: string) => Promise<void>]> = [
    ['GRANT OPTION on *.*', async (s, name) => void (await root.query('GRANT USAGE ON *.* TO ?@? WITH GRANT OPTION', [name, HOST]))],
    ['SUPER', async (s, name) => void (await root.query('GRANT SUPER ON *.* TO ?@?', [name, HOST]))],
    ['SELECT on mysql.*', async (s, name) => void (await root.query('GRANT SELECT ON mysql.* TO ?@?', [name, HOST]))],
    ['a role WITH ADMIN OPTION', async (s, name) => {
      cleanup.push(`DROP ROLE IF EXISTS kwrole_${s}`);
      await root.query(`CREATE ROLE kwrole_${s}`);
      await root.query(`GRANT kwrole_${s} TO ?@? WITH ADMIN OPTION`, [name, HOST]);
    }],
    ['a role that holds CREATE USER', async (s, name) => {
      cleanup.push(`DROP ROLE IF EXISTS kwrole_${s}`);
      await root.query(`CREATE ROLE kwrole_${s}`);
      await root.query(`GRANT CREATE USER ON *.* TO kwrole_${s}`);
      await root.query(`GRANT kwrole_${s} TO ?@?`, [name, HOST]);
    }],
  ];

  describe.each(privileged)('target holds %s', (kind, makePrivileged) => {
    it(`attack: the pending user holds ${kind} (current username is <it>_clone) -> refused, its password and grants unchanged`, async () => {
      const f = await fixture();
      const victim = await user(`victim_${f.s}`, password('victim', f.s));
      await makePrivileged(f.s, victim);
      const tenant = await user(`${victim}_clone`, password('tenant', f.s));
      const current = { username: tenant, password: password('tenant', f.s) };
      await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
      await attack(`db/${f.s}`, [victim, tenant, f.master], [f.masterLogin, current, { username: victim, password: password('victim', f.s) }], [f.masterLogin.password]);
    });

    it(`attack: the source user holds ${kind} (current username is it) -> refused, no clone created with its grants`, async () => {
      const f = await fixture();
      const victim = await user(`victim_${f.s}`, password('victim', f.s));
      await makePrivileged(f.s, victim);
      cleanup.push(`DROP USER IF EXISTS '${victim}_clone'@'${HOST}'`);
      const current = { username: victim, password: password('victim', f.s) };
      await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
      await attack(`db/${f.s}`, [victim, `${victim}_clone`, f.master], [f.masterLogin, current], [f.masterLogin.password]);
    });
  });

  it('attack: a pre-existing <user>_clone with SUPER -> refused, not "fixed": it keeps its grants and password', async () => {
    const f = await fixture();
    const app = await user(`app_${f.s}`, password('app', f.s));
    const clone = await user(`${app}_clone`, password('clone', f.s));
    await root.query('GRANT SUPER ON *.* TO ?@?', [clone, HOST]);
    const current = { username: app, password: password('app', f.s) };
    await createTestSecret(`db/${f.s}`, { ...f.base, ...current });
    await attack(`db/${f.s}`, [app, clone, f.master], [f.masterLogin, current, { username: clone, password: password('clone', f.s) }], [f.masterLogin.password]);
  });

  it('attack: revoke names the master as the previous user -> refused, the master is not locked and still logs in', async () => {
    const f = await fixture();
    const app = await user(`app_${f.s}`, password('app', f.s));
    await createTestSecret(`db/${f.s}`, { ...f.base, username: f.master, password: 'whatever-the-writer-likes' });
    const token = await putCurrent(`db/${f.s}`, { ...f.base, username: app, password: password('app', f.s) });
    const before = await snapshot([f.master, app]);
    await expectRefusedRevoke(`db/${f.s}`, token, BY_NAME);
    expect(await snapshot([f.master, app])).toEqual(before);
    expect(await logsIn(f.masterLogin)).toBe(true);
  });
});

describe('redis: the admin is never a target', () => {
  let redis: Redis;
  const users: string[] = [];

  async function aclUser(name: string, ...rules: string[]): Promise<string> {
    users.push(name);
    await redis.call('ACL', 'SETUSER', name, 'reset', 'on', ...rules);
    return name;
  }

  /** Each user's whole ACL entry: flags, password hashes, commands, keys, channels, selectors. */
  async function snapshot(names: string[]): Promise<unknown> {
    return Promise.all(names.map((name) => redis.call('ACL', 'GETUSER', name)));
  }

  async function fixture() {
    const s = uniqueSuffix();
    const master = await aclUser(`kwadm_${s}`, `>${password('master', s)}`, '~*', '&*', '+@all');
    const masterArn = await createSecret(`cache/master-${s}`, { username: master, password: password('master', s) });
    return { s, master, masterLogin: { username: master, password: password('master', s) }, base: { engine: 'redis', host: '127.0.0.1', port: 6379, masterarn: masterArn } };
  }

  beforeAll(async () => {
    redis = await redisAdmin();
  });

  afterEach(async () => {
    for (const name of users.splice(0)) await redis.call('ACL', 'DELUSER', name);
  });

  afterAll(() => redis?.disconnect());

  it("attack: username is the admin user -> setSecret refused, the admin's passwords unchanged", async () => {
    const f = await fixture();
    await createTestSecret(`cache/${f.s}`, { ...f.base, username: f.master, password: 'a-password-the-writer-knows' });
    const before = await snapshot([f.master]);
    await expectRefusedRotation(`cache/${f.s}`, [f.masterLogin.password], BY_NAME);
    expect(await snapshot([f.master])).toEqual(before);
    expect(await redisLogsIn(f.masterLogin)).toBe(true);
    expect(await redisLogsIn({ username: f.master, password: 'a-password-the-writer-knows' })).toBe(false);
  });

  it.each([
    ['+@admin', ['~*', '+@read', '+ping', '+@admin']],
    ['+acl', ['~app:*', '+get', '+ping', '+acl']],
    ['+@dangerous', ['~app:*', '+get', '+ping', '+@dangerous']],
    ['+config|set in a selector only', ['~app:*', '+get', '+ping', '(+config|set)']],
  ])('attack: the user may run administrative commands (%s) -> refused, its ACL and passwords unchanged', async (kind, rules) => {
    const f = await fixture();
    const victim = await aclUser(`victim_${f.s}`, `>${password('victim', f.s)}`, ...rules);
    const current = { username: victim, password: password('victim', f.s) };
    await createTestSecret(`cache/${f.s}`, { ...f.base, ...current });
    const before = await snapshot([victim, f.master]);
    const refusal = await expectRefusedRotation(`cache/${f.s}`, [f.masterLogin.password, current.password]);
    expect(refusal.message).toMatch(/\(ACL DRYRUN\)/);
    expect(await snapshot([victim, f.master])).toEqual(before);
    expect(await redisLogsIn(current)).toBe(true);
    expect(await redisLogsIn(f.masterLogin)).toBe(true);
  });

  it("attack: revoke with the admin as the current user -> refused, the admin's passwords are not replaced by the writer's", async () => {
    const f = await fixture();
    await createTestSecret(`cache/${f.s}`, { ...f.base, username: f.master, password: 'a-password-the-writer-knows' });
    const { VersionId } = await sm.send(new GetSecretValueCommand({ SecretId: `cache/${f.s}` }));
    const before = await snapshot([f.master]);
    await expectRefusedRevoke(`cache/${f.s}`, VersionId!, BY_NAME);
    expect(await snapshot([f.master])).toEqual(before);
    expect(await redisLogsIn(f.masterLogin)).toBe(true);
  });

  it('an ordinary user (+@read +@write, which include KEYS and SORT) still rotates', async () => {
    const f = await fixture();
    const app = await aclUser(`app_${f.s}`, `>${password('app', f.s)}`, '~app:*', '+@read', '+@write', '+ping');
    await createTestSecret(`cache/${f.s}`, { ...f.base, username: app, password: password('app', f.s) });
    expect((await rotate(`cache/${f.s}`)).steps.at(-1)!.error).toBeUndefined();
    expect(await redisLogsIn(await valueAt(`cache/${f.s}`))).toBe(true);
  });
});
