import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeywardenError } from '../../shared/errors';
import { tail } from './exec';
import { processAlive, runsCommand, terminate } from './lock';
import { localDir, PACKAGED_TEMPLATE, PROJECT_ROOT } from './paths';

/**
 * The runner's process: `keywarden local up` starts it detached (`keywarden local run`, which
 * also works in the foreground), so it outlives the command, as moto does; `local down` stops it.
 * It records itself in `runner.json` once its pollers and schedules are running.
 */

/** `runner.json`: the runner that is up. */
export interface RunnerState {
  pid: number;
  stage: string;
  startedAt: string;
  /** The `--retry-after` it was started with; absent: the queues' visibility timeouts. */
  retryAfterSeconds?: number;
}

export function runnerStateFile(): string {
  return join(localDir(), 'runner.json');
}

/** Where the runner's own output goes before it takes its output over (a crash at start). */
export function runnerLogFile(): string {
  return join(localDir(), 'runner.log');
}

export function readRunnerState(): RunnerState | undefined {
  try {
    return JSON.parse(readFileSync(runnerStateFile(), 'utf8')) as RunnerState;
  } catch {
    return undefined;
  }
}

export function writeRunnerState(state: RunnerState): void {
  mkdirSync(localDir(), { recursive: true });
  writeFileSync(runnerStateFile(), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeRunnerState(pid: number): void {
  if (readRunnerState()?.pid === pid) rmSync(runnerStateFile(), { force: true });
}

/** The recorded runner, when its process is alive and is ours. */
export function runnerStatus(): { running: boolean; state?: RunnerState } {
  const state = readRunnerState();
  if (!state) return { running: false };
  return { running: processAlive(state.pid) && isOurRunner(state.pid), state };
}

/**
 * Starts the runner for `stage` unless one runs for it with the same settings and code already
 * (one for another stage, with other settings, or older than a bundle or the packaged template,
 * as a deployment replaces a function's code, is stopped first). Waits until it has recorded itself.
 */
export async function ensureRunner(stage: string, retryAfterSeconds?: number): Promise<{ state: RunnerState; started: boolean }> {
  const { running, state } = runnerStatus();
  if (running && state && state.stage === stage && state.retryAfterSeconds === retryAfterSeconds && !codeChangedSince(state.startedAt)) return { state, started: false };
  await stopRunner();
  mkdirSync(localDir(), { recursive: true });
  const log = openSync(runnerLogFile(), 'a');
  const args = [join(PROJECT_ROOT, 'bin', 'keywarden.mjs'), 'local', 'run', '--stage', stage];
  if (retryAfterSeconds !== undefined) args.push('--retry-after', String(retryAfterSeconds));
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, detached: true, stdio: ['ignore', log, log], env: process.env });
  closeSync(log);
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 60_000;
  while (exited === undefined && Date.now() < deadline) {
    const recorded = readRunnerState();
    if (recorded && recorded.pid === child.pid) return { state: recorded, started: true };
    await sleep(100);
  }
  if (exited === undefined) child.kill('SIGKILL');
  throw new KeywardenError(`the runner (event source mappings and schedules) did not start; its log (${runnerLogFile()}):\n${logTail()}`);
}

/** Whether a built bundle or the packaged template is newer than `startedAt`. */
function codeChangedSince(startedAt: string): boolean {
  const since = Date.parse(startedAt);
  const functionsDir = join(PROJECT_ROOT, 'dist', 'functions');
  const files = [PACKAGED_TEMPLATE, ...(existsSync(functionsDir) ? readdirSync(functionsDir).map((name) => join(functionsDir, name, 'index.mjs')) : [])];
  return files.some((file) => existsSync(file) && statSync(file).mtimeMs > since);
}

/** Stops the recorded runner (SIGTERM: it finishes the batch under way), if it runs. */
export async function stopRunner(graceMs = 30_000): Promise<RunnerState | undefined> {
  const { running, state } = runnerStatus();
  if (!state) return undefined;
  if (running) await terminate(state.pid, graceMs);
  rmSync(runnerStateFile(), { force: true });
  return running ? state : undefined;
}

/** Whether `pid` runs `keywarden local run` (a recycled pid from a stale runner.json must not be signalled). */
function isOurRunner(pid: number): boolean {
  return runsCommand(pid, (args) => args.some((arg) => arg.endsWith('keywarden.mjs')) && args.includes('local') && args.includes('run'));
}

function logTail(): string {
  try {
    return tail(readFileSync(runnerLogFile(), 'utf8'), 15);
  } catch {
    return '(no log)';
  }
}
