import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Connection } from 'mysql2/promise';
import pg from 'pg';
import type Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { removeTestVersion, rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { customBindingFromFlagsChecked } from '../../shared/rotation/binding-proposal';
import { playConfigurationTest, type RotationEvent } from '../../shared/rotation/driver';
import { configurationTest, RULES } from '../support/configuration-test';
import { bindings, createSecret, sm } from '../support/db-rotation';
import { MARIADB, mariadbRoot, REDIS, redisAdmin, uniqueSuffix } from '../support/db-services';
import { startFaultyLambda } from '../support/faulty-lambda';
import { createRabbitUser, deleteRabbitUser, rabbitAdmin, rabbitLogsIn, rabbitRotatorEnv, requireRabbitMq } from '../support/rabbitmq';

/**
 * RotateSecret(RotateImmediately=false) for every strategy, through the built rotate bundle: the
 * local AWS stages an AWSPENDING copy of AWSCURRENT (moto_patches/secretsmanager.py), the bundle's testSecret
 * tests the current credential, and the label comes off, as Secrets Manager does. Afterwards the
 * server is exactly as before (passwords, users, keys), AWSCURRENT has not moved, no version is
 * AWSPENDING, and the schedule is set.
 */
describe('generated values: a createSecret that stores nothing', () => {
  it.each([
    ['password', { password: 'Initial-password-1234567890', note: 'kept' }],
    ['api-key', {}],
    ['jwt-keyset', {}],
    ['encryption-keyring', {}],
  ])('%s', async (strategy, value) => {
    const name = `app/tenant-1/config-${strategy}`;
    await createSecret(name, value, { 'keywarden:strategy': strategy });
    expect(await configurationTest(name)).toMatchObject({ strategy });
  });
});

describe('PostgreSQL: a login with the current password, nothing changed', () => {
  let cluster: PostgresCluster;
  let admin: pg.Client;
  const roles: string[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    admin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
    await admin.connect();
  });
  afterEach(async () => {
    for (const role of roles.splice(0)) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  });
  afterAll(async () => {
    await admin?.end();
    cluster?.destroy();
  });

  async function fixture() {
    const s = uniqueSuffix();
    const user = `app_${s}`;
    const master = `kw_master_${s}`;
    roles.push(user, `${user}_clone`, master);
    await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD 'Initial-pw-${s}-A1!'`);
    await admin.query(`CREATE ROLE ${master} LOGIN CREATEROLE PASSWORD 'Master-pw-${s}-B2!'`);
    const masterArn = await createSecret(`db/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
    return { s, user, base: { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: user, password: `Initial-pw-${s}-A1!`, dbname: 'postgres', masterarn: masterArn } };
  }

  /** Every role of the fixture with its password verifier: what a rotation would change. */
  async function server(s: string): Promise<string[]> {
    const rows = await admin.query("SELECT rolname || ':' || coalesce(rolpassword, '-') AS r FROM pg_authid WHERE rolname LIKE $1 ORDER BY 1", [`%${s}%`]);
    return rows.rows.map((row) => row.r as string);
  }

  it.each(['single-user', 'alternating-users'])('%s', async (mode) => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, f.base, { 'keywarden:rotation': mode });
    const before = await server(f.s);
    expect(before).toHaveLength(2);
    expect(await configurationTest(`db/${f.s}`)).toMatchObject({ strategy: 'postgres' });
    expect(await server(f.s)).toEqual(before);
  });

  it('a current password the server no longer accepts fails the test; the test version is removed and nothing changes', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, f.base, { 'keywarden:rotation': 'single-user' });
    await admin.query(`ALTER ROLE ${f.user} PASSWORD 'changed-behind-keywarden'`);
    const before = await server(f.s);
    const report = await playConfigurationTest(`db/${f.s}`, {
      start: rotateSecretStarter(sm, RULES, { rotateImmediately: false }),
      invoke: async (event) => void (await invokeBundle('rotate', event)),
      remove: (id, token) => removeTestVersion(sm, id, token),
    });
    expect(report).toMatchObject({ ok: false, failedStep: 'testSecret' });
    expect(report.steps[0]!.error).toMatch(/SecretTestFailedError: .*rejects the pending password/);
    expect(report.steps[0]!.error).not.toContain(f.base.password);
    expect(await server(f.s)).toEqual(before);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: `db/${f.s}` }));
    expect(Object.values(described.VersionIdsToStages ?? {}).flat()).toEqual(['AWSCURRENT']);
  });

  it('attack: a copy of the current value planted as AWSPENDING -> setSecret and finishSecret refused, the database and AWSCURRENT unchanged', async () => {
    const f = await fixture();
    const name = `db/${f.s}`;
    await createSecret(name, f.base, { 'keywarden:rotation': 'alternating-users' });
    await configurationTest(name);
    const before = await server(f.s);
    const current = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    const planted = crypto.randomUUID();
    await sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: planted, SecretString: current.SecretString!, VersionStages: ['AWSPENDING'] }));
    const step = (Step: RotationEvent['Step']) => invokeBundle('rotate', { Step, SecretId: name, ClientRequestToken: planted });
    await expect(step('setSecret')).rejects.toThrow(/rotation\.untrusted-pending/);
    expect(await step('testSecret')).toMatchObject({ result: 'configuration-tested' });
    await expect(step('finishSecret')).rejects.toThrow(/rotation\.untrusted-pending/);
    expect(await server(f.s)).toEqual(before);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).VersionId).toBe(current.VersionId);
  });
});

