import { createServer, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { passwordHash } from '../../shared/rotation/strategies/redis';
import { captureOutput } from '../support/capture-output';
import { bindSecret, createSecret, invokeStep, resume, rotate, revokeThroughBundle, rotateUntil, sm, valueAt } from '../support/db-rotation';
import { REDIS, redisAdmin, redisLogsIn, uniqueSuffix } from '../support/db-services';
import { startRedisTlsServer, type RedisTlsServer } from '../support/redis-tls-server';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

let admin: Redis;
let proxy: TcpProxy;
let tlsServer: RedisTlsServer;
const users: string[] = [];

const logsIn = redisLogsIn;

/** An ACL user for the app and an admin for the master secret (or one that may not use ACL). */
async function fixture(options: { client?: Redis; adminRights?: boolean } = {}) {
  const redis = options.client ?? admin;
  const s = uniqueSuffix();
  const user = `app_${s}`;
  const password = `Initial-pw-${s}-A1!`;
  const master = `kwadm_${s}`;
  const masterPassword = `Master-pw-${s}-B2!`;
  users.push(user, master);
  await redis.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~app:*', '+@read', '+@write', '+ping');
  const rights = options.adminRights === false ? ['+@read', '+ping'] : ['+@all'];
  await redis.call('ACL', 'SETUSER', master, 'on', `>${masterPassword}`, '~*', '&*', ...rights);
  const masterArn = await createSecret(`cache/master-${s}`, { username: master, password: masterPassword });
  const base = { engine: 'redis', host: '127.0.0.1', port: REDIS.port, username: user, password, masterarn: masterArn };
  return { s, user, password, master, masterArn, base };
}

async function hashesOf(user: string): Promise<string[]> {
  const reply = (await admin.call('ACL', 'GETUSER', user)) as unknown[];
  return (reply[reply.indexOf('passwords') + 1] as string[]).slice().sort();
}

beforeAll(async () => {
  admin = await redisAdmin();
  proxy = await startTcpProxy(REDIS.port);
  tlsServer = await startRedisTlsServer();
  process.env.KEYWARDEN_DB_CONNECT_TIMEOUT_MS = '3000';
  process.env.KEYWARDEN_DB_STATEMENT_TIMEOUT_MS = '3000';
});

afterEach(async () => {
  await proxy.up();
  for (const user of users.splice(0)) await admin.call('ACL', 'DELUSER', user);
});

afterAll(async () => {
  await proxy?.close();
  await tlsServer?.stop();
  admin?.disconnect();
});

describe('redis dual-password rotation through the built bundle', () => {
  it('adds the new password beside the current one, and drops the older one at the next rotation', async () => {
    const f = await fixture();
    await createSecret(`cache/${f.s}`, f.base);
    expect((await rotate(`cache/${f.s}`)).steps.at(-1)!.error).toBeUndefined();
    const first = await valueAt(`cache/${f.s}`);
    expect(first).toMatchObject({ engine: 'redis', username: f.user, masterarn: f.masterArn });
    expect(await logsIn(first)).toBe(true);
    expect(await logsIn(f.base)).toBe(true);
    expect(await hashesOf(f.user)).toEqual([passwordHash(f.password), passwordHash(first.password)].sort());

    expect((await rotate(`cache/${f.s}`)).ok).toBe(true);
    const second = await valueAt(`cache/${f.s}`);
    expect(await logsIn(second)).toBe(true);
    expect(await logsIn(first)).toBe(true);
    expect(await logsIn(f.base)).toBe(false);
    expect(await hashesOf(f.user)).toEqual([passwordHash(first.password), passwordHash(second.password)].sort());
  });

  it('keeps the password that is current at setSecret, even when it changed by hand after createSecret', async () => {
    const f = await fixture();
    await createSecret(`cache/${f.s}`, f.base);
    const token = await rotateUntil(`cache/${f.s}`, 'setSecret');
    expect((await valueAt(`cache/${f.s}`, 'AWSPENDING'))['keywarden:rotatedFrom']).toEqual({
      versionId: expect.any(String),
      passwordSha256: passwordHash(f.password),
    });
    // A new current put by hand, after createSecret noted the hash of the one before.
    const byHand = `By-hand-${f.s}-C3!`;
    await admin.call('ACL', 'SETUSER', f.user, `>${byHand}`);
    await sm.send(new PutSecretValueCommand({ SecretId: `cache/${f.s}`, SecretString: JSON.stringify({ ...f.base, password: byHand }), VersionStages: ['AWSCURRENT'] }));
    await resume(`cache/${f.s}`, token, 'setSecret');
    const rotated = await valueAt(`cache/${f.s}`);
    expect(await hashesOf(f.user)).toEqual([passwordHash(byHand), passwordHash(rotated.password)].sort());
    expect(await logsIn({ username: f.user, password: byHand })).toBe(true);
  });

  it('round-trips passwords with every special character through connection strings', async () => {
    const f = await fixture();
    await createSecret(`cache/${f.s}`, f.base, { 'keywarden:password-exclude': '', 'keywarden:password-length': '64' });
    const seen = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      expect((await rotate(`cache/${f.s}`)).steps.at(-1)!.error).toBeUndefined();
      const { username, password } = await valueAt(`cache/${f.s}`);
      for (const char of password) seen.add(char);
      const client = new Redis(`redis://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${REDIS.port}`, { lazyConnect: true, retryStrategy: () => null });
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    }
    expect([...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'].filter((c) => seen.has(c)).length).toBeGreaterThan(20);
  });

  it('fails with a clear error when the master secret is missing or lacks rights', async () => {
    const f = await fixture();
    // A Redis binding always names its master (keywarden bind refuses one without), so a secret
    // whose value names none cannot be bound from it; unbound, its rotation is refused.
    await createSecret(`cache/${f.s}-a`, { ...f.base, masterarn: undefined }, {}, { bind: false });
    await expect(bindSecret(`cache/${f.s}-a`)).rejects.toThrow(/binds Redis without a master secret/);
    const none = await rotate(`cache/${f.s}-a`);
    expect(none.steps.at(-1)!.error).toMatch(/RotationRefusedError: secret cache\/\w+-a: is a database or Redis secret with no binding/);

    const weak = await fixture({ adminRights: false });
    await createSecret(`cache/${weak.s}-b`, weak.base);
    const report = await rotate(`cache/${weak.s}-b`);
    expect(report).toMatchObject({ ok: false, failedStep: 'setSecret' });
    expect(report.steps.at(-1)!.error).toMatch(/redis: reading ACL user app_\w+ as kwadm_\w+ at 127\.0\.0\.1:6379 failed \(permission\): NOPERM/);
    expect(await logsIn(weak.base)).toBe(true);
  });

  it('revoke leaves only the current password and ends the connections of the user', async () => {
    const f = await fixture();
    await createSecret(`cache/${f.s}`, f.base);
    const rotated = await rotate(`cache/${f.s}`);
    expect(rotated.ok).toBe(true);
    const held = new Redis({ ...REDIS, username: f.user, password: f.password, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    held.on('error', () => undefined);
    await held.ping();
    const outcome = await revokeThroughBundle(`cache/${f.s}`, rotated.token);
    expect(outcome).toMatchObject({ revoked: true });
    expect(outcome.detail).toContain('ended 1 connection(s)');
    await expect(held.ping()).rejects.toThrow();
    held.disconnect();
    expect(await logsIn(f.base)).toBe(false);
    expect(await logsIn(await valueAt(`cache/${f.s}`))).toBe(true);
  });
});

describe('redis faults (through a proxy: the machine\'s Redis is shared)', () => {
  it.each(['setSecret', 'testSecret'] as const)('server gone before %s: the step fails, AWSCURRENT still logs in, a retry completes', async (step) => {
    const f = await fixture();
    await createSecret(`cache/${f.s}`, { ...f.base, port: proxy.port });
    const token = await rotateUntil(`cache/${f.s}`, step);
    await proxy.down();
    await expect(invokeStep({ Step: step, SecretId: `cache/${f.s}`, ClientRequestToken: token })).rejects.toThrow(/\(network, ECONNREFUSED\)/);
    await proxy.up();
    expect(await logsIn(await valueAt(`cache/${f.s}`))).toBe(true);
    await resume(`cache/${f.s}`, token, step);
    expect(await logsIn(await valueAt(`cache/${f.s}`))).toBe(true);
  });

  it.each(['before', 'after'] as const)('server gone during setSecret (cut %s ACL SETUSER): the step fails, AWSCURRENT still logs in, a retry completes', async (when) => {
    const f = await fixture();
    await createSecret(`cache/${f.s}`, { ...f.base, port: proxy.port });
    const token = await rotateUntil(`cache/${f.s}`, 'setSecret');
    const cut = proxy.cutAt(/SETUSER/, when);
    await expect(invokeStep({ Step: 'setSecret', SecretId: `cache/${f.s}`, ClientRequestToken: token })).rejects.toThrow(/network/);
    await cut;
    expect(await logsIn(await valueAt(`cache/${f.s}`))).toBe(true);
    await resume(`cache/${f.s}`, token, 'setSecret');
    expect(await logsIn(await valueAt(`cache/${f.s}`))).toBe(true);
  });
});

describe('redis TLS', () => {
  it('verifies the server against the configured CA, refuses the wrong CA or name, and never uses plaintext', async () => {
    const tlsAdmin = new Redis({ host: '127.0.0.1', port: tlsServer.port, tls: { ca: readFileSync(tlsServer.certs.caFile) } });
    const f = await fixture({ client: tlsAdmin });
    const secret = { ...f.base, port: tlsServer.port, ssl: true };
    // A bound secret's trust store comes from the deployment (KEYWARDEN_DB_TLS_CA_FILE), never its tags.
    const withCa = async <T>(caFile: string, fn: () => Promise<T>): Promise<T> => {
      const saved = process.env.KEYWARDEN_DB_TLS_CA_FILE;
      process.env.KEYWARDEN_DB_TLS_CA_FILE = caFile;
      try {
        return await fn();
      } finally {
        if (saved === undefined) delete process.env.KEYWARDEN_DB_TLS_CA_FILE;
        else process.env.KEYWARDEN_DB_TLS_CA_FILE = saved;
      }
    };
    await createSecret(`cache/${f.s}-ok`, secret);
    expect((await withCa(tlsServer.certs.caFile, () => rotate(`cache/${f.s}-ok`))).steps.at(-1)!.error).toBeUndefined();

    await createSecret(`cache/${f.s}-ca`, secret);
    expect((await withCa(tlsServer.certs.wrongCaFile, () => rotate(`cache/${f.s}-ca`))).steps.at(-1)!.error).toMatch(
      /\(tls, (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/,
    );

    // The machine's Redis has no TLS: asking for it fails the step instead of talking plaintext.
    await createSecret(`cache/${f.s}-plain`, { ...f.base, ssl: true });
    expect((await rotate(`cache/${f.s}-plain`)).steps.at(-1)!.error).toMatch(/\(tls, KW_TLS_HANDSHAKE_TIMEOUT\): connected, but no TLS handshake/);
    for (const user of [f.user, f.master]) await tlsAdmin.call('ACL', 'DELUSER', user);
    tlsAdmin.disconnect();
  });
});

describe('redis errors', () => {
  it('classifies authentication, network, timeout and permission failures, keeps the server message, and prints no password', async () => {
    const canary = `CANARY-${uniqueSuffix()}-pw`;
    const f = await fixture();
    const weak = await fixture({ adminRights: false });
    const sockets = new Set<Socket>();
    const hang = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const hangPort = (hang.address() as { port: number }).port;
    const wrongMaster = await createSecret(`cache/master-wrong-${f.s}`, { username: f.master, password: canary });
    const { printed, error } = await captureOutput(async () => {
      await createSecret(`cache/${f.s}-auth`, { ...f.base, password: canary, masterarn: wrongMaster });
      expect((await rotate(`cache/${f.s}-auth`)).steps.at(-1)!.error).toMatch(/\(authentication\): WRONGPASS invalid username-password pair/);
      await createSecret(`cache/${f.s}-net`, { ...f.base, password: canary, port: 1 });
      expect((await rotate(`cache/${f.s}-net`)).steps.at(-1)!.error).toMatch(/\(network, ECONNREFUSED\)/);
      await createSecret(`cache/${f.s}-slow`, { ...f.base, password: canary, port: hangPort });
      expect((await rotate(`cache/${f.s}-slow`)).steps.at(-1)!.error).toMatch(/\(timeout, KW_TIMEOUT\)/);
      await createSecret(`cache/${weak.s}-perm`, { ...weak.base, password: canary });
      expect((await rotate(`cache/${weak.s}-perm`)).steps.at(-1)!.error).toMatch(/\(permission\): NOPERM/);
    });
    for (const socket of sockets) socket.destroy();
    hang.close();
    expect(error).toBeUndefined();
    expect(printed).toMatch(/"level":"ERROR".*"name":"DatabaseError"/);
    expect(printed).not.toContain(canary);
    expect(printed).not.toContain(f.password);
  });
});
