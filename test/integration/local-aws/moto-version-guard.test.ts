import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { MOTO_LAUNCHER } from '../../../cli/local/paths';
import { startServer } from '../../../cli/local/server';
import { ensureVenv, MOTO_REQUIREMENT } from '../../../cli/local/venv';

// The launcher's version guard (cli/local/moto_patches/version.py): moto's patches are written
// against one moto version, so the local AWS refuses to start on any other, saying which is
// installed, which is pinned and how to fix it. The other moto is real package metadata: a
// folder on PYTHONPATH holding a moto-5.1.0.dist-info, which Python finds before the venv's.
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const PINNED = MOTO_REQUIREMENT.split('==')[1]!;

function pythonPathWithMoto(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kw-moto-guard-'));
  dirs.push(dir);
  mkdirSync(join(dir, `moto-${version}.dist-info`));
  writeFileSync(join(dir, `moto-${version}.dist-info`, 'METADATA'), `Metadata-Version: 2.1\nName: moto\nVersion: ${version}\n`);
  return dir;
}

async function launch(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const venv = await ensureVenv();
  try {
    await promisify(execFile)(venv.python, [MOTO_LAUNCHER, '--help'], { env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('moto version guard (cli/local/moto_patches/version.py)', () => {
  it('pins the one requirement venv.ts installs, from cli/local/moto-requirement.txt', () => {
    expect(readFileSync(join(MOTO_LAUNCHER, '..', 'moto-requirement.txt'), 'utf8').trim()).toBe(MOTO_REQUIREMENT);
    expect(PINNED).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('starts on the pinned moto (the venv\'s)', async () => {
    const { code, stderr } = await launch({});
    expect(stderr).not.toContain('keywarden:');
    expect(code).toBe(0);
  });

  it('refuses another moto version, naming both versions and how to re-create the venv', async () => {
    const { code, stderr } = await launch({ PYTHONPATH: pythonPathWithMoto('5.1.0') });
    expect(code).toBe(1);
    expect(stderr).toContain('moto 5.1.0 is installed in');
    expect(stderr).toContain(`written for moto ${PINNED} only`);
    expect(stderr).toMatch(/Re-create the venv: delete \S+ and run `keywarden local up` again, which installs moto\[server\]==/);
  });

  it('refuses a moto whose internals the patches cannot even import, before importing them (the refusal, not a traceback)', async () => {
    const dir = pythonPathWithMoto('4.0.0');
    // A moto package with none of the modules the patches read: importing any patch would fail.
    mkdirSync(join(dir, 'moto'));
    writeFileSync(join(dir, 'moto', '__init__.py'), '');
    const { code, stderr } = await launch({ PYTHONPATH: dir });
    expect(code).toBe(1);
    expect(stderr).toContain('moto 4.0.0 is installed in');
    expect(stderr).not.toContain('Traceback');
  });

  it('surfaces the refusal through startServer, as `keywarden local up` and the test setup report it', async () => {
    const venv = await ensureVenv();
    const dir = pythonPathWithMoto('9.9.9');
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = dir;
    try {
      const error = await startServer({ python: venv.python, logFile: join(dir, 'moto.log'), detached: false, readyTimeoutMs: 30_000 }).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/moto exited with code 1[\s\S]*moto 9\.9\.9 is installed in[\s\S]*written for moto \d/);
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
  });
});
