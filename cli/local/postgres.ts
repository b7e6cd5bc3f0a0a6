import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localDir } from './paths';
import { attachPostgresCluster, startPostgresCluster, type PostgresCluster, type PostgresClusterRecord } from './postgres-cluster';

/**
 * The local PostgreSQL that `npm run local` rotates passwords in: one cluster, started on first
 * use and kept running (like the local AWS) until `keywarden local down`. Its record, with the
 * superuser password, is in `<local dir>/postgres.json`, readable by its owner only.
 */
export function postgresStateFile(): string {
  return join(localDir(), 'postgres.json');
}

/** The recorded cluster if it is still running; otherwise a new one (the old one's files removed). */
export async function ensureLocalPostgres(onProgress?: (message: string) => void): Promise<{ cluster: PostgresCluster; started: boolean }> {
  const recorded = readRecord();
  if (recorded) {
    const cluster = attachPostgresCluster(recorded);
    if (cluster.running()) return { cluster, started: false };
    cluster.destroy();
  }
  onProgress?.('starting a PostgreSQL cluster (scram-sha-256, TLS)');
  const cluster = await startPostgresCluster({ logStatements: false });
  mkdirSync(localDir(), { recursive: true });
  writeFileSync(postgresStateFile(), JSON.stringify(cluster.record(), null, 2), { mode: 0o600 });
  return { cluster, started: true };
}

/** Stops the recorded cluster and removes its files and record. */
export function stopLocalPostgres(): { stopped: boolean; port?: number } {
  const recorded = readRecord();
  if (!recorded) return { stopped: false };
  attachPostgresCluster(recorded).destroy();
  rmSync(postgresStateFile(), { force: true });
  return { stopped: true, port: recorded.port };
}

/** Whether the recorded cluster runs, and on which port. */
export function localPostgresStatus(): { running: boolean; port?: number } {
  const recorded = readRecord();
  if (!recorded) return { running: false };
  return { running: attachPostgresCluster(recorded).running(), port: recorded.port };
}

function readRecord(): PostgresClusterRecord | undefined {
  const file = postgresStateFile();
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as PostgresClusterRecord;
}
