import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeywardenError } from '../../shared/errors';
import { tail } from './exec';
import { processAlive, runsCommand, terminate } from './lock';
import { localDir, MOTO_LAUNCHER, PROJECT_ROOT } from './paths';

/** The loopback address moto listens on; never anything reachable from outside. */
export const HOST = '127.0.0.1';

/** A running local AWS, as `state.json` records it. */
export interface ServerState {
  pid: number;
  port: number;
  /** `http://127.0.0.1:<port>`: the AWS_ENDPOINT_URL for every AWS tool. */
  endpoint: string;
  /** The stage whose resources were created in it, once they were. */
  stage?: string;
  startedAt: string;
  logFile: string;
}

/** Where `keywarden local up` records its instance. */
export function stateFile(): string {
  return join(localDir(), 'state.json');
}

/** A port that is free on the loopback address right now (the OS picks it for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new KeywardenError('could not pick a free port'))));
    });
  });
}

/** Options for {@link startServer}. */
export interface StartOptions {
  /** The venv's python, from `ensureVenv()`. */
  python: string;
  /** Where moto's output goes (appended). */
  logFile: string;
  /**
   * Detach moto from this process so it outlives it (`local up`); false ties it to this process
   * group, so Ctrl-C on a test run stops it too.
   */
  detached: boolean;
  /** How long to wait for moto to answer; default 60 s (a cold start on 2 cores takes ~3 s). */
  readyTimeoutMs?: number;
}

/**
 * Starts moto (through the fidelity launcher) on a free loopback port and waits until it answers.
 * Retries with another port if one was taken in the moment between picking and binding it.
 *
 * @throws KeywardenError with the tail of moto's log when it exits or never answers.
 */
export async function startServer(options: StartOptions): Promise<ServerState> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://${HOST}:${port}`;
    const log = openSync(options.logFile, 'a');
    const child = spawn(options.python, [MOTO_LAUNCHER, '--host', HOST, '--port', String(port)], {
      cwd: PROJECT_ROOT,
      detached: options.detached,
      stdio: ['ignore', log, log],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    closeSync(log);
    if (options.detached) child.unref();
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code ?? -1));
    child.once('error', (error) => {
      lastError = error;
      exited = -1;
    });
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    while (exited === undefined && Date.now() < deadline) {
      if (await isReady(endpoint)) {
        if (!child.pid) break;
        return { pid: child.pid, port, endpoint, startedAt: new Date().toISOString(), logFile: options.logFile };
      }
      await sleep(100);
    }
    if (exited === undefined) {
      child.kill('SIGKILL');
      throw new KeywardenError(`moto did not answer on ${endpoint} within ${options.readyTimeoutMs ?? 60_000} ms; its log (${options.logFile}):\n${logTail(options.logFile)}`);
    }
    lastError ??= new KeywardenError(`moto exited with code ${exited}; its log (${options.logFile}):\n${logTail(options.logFile)}`);
    if (!logTail(options.logFile).includes('Address already in use')) break;
  }
  throw lastError instanceof KeywardenError ? lastError : new KeywardenError(`could not start moto with ${options.python}`, { cause: lastError });
}

/** Whether a moto server answers at `endpoint` (its small `GET /moto-api/config`). */
export async function isReady(endpoint: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/config`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Forgets every resource in the moto at `endpoint` (all services, all regions). */
export async function resetServer(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  if (!response.ok) throw new KeywardenError(`resetting moto at ${endpoint} failed: HTTP ${response.status}`);
}

/**
 * Stops the moto with this pid: SIGTERM, then SIGKILL after `graceMs`. Does nothing when the
 * process is gone, and refuses to signal a process that is not our moto launcher (a recycled pid
 * from a stale state file).
 */
export async function stopServer(pid: number, graceMs = 5_000): Promise<void> {
  if (!processAlive(pid) || !runsCommand(pid, (args) => args.some((arg) => arg.includes('moto_server.py')))) return;
  await terminate(pid, graceMs);
}

/** The recorded instance, or undefined when there is none. */
export function readState(file: string = stateFile()): ServerState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}

/** Records the instance. */
export function writeState(state: ServerState, file: string = stateFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** Forgets the recorded instance. */
export function removeState(file: string = stateFile()): void {
  rmSync(file, { force: true });
}

/** Whether the recorded instance is up: its process lives and it answers. */
export async function serverStatus(file: string = stateFile()): Promise<{ running: boolean; state?: ServerState }> {
  const state = readState(file);
  if (!state) return { running: false };
  const running = processAlive(state.pid) && (await isReady(state.endpoint));
  return { running, state };
}

function logTail(logFile: string): string {
  try {
    return tail(readFileSync(logFile, 'utf8'), 15);
  } catch {
    return '(no log)';
  }
}
