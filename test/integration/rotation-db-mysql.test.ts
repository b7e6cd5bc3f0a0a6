import { createConnection, type Connection } from 'mysql2/promise';
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectMysql } from '../../shared/rotation/db/mysql-client';
import { supportsDualPasswords } from '../../shared/rotation/db/mysql-engine';
import { captureOutput } from '../support/capture-output';
import { createSecret, invokeStep, resume, rotate, revokeThroughBundle, rotateUntil, valueAt } from '../support/db-rotation';
import { MARIADB, mariadbRoot, uniqueSuffix } from '../support/db-services';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { processLog } from '../../shared/log';

let root: Connection;
let proxy: TcpProxy;
const cleanup: string[] = [];

const credentials = (c: { username: string; password: string }) => ({ ...MARIADB, user: c.username, password: c.password });
const login = async (c: { username: string; password: string }) => (await createConnection(credentials(c))).end();
const logsIn = (c: { username: string; password: string }) => login(c).then(() => true, () => false);

/**
 * app_<s> at two host parts with different grants (single-user fixtures use one), a database of
 * its own, and a master that may manage users (or, with masterRights false, only read them).
 */
async function fixture(options: { hosts?: string[]; masterRights?: boolean } = {}) {
  const s = uniqueSuffix();
  const hosts = options.hosts ?? ['127.0.0.1', 'localhost'];
  const user = `app_${s}`;
  const password = `Initial-pw-${s}-A1!`;
  const master = `kwm_${s}`;
  const masterPassword = `Master-pw-${s}-B2!`;
  const db = `kwdb_${s}`;
  cleanup.push(`DROP DATABASE IF EXISTS ${db}`);
  for (const host of ['127.0.0.1', 'localhost', '%']) cleanup.push(`DROP USER IF EXISTS '${user}'@'${host}', '${user}_clone'@'${host}'`);
  cleanup.push(`DROP USER IF EXISTS '${master}'@'127.0.0.1'`);
  await root.query(`CREATE DATABASE ${db}`);
  await root.query(`CREATE TABLE ${db}.t (id int)`);
  for (const host of hosts) await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, password]);
  await root.query(`GRANT SELECT ON ${db}.* TO ?@?`, [user, hosts[0]]);
  if (hosts[1]) await root.query(`GRANT SELECT, INSERT ON ${db}.t TO ?@?`, [user, hosts[1]]);
  await root.query('CREATE USER ?@? IDENTIFIED BY ?', [master, '127.0.0.1', masterPassword]);
  if (options.masterRights === false) await root.query('GRANT SELECT ON mysql.* TO ?@?', [master, '127.0.0.1']);
  else await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [master, '127.0.0.1']);
  const masterArn = await createSecret(`db/master-${s}`, { username: master, password: masterPassword });
  const base = { engine: 'mariadb', host: '127.0.0.1', port: MARIADB.port, username: user, password, dbname: db };
  return { s, user, password, hosts, master, masterArn, db, base };
}

