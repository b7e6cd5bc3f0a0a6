import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../support/capture-output';
import { createSecret, invokeStep, resume, rotate, revokeThroughBundle, rotateUntil, valueAt } from '../support/db-rotation';
import { uniqueSuffix } from '../support/db-services';
import { startPostgresCluster, type PostgresCluster } from '../../cli/local/postgres-cluster';
import { startTcpProxy } from '../support/tcp-proxy';

let cluster: PostgresCluster;
let admin: pg.Client;
const created: string[] = [];

const login = async (user: { username: string; password: string }, options: { port?: number; database?: string } = {}) => {
  const client = new pg.Client({ host: '127.0.0.1', port: options.port ?? cluster.port, user: user.username, password: user.password, database: options.database ?? 'postgres' });
  await client.connect();
  await client.end();
};
const logsIn = (user: { username: string; password: string }) => login(user).then(() => true, () => false);

/** A role the tests create; dropped after each test. */
async function role(name: string, sql: string): Promise<string> {
  await admin.query(`CREATE ROLE ${name} ${sql}`);
  created.push(name);
  return name;
}

/**
 * The shared-owner model: app_owner owns the table, the user is a member and also holds one direct
 * grant; the master may create roles and hand out what the user has.
 */
async function fixture(options: { masterRights?: boolean } = {}) {
  const s = uniqueSuffix();
  const owner = await role(`app_owner_${s}`, 'NOLOGIN');
  const user = await role(`app_${s}`, `LOGIN PASSWORD 'Initial-pw-${s}-A1!'`);
  created.push(`app_${s}_clone`);
  const master = await role(`kw_master_${s}`, `LOGIN ${options.masterRights === false ? '' : 'CREATEROLE'} PASSWORD 'Master-pw-${s}-B2!'`);
  await admin.query(`CREATE TABLE t_${s} (id int)`);
  await admin.query(`ALTER TABLE t_${s} OWNER TO ${owner}`);
  await admin.query(`GRANT ${owner} TO ${user}`);
  await admin.query(`GRANT SELECT ON t_${s} TO ${user}`);
  if (options.masterRights !== false) {
    // The shared-owner model: the master is a member of the owner role, so its GRANTs and REVOKEs
    // on the owner's objects act as the owner's; pg_signal_backend lets revoke end sessions.
    await admin.query(`GRANT ${owner} TO ${master} WITH ADMIN OPTION`);
    await admin.query(`GRANT pg_signal_backend TO ${master}`);
  }
  const masterArn = await createSecret(`db/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
  const base = { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: user, password: `Initial-pw-${s}-A1!`, dbname: 'postgres' };
  return { s, owner, user, master, masterArn, base, table: `t_${s}` };
}

/** Memberships and table privileges of a role, for comparing the pair. */
async function rightsOf(name: string): Promise<string[]> {
  const memberships = await admin.query(
    'SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1 ORDER BY 1',
    [name],
  );
  const privileges = await admin.query(
    "SELECT table_name || ':' || privilege_type AS p FROM information_schema.role_table_grants WHERE grantee = $1 ORDER BY 1",
    [name],
  );
  return [...memberships.rows.map((r) => `member of ${r.rolname.replace(/_[0-9a-f]{8}$/, '')}`), ...privileges.rows.map((r) => r.p.replace(/_[0-9a-f]{8}/, ''))];
}

/** (Re)connects the superuser session the fixtures use; after a stop the old one is gone. */
async function connectAdmin(): Promise<void> {
  await admin?.end().catch(() => undefined);
  admin = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
  admin.on('error', () => undefined);
  await admin.connect();
}

/** Stops the cluster while `fn` runs, then starts it again. */
async function whileStopped(fn: () => Promise<void>): Promise<void> {
  cluster.stop();
  try {
    await fn();
  } finally {
    cluster.start();
    await connectAdmin();
  }
}

beforeAll(async () => {
  cluster = await startPostgresCluster();
  await connectAdmin();
  process.env.KEYWARDEN_DB_CONNECT_TIMEOUT_MS = '3000';
  process.env.KEYWARDEN_DB_STATEMENT_TIMEOUT_MS = '3000';
});

afterEach(async () => {
  for (const name of created.splice(0).reverse()) {
    await admin.query(`DROP OWNED BY ${name}`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${name}`).catch(() => undefined);
  }
});

