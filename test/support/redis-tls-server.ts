import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../cli/local/postgres-cluster';
import { makeTestCertificates, type TestCertificates } from '../../cli/local/tls-certs';

/** A private Redis that speaks only TLS, with a CA made at test time; for TLS verification tests. */
export interface RedisTlsServer {
  port: number;
  certs: TestCertificates;
  stop(): Promise<void>;
}

/** Starts `redis-server` with TLS on a free port (no plaintext port); stop() ends that process. */
export async function startRedisTlsServer(): Promise<RedisTlsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-redis-tls-'));
  const certs = makeTestCertificates(dir);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.certFile, '--tls-key-file', certs.keyFile,
      '--tls-ca-cert-file', certs.caFile, '--tls-auth-clients', 'no', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  return {
    port,
    certs,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server with TLS did not listen on ${port}`);
}
