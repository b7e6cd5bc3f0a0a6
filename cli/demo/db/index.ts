import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ensureLocalPostgres, stopLocalPostgres } from '../../local/postgres';
import { replaceDemoSecret } from '../seed';
import { allBound, bindDemoSecrets } from './bind';
import { credentialLogsIn, readVersion } from './login';
import { mariadbDemo, removeMariadbDemo } from './mariadb';
import { postgresDemo } from './postgres';
import { rabbitmqDemo, removeRabbitmqDemo } from './rabbitmq';
import { redisDemo, removeRedisDemo } from './redis';
import type { DemoDatabase, SkippedDatabase } from './types';

export type { DemoDatabase, SkippedDatabase } from './types';

/** The databases the demo rotates credentials in, ready, with their secrets in the local AWS. */
export interface DemoDatabases {
  databases: DemoDatabase[];
  skipped: SkippedDatabase[];
  /** Secrets (re)created this run, because they were missing or no longer logged in. */
  seeded: string[];
  close(): Promise<void>;
}

/**
 * Starts (or finds) the local PostgreSQL cluster and uses the machine's MariaDB, Redis and
 * RabbitMQ (its management API) where they answer. A database whose demo secrets all exist and still log in is kept as it is, so a
 * second run rotates the same credentials again; otherwise its demo users are created afresh and
 * its secrets replaced.
 */
export async function prepareDemoDatabases(client: SecretsManagerClient, stage: string, progress: (message: string) => void): Promise<DemoDatabases> {
  const { cluster } = await ensureLocalPostgres(progress);
  const databases = [await postgresDemo(cluster)];
  const skipped: SkippedDatabase[] = [];
  const optional = [['MariaDB', mariadbDemo], ['Redis', redisDemo], ['RabbitMQ', () => rabbitmqDemo(stage)]] as const;
  for (const [label, open] of optional) {
    try {
      databases.push(await open());
    } catch (error) {
      skipped.push({ label, reason: (error as Error).message });
      progress(`${label} is not usable here, so the demo goes on without it: ${(error as Error).message}`);
    }
  }
  const seeded: string[] = [];
  try {
    for (const database of databases) seeded.push(...(await seedUnlessWorking(client, stage, database, progress)));
  } catch (error) {
    await closeAll(databases);
    throw error;
  }
  return { databases, skipped, seeded, close: () => closeAll(databases) };
}

async function seedUnlessWorking(client: SecretsManagerClient, stage: string, database: DemoDatabase, progress: (message: string) => void): Promise<string[]> {
  if ((await allLogIn(client, database.secretNames)) && (await allBound(client, stage, database.rotated))) return [];
  progress(`creating the demo users in ${database.label} (${database.where}), their secrets and bindings`);
  const secrets = await database.reset();
  for (const secret of secrets) await replaceDemoSecret(client, secret, stage);
  await bindDemoSecrets(client, stage, secrets);
  return secrets.map((s) => s.name);
}

async function allLogIn(client: SecretsManagerClient, names: readonly string[]): Promise<boolean> {
  for (const name of names) {
    const version = await readVersion(client, name);
    // A cluster started anew answers on another port, so "does not connect" also means reseed.
    const works = version ? await credentialLogsIn(version).catch(() => false) : false;
    if (!works) return false;
  }
  return true;
}

async function closeAll(databases: DemoDatabase[]): Promise<void> {
  await Promise.all(databases.map((d) => d.close().catch(() => undefined)));
}

/**
 * Undoes what the demo left on this machine's databases: stops and deletes the local PostgreSQL
 * cluster, and removes the demo users (and database) from MariaDB, Redis and RabbitMQ when they answer.
 * Returns a line per thing removed.
 */
export async function removeDemoDatabases(): Promise<string[]> {
  const removed: string[] = [];
  const postgres = stopLocalPostgres();
  if (postgres.stopped) removed.push(`stopped and deleted the local PostgreSQL cluster (port ${postgres.port})`);
  if (await removeMariadbDemo()) removed.push('removed the demo users and database from MariaDB');
  if (await removeRedisDemo()) removed.push('removed the demo users from Redis');
  if (await removeRabbitmqDemo()) removed.push('removed the demo users from RabbitMQ');
  return removed;
}