afterAll(async () => {
  await admin?.end();
  cluster?.destroy();
});

describe('postgres single-user rotation through the built bundle', () => {
  it('sets the new password as a SCRAM verifier, makes it AWSCURRENT, and the old one stops working', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, f.base, { 'keywarden:rotation': 'single-user' });
    const report = await rotate(`db/${f.s}`);
    expect(report.steps.at(-1)!.error).toBeUndefined();
    const current = await valueAt(`db/${f.s}`);
    expect(current.username).toBe(f.user);
    expect(current.password).not.toBe(f.base.password);
    expect(await logsIn(current)).toBe(true);
    expect(await logsIn(f.base)).toBe(false);
    expect(current).toMatchObject({ engine: 'postgres', host: '127.0.0.1', port: cluster.port, dbname: 'postgres' });

    const stored = await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [f.user]);
    expect(stored.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    const log = cluster.log();
    expect(log).toMatch(new RegExp(`ALTER ROLE "${f.user}" PASSWORD 'SCRAM-SHA-256\\$4096:`));
    expect(log).not.toContain(current.password);

    const second = await rotate(`db/${f.s}`);
    expect(second.ok).toBe(true);
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    expect(await logsIn(current)).toBe(false);
  });

  it('round-trips passwords with every special character through connection strings', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, f.base, { 'keywarden:rotation': 'single-user', 'keywarden:password-exclude': '', 'keywarden:password-length': '96' });
    const seen = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      expect((await rotate(`db/${f.s}`)).steps.at(-1)!.error).toBeUndefined();
      const { username, password } = await valueAt(`db/${f.s}`);
      for (const char of password) seen.add(char);
      const url = `postgresql://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${cluster.port}/postgres`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
    }
    const symbols = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
    expect([...symbols].filter((c) => seen.has(c)).length).toBeGreaterThan(20);
  });
});

describe('postgres alternating-users rotation through the built bundle', () => {
  it('creates the clone through the master, keeps both users working, and keeps their rights identical', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, { ...f.base, masterarn: f.masterArn });
    expect((await rotate(`db/${f.s}`)).ok).toBe(true);
    const first = await valueAt(`db/${f.s}`);
    expect(first.username).toBe(`${f.user}_clone`);
    expect(await logsIn(first)).toBe(true);
    expect(await logsIn(f.base)).toBe(true); // previous keeps working until the next rotation
    expect(await rightsOf(`${f.user}_clone`)).toEqual(await rightsOf(f.user));
    expect(await rightsOf(f.user)).toEqual(['member of app_owner', 't:SELECT']);

    // Rights change on the current user; the next rotation carries them over, added and revoked.
    await admin.query(`REVOKE SELECT ON ${f.table} FROM ${f.user}_clone`);
    await admin.query(`GRANT INSERT ON ${f.table} TO ${f.user}_clone`);
    expect(await rightsOf(`${f.user}_clone`)).toEqual(['member of app_owner', 't:INSERT']);
    expect((await rotate(`db/${f.s}`)).ok).toBe(true);
    const second = await valueAt(`db/${f.s}`);
    expect(second.username).toBe(f.user);
    expect(await rightsOf(f.user)).toEqual(['member of app_owner', 't:INSERT']);
    expect(await logsIn(second)).toBe(true);
    expect(await logsIn(first)).toBe(true);
    expect(await logsIn(f.base)).toBe(false);
    expect(cluster.log()).not.toContain(second.password);
  });

  it('fails with a clear error when the master secret is missing or lacks rights, leaving AWSCURRENT working', async () => {
    const f = await fixture();
    const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/nope-AbCdEf';
    await createSecret(`db/${f.s}-a`, { ...f.base, masterarn: missing });
    const noMaster = await rotate(`db/${f.s}-a`);
    expect(noMaster).toMatchObject({ ok: false, failedStep: 'setSecret' });
    expect(noMaster.steps.at(-1)!.error).toContain(`its bound master secret ${missing} does not exist`);

    const weak = await fixture({ masterRights: false });
    await createSecret(`db/${weak.s}-b`, { ...weak.base, masterarn: weak.masterArn });
    const report = await rotate(`db/${weak.s}-b`);
    expect(report).toMatchObject({ ok: false, failedStep: 'setSecret' });
    expect(report.steps.at(-1)!.error).toMatch(/DatabaseError: postgres: creating .* failed \(permission, 42501\): permission denied to create role/);
    expect(await logsIn(await valueAt(`db/${weak.s}-b`))).toBe(true);
  });

  it('revoke disables the previous user and ends its sessions; the current one keeps working', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, { ...f.base, masterarn: f.masterArn });
    const rotated = await rotate(`db/${f.s}`);
    expect(rotated.ok).toBe(true);
    const held = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: f.user, password: f.base.password, database: 'postgres' });
    held.on('error', () => undefined);
    await held.connect();
    const outcome = await revokeThroughBundle(`db/${f.s}`, rotated.token);
    expect(outcome).toMatchObject({ revoked: true });
    expect(outcome.detail).toContain('1 of its session(s) were ended');
    await expect(held.query('SELECT 1')).rejects.toThrow();
    expect(await logsIn(f.base)).toBe(false);
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    // The next rotation brings the revoked user back with a new password.
    expect((await rotate(`db/${f.s}`)).ok).toBe(true);
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });
});

