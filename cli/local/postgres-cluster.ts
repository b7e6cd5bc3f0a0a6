import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeywardenError } from '../../shared/errors';
import { freePort } from './server';
import { makeLocalCertificates, type LocalCertificates } from './tls-certs';

/**
 * A PostgreSQL cluster of keywarden's own, because the machine's PostgreSQL trusts every local
 * login: scram-sha-256 for TCP and the socket (password_encryption too), on a free loopback port,
 * its data in a temp directory, with TLS from a CA made when it starts. The tests start one per
 * file; `npm run local` keeps one running for the demo until `keywarden local down`.
 */
export interface PostgresCluster {
  host: string;
  port: number;
  superuser: { username: string; password: string };
  certs: LocalCertificates;
  /** Everything the server logged so far (every statement when started with logStatements). */
  log(): string;
  /** Whether the postmaster is up (`pg_ctl status`). */
  running(): boolean;
  stop(): void;
  start(): void;
  /** Turns TLS off or on (a reload; ssl is reloadable). */
  setSsl(on: boolean): void;
  destroy(): void;
  /** What {@link attachPostgresCluster} needs to manage it from another process. */
  record(): PostgresClusterRecord;
}

/** A cluster as a state file records it. Holds the superuser password: keep the file private. */
export interface PostgresClusterRecord {
  dir: string;
  port: number;
  superuserPassword: string;
  certs: LocalCertificates;
}

/** Options for {@link startPostgresCluster}. */
export interface StartPostgresOptions {
  /**
   * log_statement = all, so a test can prove a password never reached the server. Off for the
   * demo, whose setup statements carry its initial passwords.
   */
  logStatements?: boolean;
}

/** The newest Debian PostgreSQL binaries, or a clear error when there are none. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new KeywardenError('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: install them (apt-get install postgresql)');
  }
  return join(root, newest, 'bin');
}

/** Starts a private cluster; call destroy() when done. Takes about two seconds. */
export async function startPostgresCluster(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-pg-'));
  const password = `pg-super-${crypto.randomUUID()}`;
  const port = await freePort();
  const owner = clusterOwner();
  const certs = makeLocalCertificates(dir);
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password, { mode: 0o600 });
  const serverKey = join(dir, 'server-key.pem');
  copyFileSync(certs.keyFile, serverKey);
  chmodSync(serverKey, 0o600);
  if (owner) for (const path of [dir, pwfile, serverKey]) chownSync(path, owner.uid, owner.gid);
  chmodSync(dir, 0o755);
  try {
    pgCommand(dir, 'initdb', ['-D', dataDir(dir), '-U', 'postgres', '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync', '--no-instructions']);
  } finally {
    rmSync(pwfile, { force: true });
  }
  appendFileSync(join(dataDir(dir), 'postgresql.conf'), serverSettings(dir, port, serverKey, certs, options).join('\n'));
  writeFileSync(
    join(dataDir(dir), 'pg_hba.conf'),
    ['local all all scram-sha-256', 'host all all 127.0.0.1/32 scram-sha-256', 'host all all ::1/128 scram-sha-256', ''].join('\n'),
  );
  const cluster = attachPostgresCluster({ dir, port, superuserPassword: password, certs });
  try {
    cluster.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return cluster;
}

/** A handle on a cluster that {@link startPostgresCluster} made, possibly in another process. */
export function attachPostgresCluster(record: PostgresClusterRecord): PostgresCluster {
  const { dir } = record;
  const logFile = join(dir, 'server.log');
  const ctl = (...args: string[]) => pgCommand(dir, 'pg_ctl', ['-D', dataDir(dir), '-l', logFile, '-w', '-t', '30', ...args]);
  const running = () => existsSync(dataDir(dir)) && pgStatus(dir) === 0;
  const cluster: PostgresCluster = {
    host: '127.0.0.1',
    port: record.port,
    superuser: { username: 'postgres', password: record.superuserPassword },
    certs: record.certs,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    running,
    stop: () => {
      if (running()) ctl('stop', '-m', 'fast');
    },
    start: () => {
      if (!running()) ctl('start');
    },
    setSsl: (on) => {
      appendFileSync(join(dataDir(dir), 'postgresql.conf'), `ssl = ${on ? 'on' : 'off'}\n`);
      ctl('reload');
      // The postmaster rereads the file asynchronously after SIGHUP.
      execFileSync('sleep', ['0.5']);
    },
    destroy: () => {
      try {
        cluster.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    record: () => record,
  };
  return cluster;
}

function dataDir(dir: string): string {
  return join(dir, 'data');
}

function serverSettings(dir: string, port: number, serverKey: string, certs: LocalCertificates, options: StartPostgresOptions): string[] {
  return [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    "password_encryption = 'scram-sha-256'",
    'ssl = on',
    `ssl_cert_file = '${certs.certFile}'`,
    `ssl_key_file = '${serverKey}'`,
    `log_statement = '${options.logStatements === false ? 'none' : 'all'}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 60',
    "shared_buffers = '16MB'",
    '',
  ];
}

/** initdb and pg_ctl refuse to run as root; then they run as the machine's postgres user. */
function pgCommand(dir: string, command: string, args: string[]): void {
  const result = spawnSync(...pgArgv(command, args), { encoding: 'utf8', cwd: dir });
  if (result.status !== 0) throw new KeywardenError(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/** `pg_ctl status`'s exit code: 0 running, 3 not running, 4 no data directory. */
function pgStatus(dir: string): number | null {
  return spawnSync(...pgArgv('pg_ctl', ['-D', dataDir(dir), 'status']), { encoding: 'utf8', cwd: dir }).status;
}

function pgArgv(command: string, args: string[]): [string, string[]] {
  const binary = join(postgresBinDir(), command);
  return clusterOwner() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
