import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeLocalCertificates, type LocalCertificates } from '../../../../cli/local/tls-certs';
import { DatabaseError, RotationRefusedError } from '../../../../shared/errors';
import { dbSettings, type DbSettings, type DbTransport } from '../../../../shared/rotation/db/settings';
import { cachingSha2Scramble } from '../../../../shared/rotation/db/mysql-auth';
import { connectMysql } from '../../../../shared/rotation/db/mysql-client';
import { connectPostgres } from '../../../../shared/rotation/db/postgres-client';
import { connectRedis } from '../../../../shared/rotation/db/redis-client';
import { startFakeMysql, type FakeMysqlScript } from '../../../support/fake-mysql-server';
import { startFakePostgres, type FakePostgresOptions } from '../../../support/fake-postgres-server';
import { processLog } from '../../../../shared/log';

/**
 * Impostor servers on loopback (real sockets, the real drivers) that ask for a password in a form
 * an eavesdropper or the impostor itself could use. keywarden must refuse and send nothing usable.
 */
const secret = { name: 'app/tenant-1/orders-db', tags: {}, log: processLog };
const login = { username: 'orders_master', password: 'Master-Pw-7f3a9c1e-Qz!' };
const settingsFor = (transport: DbTransport | undefined, ssl = false, env: NodeJS.ProcessEnv = {}): DbSettings =>
  dbSettings(secret, { host: '127.0.0.1', ssl, transport }, { KEYWARDEN_DB_CONNECT_TIMEOUT_MS: '2000', ...env });
const passwordBytes = Buffer.from(login.password, 'utf8');

let certs: LocalCertificates;
const closers: Array<() => Promise<void>> = [];

beforeAll(() => {
  certs = makeLocalCertificates(mkdtempSync(join(tmpdir(), 'kw-transport-')));
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function fakePostgres(options: FakePostgresOptions) {
  const server = await startFakePostgres(options);
  closers.push(server.close);
  return server;
}

async function fakeMysql(script: FakeMysqlScript) {
  const server = await startFakeMysql(script);
  closers.push(server.close);
  return server;
}

const postgresAt = (port: number, settings: DbSettings) => connectPostgres({ host: '127.0.0.1', port, database: 'orders', settings }, login, [login.password]);
const mysqlAt = (port: number, settings: DbSettings) => connectMysql({ host: '127.0.0.1', port, settings }, login, [login.password]);

/** The refusal every insecure request gets: rule, field, and the secret named, the password not. */
async function expectRefused(attempt: Promise<unknown>, said: RegExp): Promise<RotationRefusedError> {
  const error = await attempt.then(() => undefined, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(RotationRefusedError);
  const refusal = error as RotationRefusedError;
  expect(refusal).toMatchObject({ rule: 'rotation.insecure-transport', field: 'transport' });
  expect(refusal.message).toMatch(/^secret app\/tenant-1\/orders-db: /);
  expect(refusal.message).toMatch(said);
  expect(refusal.message).not.toContain(login.password);
  return refusal;
}

describe('PostgreSQL over plaintext: SCRAM-SHA-256 only', () => {
  it.each([['plaintext' as const], [undefined]])(
    'attack: a server that asks for a cleartext password over plaintext receives none (transport %s)',
    async (transport) => {
      const server = await fakePostgres({ auth: 'cleartext' });
      await expectRefused(postgresAt(server.port, settingsFor(transport)), /asked for a cleartext password over a plaintext connection/);
      expect(server.messages().map((m) => m.type)).toEqual(['']); // the startup message, and nothing after it
      expect(server.bytes().includes(passwordBytes)).toBe(false);
    },
  );

  it('attack: a server that asks for an MD5 password hash over plaintext receives no hash', async () => {
    const server = await fakePostgres({ auth: 'md5' });
    await expectRefused(postgresAt(server.port, settingsFor('plaintext')), /asked for an MD5 password hash over a plaintext connection/);
    const inner = createHash('md5').update(login.password + login.username).digest('hex');
    const md5 = 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(inner), Buffer.from([1, 2, 3, 4])])).digest('hex');
    expect(server.messages().map((m) => m.type)).toEqual(['']);
    expect(server.bytes().includes(Buffer.from(md5))).toBe(false);
    expect(server.bytes().includes(passwordBytes)).toBe(false);
  });

  it('attack: a server that lets the login in without SCRAM over plaintext is sent no statement', async () => {
    const server = await fakePostgres({ auth: 'none' });
    await expectRefused(postgresAt(server.port, settingsFor('plaintext')), /let the login in without SCRAM/);
    expect(server.messages().map((m) => m.type)).toEqual(['']);
  });

  it('attack: transport tls with a value saying ssl:false still asks for TLS; a server without TLS gets no startup message', async () => {
    const server = await fakePostgres({ auth: 'cleartext' });
    const settings = settingsFor('tls', false, { KEYWARDEN_DB_TLS_CA_FILE: certs.caFile });
    expect(settings.tls).toMatchObject({ servername: '127.0.0.1' });
    const error = await postgresAt(server.port, settings).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).message).toMatch(/\(tls\): The server does not support SSL connections/);
    expect(server.messages()).toEqual([]);
  });

  it('over verified TLS, a server that asks for a cleartext password gets it: its certificate proved who it is', async () => {
    const server = await fakePostgres({ auth: 'cleartext', tls: { key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) } });
    const session = await postgresAt(server.port, settingsFor('tls', false, { KEYWARDEN_DB_TLS_CA_FILE: certs.caFile }));
    await session.close();
    expect(server.messages().map((m) => m.type)).toContain('p');
    expect(server.bytes().includes(passwordBytes)).toBe(true);
  });

  it('attack: an impostor with a certificate from another CA gets no startup message, let alone a password', async () => {
    const server = await fakePostgres({ auth: 'cleartext', tls: { key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) } });
    const error = await postgresAt(server.port, settingsFor('tls', false, { KEYWARDEN_DB_TLS_CA_FILE: certs.wrongCaFile })).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).kind).toBe('tls');
    expect(server.messages()).toEqual([]);
  });
});

