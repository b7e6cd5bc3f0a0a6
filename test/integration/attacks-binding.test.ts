import { createServer, type Server } from 'node:net';
import { DeleteSecretCommand, DescribeSecretCommand, PutSecretValueCommand, TagResourceCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import type { Connection } from 'mysql2/promise';
import { createConnection } from 'mysql2/promise';
import type Redis from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/finding';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { subscribeToFindings } from '../support/local-audit-pipeline';
import { bindSecret, createSecret, invokeStep, revokeThroughBundle, rotate, rotateUntil, sm, valueAt } from '../support/db-rotation';
import { MARIADB, REDIS, mariadbRoot, postgresLogsIn, redisAdmin, redisLogsIn, uniqueSuffix } from '../support/db-services';

/**
 * Attacks on database rotation by whoever may write a rotated secret's value (PutSecretValue),
 * its labels (UpdateSecretVersionStage) or its tags (TagResource), through the BUILT rotate
 * bundle against the real PostgreSQL cluster, MariaDB and Redis. Each is refused by the binding
 * (what an administrator recorded, which those writers cannot change) with the field named; then
 * the test asks the server that nothing changed, and reads the finding off the keywarden bus.
 */
let cluster: PostgresCluster;
let pgAdmin: pg.Client;
let mysqlRoot: Connection;
let redis: Redis;
let findings: () => Promise<Finding[]>;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  cluster = await startPostgresCluster();
  pgAdmin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
  await pgAdmin.connect();
  mysqlRoot = await mariadbRoot();
  redis = await redisAdmin();
  process.env.KEYWARDEN_DB_CONNECT_TIMEOUT_MS = '2000';
  process.env.KEYWARDEN_DB_STATEMENT_TIMEOUT_MS = '3000';
});

beforeEach(async () => {
  findings = await subscribeToFindings();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  await pgAdmin?.end();
  await mysqlRoot?.end();
  redis?.disconnect();
  cluster?.destroy();
});

/** Stores `value` as the secret's AWSCURRENT, as a tenant allowed PutSecretValue can. */
async function putCurrent(name: string, value: object): Promise<void> {
  await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(value), VersionStages: ['AWSCURRENT'] }));
}

/**
 * The rotation failed at `step` with a binding refusal naming `field`; the one finding on the bus
 * says so, for this secret, and holds none of `secrets`.
 */
async function expectRefused(report: { ok: boolean; failedStep?: string; steps: Array<{ error?: string }> }, expected: { step: string; field: string; secret: string; secrets: string[] }): Promise<void> {
  expect(report).toMatchObject({ ok: false, failedStep: expected.step });
  const error = report.steps.at(-1)!.error!;
  expect(error).toMatch(/^RotationRefusedError: /);
  expect(error).toContain(`secret ${expected.secret}`);
  await expectFinding(expected);
  for (const secret of expected.secrets) expect(error).not.toContain(secret);
}

async function expectFinding(expected: { step: string; field: string; secret: string; secrets: string[]; rule?: string }): Promise<void> {
  const published = await findings();
  expect(published).toHaveLength(1);
  const [finding] = published as [Finding];
  expect(finding).toMatchObject({
    ruleId: expected.rule ?? 'rotation.binding-violation',
    severity: 'high',
    source: 'rotation',
    status: 'open',
    secret: { name: expected.secret, arn: expect.stringMatching(/^arn:aws:secretsmanager:/) },
    evidence: { step: expected.step, field: expected.field },
  });
  if (!expected.rule) expect(finding.runbook).toMatch(/keywarden bind/);
  const printed = JSON.stringify(finding);
  for (const secret of expected.secrets) expect(printed).not.toContain(secret);
}

