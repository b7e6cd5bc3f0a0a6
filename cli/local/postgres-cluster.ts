import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificates, type TestCertificates } from './tls-certs';

/**
 * A PostgreSQL cluster of the tests' own, because the machine's PostgreSQL trusts every local
 * login: scram-sha-256 for TCP and the socket (password_encryption too), on a free port, its data
 * in a temp directory, with TLS from a CA made at test time, and every statement logged so a test
 * can prove a password never reached the server.
 */
export interface PostgresCluster {
  host: string;
  port: number;
  superuser: { username: string; password: string };
  certs: TestCertificates;
  /** Everything the server logged so far (log_statement = all). */
  log(): string;
  stop(): void;
  start(): void;
  /** Turns TLS off or on (a reload; ssl is reloadable). */
  setSsl(on: boolean): void;
  destroy(): void;
}

/** The newest Debian PostgreSQL binaries, or a clear error when there are none. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: install them (apt-get install postgresql) for the database rotation tests');
  }
  return join(root, newest, 'bin');
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a private cluster; call destroy() when done. Takes about two seconds. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'kw-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const password = `pg-super-${crypto.randomUUID()}`;
  const port = await freePort();
  // initdb refuses to run as root; the cluster runs as the machine's postgres user then.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? ownerIds('postgres') : undefined;
  const run = (command: string, args: string[]) => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', join(bin, command), ...args] : [join(bin, command), ...args];
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  const certs = makeTestCertificates(dir);
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password);
  const serverKey = join(dir, 'server-key.pem');
  copyFileSync(certs.keyFile, serverKey);
  chmodSync(serverKey, 0o600);
  if (owner) for (const path of [dir, pwfile, serverKey]) chownSync(path, owner.uid, owner.gid);
  chmodSync(dir, 0o755);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-sync', '--no-instructions']);
  rmSync(pwfile);
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "password_encryption = 'scram-sha-256'",
      'ssl = on',
      `ssl_cert_file = '${certs.certFile}'`,
      `ssl_key_file = '${serverKey}'`,
      "log_statement = 'all'",
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 60',
      "shared_buffers = '16MB'",
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(data, 'pg_hba.conf'),
    ['local all all scram-sha-256', 'host all all 127.0.0.1/32 scram-sha-256', 'host all all ::1/128 scram-sha-256', ''].join('\n'),
  );
  const ctl = (...args: string[]) => run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', ...args]);
  ctl('start');
  let running = true;
  const cluster: PostgresCluster = {
    host: '127.0.0.1',
    port,
    superuser: { username: 'postgres', password },
    certs,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: () => {
      if (running) ctl('stop', '-m', 'fast');
      running = false;
    },
    start: () => {
      if (!running) ctl('start');
      running = true;
    },
    setSsl: (on) => {
      appendFileSync(join(data, 'postgresql.conf'), `ssl = ${on ? 'on' : 'off'}\n`);
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
  };
  return cluster;
}

function ownerIds(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