describe('MySQL/MariaDB over plaintext: scrambles only', () => {
  const noPasswordIn = (packets: Buffer[]) => expect(packets.some((p) => p.includes(passwordBytes))).toBe(false);

  it('attack: a server that switches the login to mysql_clear_password over plaintext receives no password', async () => {
    const server = await fakeMysql({ switchTo: 'mysql_clear_password' });
    await expectRefused(mysqlAt(server.port, settingsFor('plaintext')), /asked for a cleartext password \(mysql_clear_password\) over a plaintext connection/);
    expect(server.packets()).toHaveLength(1); // the handshake response (a native scramble), nothing after the switch
    noPasswordIn(server.packets());
  });

  it('attack: a server that switches to sha256_password over plaintext gets neither the password nor a public-key request', async () => {
    const server = await fakeMysql({ switchTo: 'sha256_password' });
    await expectRefused(mysqlAt(server.port, settingsFor(undefined)), /asked for sha256_password/);
    expect(server.packets()).toHaveLength(1);
    noPasswordIn(server.packets());
  });

  it('attack: a caching_sha2_password server that demands full authentication over plaintext gets only the scramble', async () => {
    const server = await fakeMysql({ switchTo: 'caching_sha2_password', then: 'full-authentication' });
    await expectRefused(mysqlAt(server.port, settingsFor('plaintext')), /caching_sha2_password full authentication/);
    const packets = server.packets();
    expect(packets).toHaveLength(2); // handshake response, the scramble; no public-key request (0x02), no password
    expect(packets[1]!.equals(cachingSha2Scramble(login.password, server.switchNonce))).toBe(true);
    noPasswordIn(packets);
  });

  it("caching_sha2_password's fast authentication over plaintext logs in with the scramble alone", async () => {
    const server = await fakeMysql({ switchTo: 'caching_sha2_password', then: 'fast-auth-ok' });
    const session = await mysqlAt(server.port, settingsFor('plaintext'));
    await session.close();
    expect(server.packets()[1]!.equals(cachingSha2Scramble(login.password, server.switchNonce))).toBe(true);
    noPasswordIn(server.packets());
  });
});

describe('every client refuses a plaintext connection nobody allowed', () => {
  let connections = 0;
  const listener = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  it('attack: settings with neither TLS nor a plaintext allowance open no socket (postgres, mysql, redis)', async () => {
    const unallowed: DbSettings = { secretName: secret.name, log: processLog, connectTimeoutMs: 1000, statementTimeoutMs: 1000 };
    await expectRefused(postgresAt(port, unallowed), /would be reached without TLS/);
    await expectRefused(mysqlAt(port, unallowed), /would be reached without TLS/);
    await expectRefused(connectRedis({ host: '127.0.0.1', port, settings: unallowed }, login, [login.password]), /would be reached without TLS/);
    expect(connections).toBe(0);
  });
});