async function grantsOf(user: string, host: string): Promise<string[]> {
  const [rows] = await root.query('SHOW GRANTS FOR ?@?', [user, host]);
  return (rows as Array<Record<string, string>>)
    .map((row) => Object.values(row)[0]!.replace(/ IDENTIFIED BY PASSWORD '[^']*'/, '').replace(/`app_[0-9a-f]+(_clone)?`/, '`USER`'))
    .sort();
}

async function hostsOf(user: string): Promise<string[]> {
  const [rows] = await root.query('SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host', [user]);
  return (rows as Array<{ Host: string }>).map((r) => r.Host);
}

beforeAll(async () => {
  root = await mariadbRoot();
  proxy = await startTcpProxy(MARIADB.port);
  process.env.KEYWARDEN_DB_CONNECT_TIMEOUT_MS = '3000';
  process.env.KEYWARDEN_DB_STATEMENT_TIMEOUT_MS = '3000';
});

afterEach(async () => {
  await proxy.up().catch(() => undefined);
  for (const sql of cleanup.splice(0)) await root.query(sql).catch(() => undefined);
});

afterAll(async () => {
  await proxy?.close();
  await root?.end();
});

describe('mysql/mariadb capabilities', () => {
  it('asks the server about dual passwords: MariaDB 10.11 has none, so single-user rotation cannot retain the old one', async () => {
    const session = await connectMysql({ host: MARIADB.host, port: MARIADB.port, settings: { secretName: 'the test setup', log: processLog, plaintext: 'operator' as const, connectTimeoutMs: 3000, statementTimeoutMs: 3000 } }, { username: 'root', password: '' }, []);
    try {
      expect(await supportsDualPasswords(session)).toBe(false);
    } finally {
      await session.close();
    }
  });
});

describe('mysql/mariadb single-user rotation through the built bundle', () => {
  it('changes its own password (MariaDB: SET PASSWORD), makes it AWSCURRENT, and the old one stops working', async () => {
    const f = await fixture({ hosts: ['127.0.0.1'] });
    await createSecret(`db/${f.s}`, f.base);
    const report = await rotate(`db/${f.s}`);
    expect(report.steps.at(-1)!.error).toBeUndefined();
    const current = await valueAt(`db/${f.s}`);
    expect(current).toMatchObject({ engine: 'mariadb', username: f.user, dbname: f.db });
    expect(await logsIn(current)).toBe(true);
    expect(await logsIn(f.base)).toBe(false);
    expect((await rotate(`db/${f.s}`)).ok).toBe(true);
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    expect(await logsIn(current)).toBe(false);
  });

  it('changes the password of an account that may manage users (MariaDB ignores ALTER USER CURRENT_USER() from one)', async () => {
    const f = await fixture({ hosts: ['127.0.0.1'] });
    const admin = { ...f.base, username: f.master, password: `Master-pw-${f.s}-B2!` };
    await createSecret(`db/admin-${f.s}`, admin, { 'keywarden:rotation': 'single-user' });
    const report = await rotate(`db/admin-${f.s}`);
    expect(report.steps.at(-1)!.error).toBeUndefined();
    expect(await logsIn(await valueAt(`db/admin-${f.s}`))).toBe(true);
    expect(await logsIn(admin)).toBe(false);
  });

  it('round-trips passwords with every special character through connection strings', async () => {
    const f = await fixture({ hosts: ['127.0.0.1'] });
    await createSecret(`db/${f.s}`, f.base, { 'keywarden:password-exclude': '', 'keywarden:password-length': '64' });
    const seen = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      expect((await rotate(`db/${f.s}`)).steps.at(-1)!.error).toBeUndefined();
      const { username, password } = await valueAt(`db/${f.s}`);
      for (const char of password) seen.add(char);
      const uri = `mysql://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${MARIADB.port}/${f.db}`;
      await (await createConnection({ uri })).end();
    }
    expect([...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'].filter((c) => seen.has(c)).length).toBeGreaterThan(20);
  });

  it('revoke ends the other connections of the user', async () => {
    const f = await fixture({ hosts: ['127.0.0.1'] });
    await createSecret(`db/${f.s}`, f.base);
    const held = await createConnection(credentials(f.base));
    held.on('error', () => undefined);
    const rotated = await rotate(`db/${f.s}`);
    expect(rotated.ok).toBe(true);
    const outcome = await revokeThroughBundle(`db/${f.s}`, rotated.token);
    expect(outcome.detail).toContain('this server keeps one password per account');
    expect(outcome.detail).toContain('ended 1 other connection(s)');
    await expect(held.query('SELECT 1')).rejects.toThrow();
    expect(await logsIn(f.base)).toBe(false);
  });
});

describe('mysql/mariadb alternating-users rotation through the built bundle', () => {
  it('clones the user at its own host parts with identical grants, and both users keep working', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, { ...f.base, masterarn: f.masterArn });
    expect((await rotate(`db/${f.s}`)).steps.at(-1)!.error).toBeUndefined();
    const first = await valueAt(`db/${f.s}`);
    expect(first.username).toBe(`${f.user}_clone`);
    expect(await hostsOf(`${f.user}_clone`)).toEqual(['127.0.0.1', 'localhost']);
    for (const host of f.hosts) expect(await grantsOf(`${f.user}_clone`, host)).toEqual(await grantsOf(f.user, host));
    expect(await logsIn(first)).toBe(true);
    expect(await logsIn(f.base)).toBe(true);

    // Grants change on the current user; the next rotation copies them, added and revoked.
    await root.query(`REVOKE SELECT ON ${f.db}.* FROM ?@?`, [first.username, '127.0.0.1']);
    await root.query(`GRANT UPDATE ON ${f.db}.* TO ?@?`, [first.username, '127.0.0.1']);
    expect((await rotate(`db/${f.s}`)).steps.at(-1)!.error).toBeUndefined();
    const second = await valueAt(`db/${f.s}`);
    expect(second.username).toBe(f.user);
    for (const host of f.hosts) expect(await grantsOf(f.user, host)).toEqual(await grantsOf(`${f.user}_clone`, host));
    expect((await grantsOf(f.user, '127.0.0.1')).join('\n')).toContain(`GRANT UPDATE ON \`${f.db}\`.*`);
    expect(await logsIn(second)).toBe(true);
    expect(await logsIn(first)).toBe(true);
    expect(await logsIn(f.base)).toBe(false);
  });

  it('fails with a clear error when the master secret is missing or lacks rights', async () => {
    const f = await fixture();
    const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/none-AbCdEf';
    await createSecret(`db/${f.s}-a`, { ...f.base, masterarn: missing });
    const noMaster = await rotate(`db/${f.s}-a`);
    expect(noMaster).toMatchObject({ ok: false, failedStep: 'setSecret' });
    expect(noMaster.steps.at(-1)!.error).toContain(`its bound master secret ${missing} does not exist`);

    const weak = await fixture({ masterRights: false });
    await createSecret(`db/${weak.s}-b`, { ...weak.base, masterarn: weak.masterArn });
    const report = await rotate(`db/${weak.s}-b`);
    expect(report).toMatchObject({ ok: false, failedStep: 'setSecret' });
    expect(report.steps.at(-1)!.error).toMatch(/mysql: creating 'app_\w+_clone'@'127\.0\.0\.1' .* failed \(permission, 1227\): Access denied; you need \(at least one of\) the CREATE USER privilege/);
    expect(await logsIn(weak.base)).toBe(true);
  });

  it('revoke locks the previous user at every host and kills its connections', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, { ...f.base, masterarn: f.masterArn });
    const rotated = await rotate(`db/${f.s}`);
    expect(rotated.ok).toBe(true);
    const held = await createConnection(credentials(f.base));
    held.on('error', () => undefined);
    const outcome = await revokeThroughBundle(`db/${f.s}`, rotated.token);
    expect(outcome.detail).toContain(`2 account(s) of ${f.user} locked and 1 of its connection(s) ended`);
    await expect(held.query('SELECT 1')).rejects.toThrow();
    expect(await logsIn(f.base)).toBe(false);
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    expect((await rotate(`db/${f.s}`)).ok).toBe(true); // unlocks it with a new password
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });
});

