import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** A `keywarden` run, with how long the process lived after it printed its last byte. */
export interface TimedRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Milliseconds from the last output (stdout or stderr) to the process's exit. */
  lingerMs: number;
}

/**
 * Runs `node bin/keywarden.mjs ...args` and measures the time from its last output to its exit:
 * a handle left open (a kept-alive socket, a timer, a server) shows up as seconds here.
 */
export function runKeywardenTimed(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'keywarden.mjs'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lastOutput = Date.now();
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      lastOutput = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      lastOutput = Date.now();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      const exitedAt = Date.now();
      clearTimeout(timer);
      // Output still in the pipes arrives after 'exit'; it is not the process lingering.
      child.once('close', () => resolve({ code: code ?? 1, stdout, stderr, lingerMs: Math.max(0, exitedAt - lastOutput) }));
    });
  });
}