describe('postgres revoke, single user', () => {
  it('ends every other session of the user; the old password already stopped working', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, f.base);
    const held = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: f.user, password: f.base.password, database: 'postgres' });
    held.on('error', () => undefined);
    await held.connect();
    const rotated = await rotate(`db/${f.s}`);
    expect(rotated.ok).toBe(true);
    const outcome = await revokeThroughBundle(`db/${f.s}`, rotated.token);
    expect(outcome.detail).toContain('ended 1 other session(s)');
    await expect(held.query('SELECT 1')).rejects.toThrow();
    expect(await logsIn(f.base)).toBe(false);
  });
});

describe('postgres faults', () => {
  it('database stopped before setSecret: the step fails, AWSCURRENT still logs in, a retry completes', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, { ...f.base, masterarn: f.masterArn });
    const token = await rotateUntil(`db/${f.s}`, 'setSecret');
    await whileStopped(async () => {
      await expect(invokeStep({ Step: 'setSecret', SecretId: `db/${f.s}`, ClientRequestToken: token })).rejects.toThrow(/\(network, ECONNREFUSED\)/);
    });
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    await resume(`db/${f.s}`, token, 'setSecret');
    expect((await valueAt(`db/${f.s}`)).username).toBe(`${f.user}_clone`);
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });

  it('database stopped before testSecret: the step fails, AWSCURRENT still logs in, a retry completes', async () => {
    const f = await fixture();
    await createSecret(`db/${f.s}`, { ...f.base, masterarn: f.masterArn });
    const token = await rotateUntil(`db/${f.s}`, 'testSecret');
    await whileStopped(async () => {
      await expect(invokeStep({ Step: 'testSecret', SecretId: `db/${f.s}`, ClientRequestToken: token })).rejects.toThrow(/network/);
    });
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    await resume(`db/${f.s}`, token, 'testSecret');
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });

  it.each([
    ['alternating-users', 'after'],
    ['single-user', 'before'],
    ['single-user', 'after'],
  ] as const)('database gone during setSecret (%s, cut %s the password change): the step fails and a retry completes', async (mode, when) => {
    const f = await fixture();
    const proxy = await startTcpProxy(cluster.port);
    try {
      await createSecret(`db/${f.s}`, { ...f.base, port: proxy.port, masterarn: f.masterArn }, { 'keywarden:rotation': mode });
      const token = await rotateUntil(`db/${f.s}`, 'setSecret');
      const cut = proxy.cutAt(/(ALTER|CREATE) ROLE/, when);
      await expect(invokeStep({ Step: 'setSecret', SecretId: `db/${f.s}`, ClientRequestToken: token })).rejects.toThrow(/network/);
      await cut;
      const current = await valueAt(`db/${f.s}`);
      // Alternating users never touch the current user; single-user's old password works until
      // the server has run the change, which is the window single-user rotation cannot avoid.
      expect(await logsIn(current)).toBe(mode === 'alternating-users' || when === 'before');
      await resume(`db/${f.s}`, token, 'setSecret');
      expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});

describe('postgres TLS', () => {
  // A bound secret's trust store comes from the deployment (KEYWARDEN_DB_TLS_CA_FILE), never from
  // its tags; the bundle runs in this process, so the test sets the variable around the rotation.
  const tlsRotation = async (f: Awaited<ReturnType<typeof fixture>>, caFile: string) => {
    await createSecret(`db/${f.s}`, { ...f.base, host: 'localhost', ssl: true }, { 'keywarden:rotation': 'single-user' });
    const saved = process.env.KEYWARDEN_DB_TLS_CA_FILE;
    process.env.KEYWARDEN_DB_TLS_CA_FILE = caFile;
    try {
      return await rotate(`db/${f.s}`);
    } finally {
      if (saved === undefined) delete process.env.KEYWARDEN_DB_TLS_CA_FILE;
      else process.env.KEYWARDEN_DB_TLS_CA_FILE = saved;
    }
  };

  it('verifies the server against the configured CA and rotates over TLS', async () => {
    const f = await fixture();
    const report = await tlsRotation(f, cluster.certs.caFile);
    expect(report).toMatchObject({ ok: true });
    expect(await logsIn(await valueAt(`db/${f.s}`))).toBe(true);
  });

  it('refuses a server whose certificate is not from the trusted CA', async () => {
    const f = await fixture();
    const report = await tlsRotation(f, cluster.certs.wrongCaFile);
    expect(report).toMatchObject({ ok: false, failedStep: 'setSecret' });
    expect(report.steps.at(-1)!.error).toMatch(/\(tls, SELF_SIGNED_CERT_IN_CHAIN|\(tls, UNABLE_TO_VERIFY_LEAF_SIGNATURE|\(tls, /);
    expect(await logsIn(f.base)).toBe(true);
  });

  it('never falls back to plaintext when the server has no TLS', async () => {
    const f = await fixture();
    cluster.setSsl(false);
    try {
      const report = await tlsRotation(f, cluster.certs.caFile);
      expect(report).toMatchObject({ ok: false, failedStep: 'setSecret' });
      expect(report.steps.at(-1)!.error).toMatch(/\(tls\): The server does not support SSL connections/);
      expect(await logsIn(f.base)).toBe(true);
    } finally {
      cluster.setSsl(true);
    }
  });
});

describe('postgres errors', () => {
  it('classifies authentication, network, timeout and permission failures, keeps the server message, and prints no password', async () => {
    const canary = `CANARY-${uniqueSuffix()}-pw`;
    const f = await fixture();
    const { printed, error } = await captureOutput(async () => {
      // authentication: the current password is wrong (and so is the previous: there is none)
      await createSecret(`db/${f.s}-auth`, { ...f.base, password: canary }, { 'keywarden:rotation': 'single-user' });
      const auth = await rotate(`db/${f.s}-auth`);
      expect(auth.steps.at(-1)!.error).toMatch(/\(authentication, 28P01\): password authentication failed for user "app_/);
      // network: nothing listens there
      await createSecret(`db/${f.s}-net`, { ...f.base, password: canary, port: 1 }, { 'keywarden:rotation': 'single-user' });
      expect((await rotate(`db/${f.s}-net`)).steps.at(-1)!.error).toMatch(/\(network, ECONNREFUSED\)/);
      // timeout: the server accepts the connection and never answers
      const hang = await startHangingServer();
      try {
        await createSecret(`db/${f.s}-slow`, { ...f.base, password: canary, port: hang.port }, { 'keywarden:rotation': 'single-user' });
        expect((await rotate(`db/${f.s}-slow`)).steps.at(-1)!.error).toMatch(/\(timeout\)/);
      } finally {
        hang.close();
      }
      // permission: a master that may not create roles
      const weak = await fixture({ masterRights: false });
      await createSecret(`db/${weak.s}-perm`, { ...weak.base, masterarn: weak.masterArn });
      expect((await rotate(`db/${weak.s}-perm`)).steps.at(-1)!.error).toMatch(/\(permission, 42501\)/);
    });
    expect(error).toBeUndefined();
    expect(printed).toMatch(/"level":"ERROR".*"name":"DatabaseError"/);
    expect(printed).not.toContain(canary);
    expect(printed).not.toContain(f.base.password);
  });
});

/** A TCP server that accepts connections and never says a word: a database that hangs. */
async function startHangingServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
