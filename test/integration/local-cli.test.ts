import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `keywarden local up/status/env/down` as a person runs them, against a moto of their own whose
// state lives in a temporary KEYWARDEN_LOCAL_DIR (never a developer's instance).
const ROOT = join(import.meta.dirname, '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'keywarden-local-cli-'));
const env: NodeJS.ProcessEnv = { ...process.env, KEYWARDEN_LOCAL_DIR: stateDir };
delete env.AWS_ENDPOINT_URL;

async function keywarden(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'keywarden.mjs'), ...args], { cwd: ROOT, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

afterAll(async () => {
  await keywarden('local', 'down');
  rmSync(stateDir, { recursive: true, force: true });
});

describe('keywarden local', () => {
  it('up, status, env, down, with the exit codes the help promises', { timeout: 180_000 }, async () => {
    const before = await keywarden('local', 'status');
    expect(before.code).toBe(3);
    expect(before.stdout).toMatch(/not running/);
    expect((await keywarden('local', 'env')).code).toBe(3);

    const up = await keywarden('--json', 'local', 'up', '--stage', 'ci');
    expect(up.code, up.stderr).toBe(0);
    const upRecord = JSON.parse(up.stdout.trim().split('\n').at(-1)!) as { endpoint: string; started: boolean; env: Record<string, string> };
    expect(upRecord.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(upRecord.started).toBe(true);
    expect(upRecord.env.AWS_ENDPOINT_URL).toBe(upRecord.endpoint);

    const again = await keywarden('--json', 'local', 'up', '--stage', 'ci');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1)!)).toMatchObject({ endpoint: upRecord.endpoint, started: false });

    const status = await keywarden('local', 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, endpoint: upRecord.endpoint, stage: 'ci', counts: expect.any(Object) });

    const text = await keywarden('local', 'env');
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      `export AWS_ENDPOINT_URL=${upRecord.endpoint}`,
      'export AWS_REGION=us-east-1',
      'export AWS_DEFAULT_REGION=us-east-1',
      expect.stringMatching(/^export AWS_ACCESS_KEY_ID=\S+$/),
      expect.stringMatching(/^export AWS_SECRET_ACCESS_KEY=\S+$/),
    ]);
    const json = await keywarden('local', 'env', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ AWS_ENDPOINT_URL: upRecord.endpoint, AWS_REGION: 'us-east-1' });

    const down = await keywarden('local', 'down');
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/stopped/);
    expect((await keywarden('local', 'status')).code).toBe(3);
    expect((await keywarden('local', 'down')).stdout).toMatch(/not running/);
  });

  it('answers bad usage with exit code 2', async () => {
    const result = await keywarden('local', 'no-such-command');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command/);
  });
});
