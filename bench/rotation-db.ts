import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createConnection } from 'mysql2/promise';
import { join } from 'node:path';
import pg from 'pg';
import Redis from 'ioredis';
import { invokeBundle } from '../cli/bundles';
import { localEnv } from '../cli/local/env';
import { startServer, stopServer } from '../cli/local/server';
import { ensureVenv } from '../cli/local/venv';
import { DynamoDbBindingStore } from '../shared/aws/dynamodb-binding-store';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { rotateSecretStarter } from '../shared/aws/rotation-requests';
import { bindingFromCurrent } from '../shared/rotation/binding-proposal';
import { bindingsTableName } from '../shared/rotation/settings';
import { playRotation } from '../shared/rotation/driver';
import { startPostgresCluster, type PostgresCluster } from '../cli/local/postgres-cluster';
import { startCountingProxy } from './counting-proxy';
import { callsByService, createStageResources } from './stage';
import { median } from './stats';

const ROTATIONS = 20;
/** The bindings table of the bench's own local AWS, written directly (not through the proxy). */
let benchBindings: DynamoDbBindingStore | undefined;
const CALL_TARGET = 10;

/** One engine and strategy to measure: makes its users and secret, returns the secret's name. */
interface Case {
  label: string;
  setup(sm: SecretsManagerClient, suffix: string, tags: Record<string, string>): Promise<string>;
  cleanup(suffix: string): Promise<void>;
}

/**
 * Full database rotations through the built rotate bundle against the local AWS and the real
 * servers: wall time (median of 20) split into time on Secrets Manager calls, measured at the
 * counting proxy, and the rest (the database work and the function itself), and the Secrets
 * Manager calls per rotation counted on the wire.
 */
export async function printDatabaseRotationFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-db-moto.log'), detached: false });
  const proxy = await startCountingProxy(moto.endpoint);
  const cluster = await startPostgresCluster();
  const previousEnv = { ...process.env };
  try {
    await createStageResources(moto.endpoint);
    benchBindings = new DynamoDbBindingStore(new DynamoDBClient({ endpoint: moto.endpoint }), bindingsTableName('ci'));
    Object.assign(process.env, localEnv(proxy.endpoint));
    const direct = new SecretsManagerClient({ endpoint: moto.endpoint });
    console.log(`\n== database rotations (median of ${ROTATIONS}; Secrets Manager calls per rotation, target <= ${CALL_TARGET}; the official templates make about 14)`);
    // Untagged, the contract finds the strategy in the "engine" field of the values the steps
    // read anyway; the keywarden:strategy tag names it without reading any.
    const variants = [
      { suffix: '', tags: (_engine: string): Record<string, string> => ({}) },
      { suffix: ' +tag', tags: (engine: string): Record<string, string> => ({ 'keywarden:strategy': engine }) },
    ];
    for (const [testCase, variant] of (await casesFor(cluster)).flatMap((c) => variants.map((v) => [c, v] as const))) {
      const suffix = crypto.randomUUID().replace(/-/g, '').slice(0, 8);
      const label = `${testCase.label}${variant.suffix}`;
      let name: string;
      try {
        name = await testCase.setup(direct, suffix, variant.tags(testCase.label.split(' ')[0]!));
      } catch (error) {
        console.log(`${label.padEnd(32)} skipped: ${(error as Error).message}`);
        continue;
      }
      try {
        await rotateOnce(name, direct); // warm the bundle and the driver
        proxy.counts.clear();
        const wall: number[] = [];
        const onCalls: number[] = [];
        for (let i = 0; i < ROTATIONS; i += 1) {
          const busyBefore = proxy.busyMs();
          wall.push(await rotateOnce(name, direct));
          onCalls.push(proxy.busyMs() - busyBefore);
        }
        const { secretsManager: calls, dynamoDb } = callsByService(proxy.counts, ROTATIONS);
        const total = calls.reduce((sum, [, n]) => sum + n, 0);
        const rest = wall.map((ms, i) => ms - onCalls[i]!);
        console.log(
          `${label.padEnd(32)} ${median(wall).toFixed(1)} ms per rotation = Secrets Manager ${median(onCalls).toFixed(1)} ms ` +
            `+ database and function ${median(rest).toFixed(1)} ms; ${total} calls (${calls.map(([op, n]) => `${op} ${n}`).join(', ')}); ` +
            `DynamoDB (binding and ledger) ${dynamoDb.map(([op, n]) => `${op} ${n}`).join(', ')}`,
        );
      } finally {
        await testCase.cleanup(suffix).catch(() => undefined);
      }
    }
  } finally {
    process.env = previousEnv;
    cluster.destroy();
    await proxy.close();
    await stopServer(moto.pid);
  }
}

async function rotateOnce(name: string, direct: SecretsManagerClient): Promise<number> {
  const began = performance.now();
  const report = await playRotation(name, { start: rotateSecretStarter(direct, 30), invoke: async (event) => void (await invokeBundle('rotate', event)) });
  if (!report.ok) throw new Error(`rotation of ${name} failed at ${report.failedStep}: ${report.steps.at(-1)?.error}`);
  return performance.now() - began;
}

