import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Connection } from 'mysql2/promise';
import type Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy } from '../../bench/counting-proxy';
import { invokeBundle } from '../../cli/bundles';
import { localEnv } from '../../cli/local/env';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { playRotation } from '../../shared/rotation/driver';
import { bindSecret } from '../support/db-rotation';
import { MARIADB, REDIS, mariadbRoot, redisAdmin, uniqueSuffix } from '../support/db-services';
import { localAwsEndpoint } from '../support/local-aws';

/**
 * The Secrets Manager calls of whole rotations, counted on the wire between the built rotate
 * bundle and the local AWS (the figures README's "Figures" table quotes; `npm run bench` prints
 * them with timings). Only the function's calls pass the proxy: the test's own client (secrets,
 * RotateSecret) talks to the local AWS directly. The DynamoDB calls (the binding, read once per
 * step) are counted beside them.
 */
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
let direct: SecretsManagerClient;
let root: Connection;
let redis: Redis;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  proxy = await startCountingProxy(localAwsEndpoint());
  direct = new SecretsManagerClient({ endpoint: localAwsEndpoint() });
  // The bundle builds its client when this file first invokes it, from the environment.
  Object.assign(process.env, localEnv(proxy.endpoint));
  root = await mariadbRoot();
  redis = await redisAdmin();
});

afterEach(async () => {
  for (const drop of cleanup.splice(0)) await drop().catch(() => undefined);
});

afterAll(async () => {
  await proxy?.close();
  await root?.end();
  redis?.disconnect();
});

async function createSecret(name: string, value: object, tags: Record<string, string> = {}): Promise<string> {
  const Tags = Object.entries({ 'keywarden:stage': 'ci', ...tags }).map(([Key, Value]) => ({ Key, Value }));
  return (await direct.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value), Tags }))).ARN!;
}

/**
 * One rotation through the bundle; its calls by service and operation, e.g.
 * `{ secretsmanager: { DescribeSecret: 4, ... }, dynamodb: { GetItem: 4 } }`.
 */
async function callsOfOneRotation(name: string): Promise<Record<string, Record<string, number>>> {
  proxy.counts.clear();
  const report = await playRotation(name, { start: rotateSecretStarter(direct, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
  expect(report.steps.at(-1)?.error).toBeUndefined();
  const of = (prefix: string) =>
    Object.fromEntries([...proxy.counts].filter(([operation]) => operation.startsWith(prefix)).map(([operation, n]) => [operation.slice(prefix.length), n]));
  return { secretsmanager: of('secretsmanager.'), dynamodb: of('DynamoDB_20120810.') };
}

/**
 * DynamoDB calls, the same for every strategy: the binding is read once per step (GetItem 4);
 * the rotation ledger records the pending value's hash at createSecret (UpdateItem), is read by
 * setSecret, testSecret and finishSecret (GetItem 3), and stamped by testSecret and finishSecret
 * (UpdateItem 2).
 */
const DYNAMODB_CALLS = { GetItem: 7, UpdateItem: 3 };
/**
 * An alternating-users rotation invalidates the previous user, so createSecret first asks whether
 * consumers still hold it (shared/consumers/gate.ts, policy `warn` by default): the ledger's
 * emergency grant is read (GetItem: an emergency rotation is never held) and the audit table's
 * bySecret index queried once.
 */
const DYNAMODB_CALLS_ALTERNATING = { GetItem: 8, Query: 1, UpdateItem: 3 };

/** Two rotations in a row: the first starts from a value no rotation wrote, the second from one that did. */
async function expectCallsPerRotation(name: string, expected: Record<string, number>, dynamodb: Record<string, number> = DYNAMODB_CALLS): Promise<void> {
  for (let i = 0; i < 2; i += 1) expect(await callsOfOneRotation(name)).toEqual({ secretsmanager: expected, dynamodb });
}

describe('Secrets Manager calls per generated-secret rotation', () => {
  it.each(['password', 'api-key', 'jwt-keyset', 'encryption-keyring'])('%s: 8 (one DescribeSecret per step, current read once, pending once)', async (strategy) => {
    const name = `app/tenant-1/calls-${strategy}`;
    await createSecret(name, { owner: 'team-a' }, { 'keywarden:strategy': strategy });
    await expectCallsPerRotation(name, { DescribeSecret: 4, GetSecretValue: 2, PutSecretValue: 1, UpdateSecretVersionStage: 1 });
  });
});

describe('Secrets Manager calls per database rotation, with and without the keywarden:strategy tag', () => {
  /** A MariaDB user (and a master secret for alternating users); the secret's value. */
  async function mariadbUser(mode: 'single-user' | 'alternating-users'): Promise<object> {
    const s = uniqueSuffix();
    const [user, master] = [`app_${s}`, `kwm_${s}`];
    cleanup.push(() => root.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1', '${user}_clone'@'127.0.0.1', '${master}'@'127.0.0.1'`));
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '127.0.0.1', `Initial-pw-${s}-A1!`]);
    if (mode === 'single-user') return { engine: 'mariadb', host: MARIADB.host, port: MARIADB.port, username: user, password: `Initial-pw-${s}-A1!` };
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [master, '127.0.0.1', `Master-pw-${s}-B2!`]);
    await root.query('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [master, '127.0.0.1']);
    const masterarn = await createSecret(`db/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
    return { engine: 'mariadb', host: MARIADB.host, port: MARIADB.port, username: user, password: `Initial-pw-${s}-A1!`, masterarn };
  }

  /** A Redis ACL user and an admin for its master secret; the secret's value. */
  async function redisUser(): Promise<object> {
    const s = uniqueSuffix();
    const [user, master] = [`app_${s}`, `kwadm_${s}`];
    cleanup.push(() => redis.call('ACL', 'DELUSER', user, master));
    await redis.call('ACL', 'SETUSER', user, 'on', `>Initial-pw-${s}-A1!`, '~app:*', '+ping');
    await redis.call('ACL', 'SETUSER', master, 'on', `>Master-pw-${s}-B2!`, '~*', '&*', '+@all');
    const masterarn = await createSecret(`cache/master-${s}`, { username: master, password: `Master-pw-${s}-B2!` });
    return { engine: 'redis', host: REDIS.host, port: REDIS.port, username: user, password: `Initial-pw-${s}-A1!`, masterarn };
  }

  // Single user: setSecret reads current to log in with it. Alternating users and Redis:
  // setSecret reads the master secret instead.
  const cases = [
    { label: 'mariadb single-user', value: () => mariadbUser('single-user'), strategy: 'mariadb' },
    { label: 'mariadb alternating-users', value: () => mariadbUser('alternating-users'), strategy: 'mariadb', dynamodb: DYNAMODB_CALLS_ALTERNATING },
    { label: 'redis dual-password', value: redisUser, strategy: 'redis' },
  ];
  it.each(cases.flatMap((c) => [{ ...c, tagged: false }, { ...c, tagged: true }]))('$label, tagged $tagged: 10', async ({ value, strategy, tagged, ...c }) => {
    const name = `db/tenant-1/calls-${uniqueSuffix()}`;
    await createSecret(name, await value(), tagged ? { 'keywarden:strategy': strategy } : {});
    await bindSecret(name);
    await expectCallsPerRotation(name, { DescribeSecret: 4, GetSecretValue: 4, PutSecretValue: 1, UpdateSecretVersionStage: 1 }, 'dynamodb' in c ? c.dynamodb : DYNAMODB_CALLS);
  });
});
