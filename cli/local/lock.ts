import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeywardenError } from '../../shared/errors';

/**
 * Runs `fn` while holding a lock directory, so two processes (a developer's `local up` and a test
 * run, say) never build the same venv or package the same template at once. A lock whose owner
 * process is gone is taken over.
 */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const deadline = Date.now() + timeoutMs;
  mkdirSync(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!ownerAlive(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new KeywardenError(`timed out after ${timeoutMs} ms waiting for ${lockDir}; remove it if no keywarden process is running`);
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function ownerAlive(lockDir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
  } catch {
    // No pid yet: being created right now, unless its creator died before writing it.
    try {
      return Date.now() - statSync(lockDir).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  return processAlive(pid);
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, then SIGKILL when the process outlives `graceMs`. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < deadline) await sleep(100);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Whether `pid` runs a command `test` recognises by its arguments (through /proc, where there is
 * one; elsewhere assumed): a recycled pid from a stale state file must not be signalled.
 */
export function runsCommand(pid: number, test: (args: string[]) => boolean): boolean {
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
  } catch {
    return false;
  }
}