/**
 * Creates a secret; a database one is bound from its value, as `keywarden bind --from-current
 * --yes` binds it (plaintext: the bench's servers are loopback ones without TLS).
 */
async function secret(sm: SecretsManagerClient, name: string, value: Record<string, unknown>, tags: Record<string, string> = {}): Promise<string> {
  const all = { 'keywarden:stage': 'ci', ...tags };
  const Tags = Object.entries(all).map(([Key, Value]) => ({ Key, Value }));
  const arn = (await sm.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value), Tags }))).ARN!;
  if (typeof value.engine === 'string') {
    const masterArn = typeof value.masterarn === 'string' ? value.masterarn : undefined;
    const binding = bindingFromCurrent({ arn, name, tags: all }, JSON.stringify(value), { masterArn, plaintext: true });
    await benchBindings!.put(binding);
  }
  return arn;
}

async function casesFor(cluster: PostgresCluster): Promise<Case[]> {
  const pgAdmin = async (sql: string) => {
    const client = new pg.Client({ host: cluster.host, port: cluster.port, user: 'postgres', password: cluster.superuser.password, database: 'postgres' });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const mysqlRoot = async (sql: string, values: unknown[] = []) => {
    const connection = await createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
    try {
      await connection.query(sql, values);
    } finally {
      await connection.end();
    }
  };
  const redis = async (...args: string[]) => {
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      await client.call(args[0]!, ...args.slice(1));
    } finally {
      client.disconnect();
    }
  };
  const pgCase = (mode: 'single-user' | 'alternating-users'): Case => ({
    label: `postgres ${mode}`,
    async setup(sm, s, tags) {
      await pgAdmin(`CREATE ROLE app_${s} LOGIN PASSWORD 'Initial-${s}-A1!'`);
      await pgAdmin(`CREATE ROLE kwm_${s} LOGIN CREATEROLE PASSWORD 'Master-${s}-B2!'`);
      const masterarn = mode === 'alternating-users' ? await secret(sm, `bench/m-${s}`, { username: `kwm_${s}`, password: `Master-${s}-B2!` }) : undefined;
      return secret(sm, `bench/db-${s}`, { engine: 'postgres', host: '127.0.0.1', port: cluster.port, username: `app_${s}`, password: `Initial-${s}-A1!`, dbname: 'postgres', masterarn }, tags);
    },
    async cleanup(s) {
      for (const role of [`app_${s}_clone`, `app_${s}`, `kwm_${s}`]) await pgAdmin(`DROP ROLE IF EXISTS ${role}`);
    },
  });
  const mysqlCase = (mode: 'single-user' | 'alternating-users'): Case => ({
    label: `mariadb ${mode}`,
    async setup(sm, s, tags) {
      await mysqlRoot('CREATE USER ?@? IDENTIFIED BY ?', [`app_${s}`, '127.0.0.1', `Initial-${s}-A1!`]);
      await mysqlRoot('CREATE USER ?@? IDENTIFIED BY ?', [`kwm_${s}`, '127.0.0.1', `Master-${s}-B2!`]);
      await mysqlRoot('GRANT ALL PRIVILEGES ON *.* TO ?@? WITH GRANT OPTION', [`kwm_${s}`, '127.0.0.1']);
      const masterarn = mode === 'alternating-users' ? await secret(sm, `bench/m-${s}`, { username: `kwm_${s}`, password: `Master-${s}-B2!` }) : undefined;
      return secret(sm, `bench/db-${s}`, { engine: 'mariadb', host: '127.0.0.1', port: 3306, username: `app_${s}`, password: `Initial-${s}-A1!`, masterarn }, tags);
    },
    async cleanup(s) {
      await mysqlRoot(`DROP USER IF EXISTS 'app_${s}'@'127.0.0.1', 'app_${s}_clone'@'127.0.0.1', 'kwm_${s}'@'127.0.0.1'`);
    },
  });
  const redisCase: Case = {
    label: 'redis dual-password',
    async setup(sm, s, tags) {
      await redis('ACL', 'SETUSER', `app_${s}`, 'on', `>Initial-${s}-A1!`, '~app:*', '+ping');
      await redis('ACL', 'SETUSER', `kwadm_${s}`, 'on', `>Master-${s}-B2!`, '~*', '&*', '+@all');
      const masterarn = await secret(sm, `bench/m-${s}`, { username: `kwadm_${s}`, password: `Master-${s}-B2!` });
      return secret(sm, `bench/cache-${s}`, { engine: 'redis', host: '127.0.0.1', port: 6379, username: `app_${s}`, password: `Initial-${s}-A1!`, masterarn }, tags);
    },
    async cleanup(s) {
      await redis('ACL', 'DELUSER', `app_${s}`, `kwadm_${s}`);
    },
  };
  return [pgCase('single-user'), pgCase('alternating-users'), mysqlCase('single-user'), mysqlCase('alternating-users'), redisCase];
}