describe('MariaDB: a login with the current password, nothing changed', () => {
  let root: Connection;
  const cleanup: string[] = [];
  beforeAll(async () => {
    root = await mariadbRoot();
  });
  afterEach(async () => {
    for (const sql of cleanup.splice(0)) await root.query(sql).catch(() => undefined);
  });
  afterAll(async () => root?.end());

  it.each(['single-user', 'alternating-users'])('%s', async (mode) => {
    const s = uniqueSuffix();
    const user = `app_${s}`;
    const master = `kwm_${s}`;
    for (const host of ['127.0.0.1', 'localhost', '%']) cleanup.push(`DROP USER IF EXISTS '${user}'@'${host}', '${user}_clone'@'${host}'`);
    cleanup.push(`DROP USER IF EXISTS '${master}'@'127.0.0.1'`);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', `Initial-pw-${s}-A1!`]);
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [master, '127.0.0.1', `Master-pw-${s}-B2!`]);
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [master, '127.0.0.1']);
    const masterArn = await createSecret(`db/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
    const name = `db/${s}`;
    await createSecret(name, { engine: 'mariadb', host: '127.0.0.1', port: MARIADB.port, username: user, password: `Initial-pw-${s}-A1!`, masterarn: masterArn }, { 'keywarden:rotation': mode });
    const server = async () => (await root.query("SELECT CONCAT(user, '@', host, ':', authentication_string) AS u FROM mysql.user WHERE user LIKE ? ORDER BY 1", [`%${s}%`]))[0];
    const before = await server();
    expect(await configurationTest(name)).toMatchObject({ strategy: 'mysql' });
    expect(await server()).toEqual(before);
  });
});

describe('Redis: AUTH with the current password, the ACL unchanged', () => {
  let admin: Redis;
  const users: string[] = [];
  beforeAll(async () => {
    admin = await redisAdmin();
  });
  afterEach(async () => {
    for (const user of users.splice(0)) await admin.call('ACL', 'DELUSER', user);
  });
  afterAll(() => admin?.disconnect());

  it('redis', async () => {
    const s = uniqueSuffix();
    const [user, master] = [`app_${s}`, `kwadm_${s}`];
    users.push(user, master);
    await admin.call('ACL', 'SETUSER', user, 'on', `>Initial-pw-${s}-A1!`, '~app:*', '+@read', '+ping');
    await admin.call('ACL', 'SETUSER', master, 'on', `>Master-pw-${s}-B2!`, '~*', '&*', '+@all');
    const masterArn = await createSecret(`cache/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
    const name = `cache/${s}`;
    await createSecret(name, { engine: 'redis', host: '127.0.0.1', port: REDIS.port, username: user, password: `Initial-pw-${s}-A1!`, masterarn: masterArn });
    const acl = async () => [await admin.call('ACL', 'GETUSER', user), await admin.call('ACL', 'GETUSER', master)];
    const before = await acl();
    expect(await configurationTest(name)).toMatchObject({ strategy: 'redis' });
    expect(await acl()).toEqual(before);
  });
});

describe('custom: the rotator tests the current credential, RabbitMQ unchanged', () => {
  const PREFIX = 'kw_sched_';
  const ROTATOR_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotator-rabbitmq';
  let lambda: Awaited<ReturnType<typeof startFaultyLambda>>;
  const users: string[] = [];
  beforeAll(async () => {
    await requireRabbitMq();
    lambda = await startFaultyLambda('ci');
    Object.assign(process.env, rabbitRotatorEnv(PREFIX), { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint });
  });
  afterEach(async () => {
    for (const user of users.splice(0)) await deleteRabbitUser(user);
  });
  afterAll(async () => lambda?.close());

  it.each([false, true])('custom (alternating %s)', async (alternating) => {
    const s = uniqueSuffix();
    const user = `${PREFIX}${s}`;
    users.push(user, `${user}_clone`);
    await createRabbitUser(user, `Initial-${s}-pw`);
    const name = `broker/${s}`;
    const arn = await createSecret(name, { username: user, password: `Initial-${s}-pw`, vhost: '/' }, { 'keywarden:strategy': 'custom' });
    await bindings().put(customBindingFromFlagsChecked(arn, { functionArn: ROTATOR_ARN, user, alternating }));
    const rabbitUsers = async () =>
      ((await (await rabbitAdmin('GET', '/api/users')).json()) as Array<{ name: string; password_hash: string }>)
        .filter((u) => u.name.startsWith(user))
        .map((u) => `${u.name}:${u.password_hash}`)
        .sort();
    const before = await rabbitUsers();
    lambda.requests.splice(0);
    expect(await configurationTest(name)).toMatchObject({ strategy: 'custom' });
    expect(await rabbitUsers()).toEqual(before);
    expect(lambda.requests.map((request) => request.body.action)).toEqual(['test']);
    expect(await rabbitLogsIn({ username: user, password: `Initial-${s}-pw` })).toBe(true);
  });
});