describe('mysql/mariadb faults (the server is taken away through a proxy: it is shared with others)', () => {
  it.each(['setSecret', 'testSecret'] as const)('server gone before %s: the step fails, AWSCURRENT still logs in, a retry completes', async (step) => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, { ...f.base, port: proxy.port, masterarn: f.masterArn });
    const token = await rotateUntil(`db/${f.s}`, step);
    await proxy.down();
    await expect(invokeStep({ Step: step, SecretId: `db/${f.s}`, ClientRequestToken: token })).rejects.toThrow(/\(network, ECONNREFUSED\)/);
    await proxy.up();
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    await resume(`db/${f.s}`, token, step);
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });

  it.each([
    ['alternating-users', 'after'],
    ['single-user', 'before'],
    ['single-user', 'after'],
  ] as const)('server gone during setSecret (%s, cut %s the password change): the step fails and a retry completes', async (mode, when) => {
    const f = await fixture({ hosts: ['127.0.0.1'] });
    await createSecret(`db/${f.s}`, { ...f.base, port: proxy.port, masterarn: f.masterArn }, { 'keywarden:rotation': mode });
    const token = await rotateUntil(`db/${f.s}`, 'setSecret');
    // The statement that changes the password: MariaDB refuses a user's ALTER USER for itself, so
    // single-user rotation goes on to SET PASSWORD.
    const cut = proxy.cutAt(mode === 'single-user' ? /SET PASSWORD/ : /CREATE USER/, when);
    await expect(invokeStep({ Step: 'setSecret', SecretId: `db/${f.s}`, ClientRequestToken: token })).rejects.toThrow(/network/);
    await cut;
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(mode === 'alternating-users' || when === 'before');
    await resume(`db/${f.s}`, token, 'setSecret');
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });
});

