import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../shared/errors';
import { ensureVenv } from '../../../../cli/local/venv';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-venv-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A stand-in python3 that reports a version and fails `-m venv` the way Debian's does without python3-venv. */
function fakePython(dir: string, version: string): string {
  const path = join(dir, 'python3');
  writeFileSync(
    path,
    `#!/bin/sh
if [ "$1" = "-c" ]; then echo "${version}"; exit 0; fi
echo "The virtual environment was not created successfully because ensurepip is not available." >&2
exit 1
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('ensureVenv', () => {
  it('says what to install when python3 is missing, without a stack trace', async () => {
    const error = await ensureVenv({ dir: join(tempDir(), 'venv'), python3: '/nonexistent/python3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/not found.*apt-get install python3 python3-venv/s);
  });

  it('says to install python3-venv when the venv module or ensurepip is missing', async () => {
    const dir = tempDir();
    const error = await ensureVenv({ dir: join(dir, 'venv'), python3: fakePython(dir, '3.11.7') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/apt-get install python3-venv/);
    expect((error as Error).message).toMatch(/ensurepip/);
  });

  it('refuses a Python older than moto supports', async () => {
    const dir = tempDir();
    const error = await ensureVenv({ dir: join(dir, 'venv'), python3: fakePython(dir, '3.7.3') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/3\.7\.3.*3\.9 or newer/s);
  });
});