/** A TCP listener standing in for an attacker's server: counts who connects and what arrives. */
async function listener(host: string, port = 0): Promise<{ port: number; connections: () => number; bytes: () => number; close(): Promise<void> }> {
  let connections = 0;
  let bytes = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.on('data', (chunk) => (bytes += chunk.length));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => connections,
    bytes: () => bytes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('PostgreSQL', () => {
  const pgLogsIn = (user: { username: string; password: string }) => postgresLogsIn(cluster.port, user);

  /** Every role of this test (its suffix): login, password verifier, memberships, table rights. */
  const rolesOf = async (s: string) =>
    (
      await pgAdmin.query(
        `SELECT a.rolname, a.rolcanlogin, a.rolcreaterole, a.rolpassword,
                (SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = a.oid) AS member_of,
                (SELECT string_agg(g.table_name || ':' || g.privilege_type, ',' ORDER BY 1) FROM information_schema.role_table_grants g WHERE g.grantee = a.rolname) AS grants
         FROM pg_authid a WHERE a.rolname LIKE $1 ORDER BY a.rolname`,
        [`%${s}%`],
      )
    ).rows;

  /** An app user in alternating-users rotation (bound), its master, and another tenant's master. */
  async function tenant() {
    const s = uniqueSuffix();
    const [owner, user, master, other] = [`own_${s}`, `app_${s}`, `kwm_${s}`, `kwm2_${s}`];
    const passwords = { user: `Initial-pw-${s}-A1!`, master: `Master-pw-${s}-B2!`, other: `Other-pw-${s}-C3!` };
    cleanups.push(async () => {
      for (const role of [`${master}_clone`, `${user}_clone`, user, master, other, owner]) {
        await pgAdmin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
        await pgAdmin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      }
    });
    await pgAdmin.query(`CREATE ROLE ${owner} NOLOGIN`);
    await pgAdmin.query(`CREATE TABLE t_${s} (id int)`);
    await pgAdmin.query(`ALTER TABLE t_${s} OWNER TO ${owner}`);
    await pgAdmin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${passwords.user}'`);
    await pgAdmin.query(`GRANT SELECT ON t_${s} TO ${user}`);
    await pgAdmin.query(`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD '${passwords.master}'`);
    await pgAdmin.query(`GRANT ${owner} TO ${master} WITH ADMIN OPTION`);
    await pgAdmin.query(`CREATE ROLE ${other} LOGIN CREATEROLE PASSWORD '${passwords.other}'`);
    const masterArn = await createSecret(`db/shared/master-${s}`, { username: master, password: passwords.master });
    const otherArn = await createSecret(`db/tenant-2/master-${s}`, { username: other, password: passwords.other });
    const name = `db/tenant-1/app-${s}`;
    const value = { engine: 'postgres', host: '127.0.0.1', port: cluster.port, dbname: 'postgres', username: user, password: passwords.user, masterarn: masterArn };
    await createSecret(name, value, { 'keywarden:rotation': 'alternating-users' });
    const all = Object.values(passwords);
    return { s, name, user, master, other, masterArn, otherArn, value, passwords, all };
  }

  /** Nothing changed on the server: same roles and rights, no clone, master and app still log in. */
  async function expectUnchanged(t: Awaited<ReturnType<typeof tenant>>, before: unknown[]): Promise<void> {
    expect(await rolesOf(t.s)).toEqual(before);
    expect((await rolesOf(t.s)).map((r) => r.rolname)).not.toContain(`${t.master}_clone`);
    expect(await pgLogsIn({ username: t.master, password: t.passwords.master })).toBe(true);
    expect(await pgLogsIn({ username: t.user, password: t.passwords.user })).toBe(true);
    expect(await pgLogsIn({ username: t.other, password: t.passwords.other })).toBe(true);
  }

  it("attack: current username = the master's name -> refused at createSecret, master password and rights unchanged, no clone", async () => {
    const t = await tenant();
    const before = await rolesOf(t.s);
    await putCurrent(t.name, { ...t.value, username: t.master, password: 'tenant-chosen-A1!' });
    await expectRefused(await rotate(t.name), { step: 'createSecret', field: 'username', secret: t.name, secrets: [...t.all, 'tenant-chosen-A1!'] });
    await expectUnchanged(t, before);
  });

  it("attack: current username = the master's name + _clone (the alternate would be the master) -> refused, master unchanged", async () => {
    const t = await tenant();
    const before = await rolesOf(t.s);
    await putCurrent(t.name, { ...t.value, username: `${t.master}_clone` });
    await expectRefused(await rotate(t.name), { step: 'createSecret', field: 'username', secret: t.name, secrets: t.all });
    await expectUnchanged(t, before);
  });

  it('attack: a planted pending value whose username names the master -> refused at setSecret (by the rotation ledger, before the binding is asked), master unchanged', async () => {
    const t = await tenant();
    const token = await rotateUntil(t.name, 'setSecret');
    const before = await rolesOf(t.s);
    // A version keywarden did not write cannot replace the token's value (versions are immutable),
    // so the attacker labels a version of their own AWSPENDING with the token's id taken.
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: t.name, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
    const planted = crypto.randomUUID();
    await sm.send(new PutSecretValueCommand({ SecretId: t.name, ClientRequestToken: planted, SecretString: JSON.stringify({ ...t.value, username: t.master, password: 'tenant-chosen-A1!' }), VersionStages: ['AWSPENDING'] }));
    await expect(invokeStep({ Step: 'setSecret', SecretId: t.name, ClientRequestToken: planted })).rejects.toMatchObject({
      name: 'RotationRefusedError',
      message: expect.stringMatching(/rotation\.untrusted-pending/),
    });
    await expectFinding({ step: 'setSecret', field: 'AWSPENDING', secret: t.name, secrets: [...t.all, 'tenant-chosen-A1!'], rule: 'rotation.untrusted-pending' });
    await expectUnchanged(t, before);
  });

  it('attack: host pointing elsewhere -> refused, nobody connected to that host and no byte arrived', async () => {
    const t = await tenant();
    const elsewhere = await listener('127.0.0.2', cluster.port);
    cleanups.push(() => elsewhere.close());
    const before = await rolesOf(t.s);
    await putCurrent(t.name, { ...t.value, host: '127.0.0.2' });
    await expectRefused(await rotate(t.name), { step: 'createSecret', field: 'host', secret: t.name, secrets: t.all });
    expect(elsewhere.connections()).toBe(0);
    expect(elsewhere.bytes()).toBe(0);
    await expectUnchanged(t, before);
  });

  it("attack: masterarn naming another tenant's master secret (by ARN or by name) -> refused, that master unused", async () => {
    const t = await tenant();
    const before = await rolesOf(t.s);
    await putCurrent(t.name, { ...t.value, masterarn: t.otherArn });
    const report = await rotate(t.name);
    await expectRefused(report, { step: 'createSecret', field: 'masterarn', secret: t.name, secrets: t.all });
    await putCurrent(t.name, { ...t.value, masterarn: `db/tenant-2/master-${t.s}` });
    await expect(retryCreate(t.name, report.token)).rejects.toThrow(/"masterarn" differs from the binding/);
    expect((await findings()).map((f) => f.evidence.field)).toEqual(['masterarn']);
    await expectUnchanged(t, before);
  });

  it('attack: port changed to a listener of the attacker -> refused, no connection; dbname changed -> refused', async () => {
    const t = await tenant();
    const trap = await listener('127.0.0.1');
    cleanups.push(() => trap.close());
    const before = await rolesOf(t.s);
    await putCurrent(t.name, { ...t.value, port: trap.port });
    const report = await rotate(t.name);
    await expectRefused(report, { step: 'createSecret', field: 'port', secret: t.name, secrets: t.all });
    expect(trap.connections()).toBe(0);
    await putCurrent(t.name, { ...t.value, dbname: 'template1' });
    await expect(retryCreate(t.name, report.token)).rejects.toThrow(/the current value's "dbname" differs from the binding/);
    expect((await findings()).map((f) => f.evidence.field)).toEqual(['dbname']);
    await expectUnchanged(t, before);
  });

  it.each([
    ['the keywarden:strategy tag changed to mysql', { tag: 'mysql' }, 'tag keywarden:strategy'],
    ['the keywarden:strategy tag changed to password (a generated strategy)', { tag: 'password' }, 'tag keywarden:strategy'],
    ['the engine field changed to mysql', { engine: 'mysql' }, 'engine'],
  ] as const)('attack: %s -> refused, nothing changed', async (_label, change, field) => {
    const t = await tenant();
    const before = await rolesOf(t.s);
    if ('tag' in change) await sm.send(new TagResourceCommand({ SecretId: t.name, Tags: [{ Key: 'keywarden:strategy', Value: change.tag }] }));
    else await putCurrent(t.name, { ...t.value, engine: change.engine });
    await expectRefused(await rotate(t.name), { step: 'createSecret', field, secret: t.name, secrets: t.all });
    expect(await valueAt(t.name)).toMatchObject({ password: t.passwords.user });
    await expectUnchanged(t, before);
  });

  it('attack: the keywarden:rotation tag changed to single-user -> refused (the mode is the binding\'s)', async () => {
    const t = await tenant();
    const before = await rolesOf(t.s);
    await sm.send(new TagResourceCommand({ SecretId: t.name, Tags: [{ Key: 'keywarden:rotation', Value: 'single-user' }] }));
    await expectRefused(await rotate(t.name), { step: 'createSecret', field: 'tag keywarden:rotation', secret: t.name, secrets: t.all });
    await expectUnchanged(t, before);
  });

  it('attack: an unbound database secret -> refused with the command that binds it, nothing touched', async () => {
    const t = await tenant();
    const name = `db/tenant-1/unbound-${t.s}`;
    await createSecret(name, { ...t.value, masterarn: t.masterArn }, {}, { bind: false });
    const before = await rolesOf(t.s);
    const report = await rotate(name);
    await expectRefused(report, { step: 'createSecret', field: 'binding', secret: name, secrets: t.all });
    expect(report.steps.at(-1)!.error).toContain(`keywarden bind ${name} --from-current`);
    await expectUnchanged(t, before);
  });

  it('attack: a secret deleted and re-created under the same name is not bound by the old binding', async () => {
    const t = await tenant();
    const oldArn = (await bindSecret(t.name)).secretArn;
    await sm.send(new DeleteSecretCommand({ SecretId: t.name, ForceDeleteWithoutRecovery: true }));
    const newArn = await createSecret(t.name, { ...t.value, username: `${t.master}_clone` }, { 'keywarden:rotation': 'alternating-users' }, { bind: false });
    expect(newArn).not.toBe(oldArn);
    const before = await rolesOf(t.s);
    await expectRefused(await rotate(t.name), { step: 'createSecret', field: 'binding', secret: t.name, secrets: t.all });
    await expectUnchanged(t, before);
  });

  it('attack: revokePrevious where AWSPREVIOUS names a user outside the binding -> refused, that user still logs in', async () => {
    const t = await tenant();
    const victim = `victim_${t.s}`;
    cleanups.push(() => pgAdmin.query(`DROP ROLE IF EXISTS ${victim}`));
    await pgAdmin.query(`CREATE ROLE ${victim} LOGIN PASSWORD 'Victim-pw-${t.s}-D4!'`);
    const rotated = await rotate(t.name);
    expect(rotated.ok).toBe(true);
    // The attacker makes AWSPREVIOUS a version of their own that names another tenant's user.
    const planted = crypto.randomUUID();
    await sm.send(new PutSecretValueCommand({ SecretId: t.name, ClientRequestToken: planted, SecretString: JSON.stringify({ ...t.value, username: victim }), VersionStages: ['kw-planted'] }));
    const stages = await sm.send(new UpdateSecretVersionStageCommand({ SecretId: t.name, VersionStage: 'AWSPREVIOUS', MoveToVersionId: planted, RemoveFromVersionId: await previousVersion(t.name) }));
    expect(stages.Name).toBe(t.name);
    const before = await rolesOf(t.s);
    await expect(revokeThroughBundle(t.name, rotated.token)).rejects.toMatchObject({
      name: 'RotationRefusedError',
      message: expect.stringMatching(/the previous value's "username" differs from the binding/),
    });
    await expectFinding({ step: 'revokePrevious', field: 'username', secret: t.name, secrets: t.all });
    expect(await pgLogsIn({ username: victim, password: `Victim-pw-${t.s}-D4!` })).toBe(true);
    expect(await rolesOf(t.s)).toEqual(before);
    expect(await pgLogsIn(await valueAt(t.name))).toBe(true);
    expect(await pgLogsIn({ username: t.master, password: t.passwords.master })).toBe(true);
  });
});

/** Secrets Manager's retry of a failed createSecret: the same token again. */
function retryCreate(name: string, token: string): Promise<void> {
  return invokeStep({ Step: 'createSecret', SecretId: name, ClientRequestToken: token });
}

/** The version holding AWSPREVIOUS. */
async function previousVersion(name: string): Promise<string> {
  const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
  return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSPREVIOUS'))![0];
}

describe('MariaDB', () => {
  const accountsOf = async (s: string) => {
    const [rows] = await mysqlRoot.query("SELECT User, Host, authentication_string FROM mysql.user WHERE User LIKE ? ORDER BY User, Host", [`%${s}%`]);
    const accounts = rows as Array<{ User: string; Host: string }>;
    const grants: string[] = [];
    for (const { User, Host } of accounts) {
      for (const statement of ['SHOW GRANTS FOR ?@?', 'SHOW CREATE USER ?@?']) {
        const [shown] = await mysqlRoot.query(statement, [User, Host]);
        grants.push(...(shown as Array<Record<string, string>>).map((row) => Object.values(row)[0]!));
      }
    }
    return { accounts, grants };
  };
  const mysqlLogsIn = async (user: string, password: string) => {
    try {
      await (await createConnection({ ...MARIADB, user, password })).end();
      return true;
    } catch {
      return false;
    }
  };

  it("attack: current username = the master's name -> refused, master password and grants unchanged, no clone account", async () => {
    const s = uniqueSuffix();
    const [user, master] = [`app_${s}`, `kwm_${s}`];
    const passwords = { user: `Initial-pw-${s}-A1!`, master: `Master-pw-${s}-B2!` };
    cleanups.push(() => mysqlRoot.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1', '${user}_clone'@'127.0.0.1', '${master}'@'127.0.0.1', '${master}_clone'@'127.0.0.1'`));
    await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', passwords.user]);
    await mysqlRoot.query('CREATE USER ?@? IDENTIFIED BY ?', [master, '127.0.0.1', passwords.master]);
    await mysqlRoot.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [master, '127.0.0.1']);
    const masterArn = await createSecret(`db/shared/mysql-master-${s}`, { username: master, password: passwords.master });
    const name = `db/tenant-1/mysql-${s}`;
    const value = { engine: 'mariadb', host: MARIADB.host, port: MARIADB.port, username: user, password: passwords.user, masterarn: masterArn };
    await createSecret(name, value, { 'keywarden:rotation': 'alternating-users' });
    const before = await accountsOf(s);
    await putCurrent(name, { ...value, username: master });
    await expectRefused(await rotate(name), { step: 'createSecret', field: 'username', secret: name, secrets: Object.values(passwords) });
    expect(await accountsOf(s)).toEqual(before);
    expect(before.accounts.map((a) => a.User)).not.toContain(`${master}_clone`);
    expect(await mysqlLogsIn(master, passwords.master)).toBe(true);
    expect(await mysqlLogsIn(user, passwords.user)).toBe(true);
  });
});

describe('Redis', () => {
  const aclOf = async (user: string) => redis.call('ACL', 'GETUSER', user);

  it('attack: Redis username = the admin user -> refused, the admin keeps its passwords and rights', async () => {
    const s = uniqueSuffix();
    const [user, adminUser] = [`app_${s}`, `kwadm_${s}`];
    const passwords = { user: `Initial-pw-${s}-A1!`, admin: `Master-pw-${s}-B2!` };
    cleanups.push(() => redis.call('ACL', 'DELUSER', user, adminUser));
    await redis.call('ACL', 'SETUSER', user, 'on', `>${passwords.user}`, '~app:*', '+ping');
    await redis.call('ACL', 'SETUSER', adminUser, 'on', `>${passwords.admin}`, '~*', '&*', '+@all');
    const masterArn = await createSecret(`cache/shared/admin-${s}`, { username: adminUser, password: passwords.admin });
    const name = `cache/tenant-1/app-${s}`;
    const value = { engine: 'redis', host: REDIS.host, port: REDIS.port, username: user, password: passwords.user, masterarn: masterArn };
    await createSecret(name, value);
    const before = [await aclOf(user), await aclOf(adminUser)];
    await putCurrent(name, { ...value, username: adminUser, password: 'tenant-chosen-A1!' });
    await expectRefused(await rotate(name), { step: 'createSecret', field: 'username', secret: name, secrets: [...Object.values(passwords), 'tenant-chosen-A1!'] });
    expect([await aclOf(user), await aclOf(adminUser)]).toEqual(before);
    expect(await redisLogsIn({ username: adminUser, password: passwords.admin })).toBe(true);
    expect(await redisLogsIn({ username: user, password: passwords.user })).toBe(true);
    expect(await redisLogsIn({ username: adminUser, password: 'tenant-chosen-A1!' })).toBe(false);
  });
});