describe('mysql/mariadb TLS and errors', () => {
  it('never falls back to plaintext: this MariaDB has no TLS, so a secret asking for it fails', async () => {
    const f = await fixture({ hosts: ['127.0.0.1'] });
    await createSecret(`db/${f.s}`, { ...f.base, ssl: true });
    const report = await rotate(`db/${f.s}`);
    expect(report).toMatchObject({ ok: false, failedStep: 'setSecret' });
    expect(report.steps.at(-1)!.error).toMatch(/\(tls, HANDSHAKE_NO_SSL_SUPPORT\): Server does not support secure connection/);
    expect(await logsIn(f.base)).toBe(true);
  });

  it('classifies authentication, network, timeout and permission failures, keeps the server message, and prints no password', async () => {
    const canary = `CANARY-${uniqueSuffix()}-pw`;
    const f = await fixture({ hosts: ['127.0.0.1'] });
    const weak = await fixture({ masterRights: false });
    const sockets = new Set<Socket>();
    const hang = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const hangPort = (hang.address() as { port: number }).port;
    const { printed, error } = await captureOutput(async () => {
      await createSecret(`db/${f.s}-auth`, { ...f.base, password: canary });
      expect((await rotate(`db/${f.s}-auth`)).steps.at(-1)!.error).toMatch(/\(authentication, 1045\): Access denied for user 'app_\w+'@'[^']+' \(using password: YES\)/);
      await createSecret(`db/${f.s}-net`, { ...f.base, password: canary, port: 1 });
      expect((await rotate(`db/${f.s}-net`)).steps.at(-1)!.error).toMatch(/\(network, ECONNREFUSED\)/);
      await createSecret(`db/${f.s}-slow`, { ...f.base, password: canary, port: hangPort });
      expect((await rotate(`db/${f.s}-slow`)).steps.at(-1)!.error).toMatch(/\(timeout, ETIMEDOUT\)/);
      await createSecret(`db/${weak.s}-perm`, { ...weak.base, password: canary, masterarn: weak.masterArn }, { 'keywarden:rotation': 'alternating-users' });
      expect((await rotate(`db/${weak.s}-perm`)).steps.at(-1)!.error).toMatch(/\(permission, 1227\)/);
    });
    for (const socket of sockets) socket.destroy();
    hang.close();
    expect(error).toBeUndefined();
    expect(printed).toMatch(/"level":"ERROR".*"name":"DatabaseError"/);
    expect(printed).not.toContain(canary);
    expect(printed).not.toContain(f.password);
  });
});
