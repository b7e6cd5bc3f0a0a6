import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines } from '../support/capture-output';
import { createSecret as createCiSecret } from '../support/db-rotation';
import { runKeywarden } from '../support/run-cli';

// `keywarden rotate --schedule/--window/--no-rotate-immediately` and `keywarden stale` on the
// schedules it set, against the test run's local AWS and the built rotate bundle.
const sm = new SecretsManagerClient({});
const DAY_MS = 86_400_000;

/** A generated secret of `strategy`, tagged for the ci stage (test/support/db-rotation.ts). */
async function createSecret(name: string, value: object, strategy: string): Promise<void> {
  await createCiSecret(name, value, { 'keywarden:strategy': strategy });
}

async function stale(...args: string[]): Promise<Array<Record<string, unknown>>> {
  const run = await runKeywarden(['--json', 'stale', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return jsonLines(run.stdout).filter((line) => 'name' in line);
}

const entryOf = (lines: Array<Record<string, unknown>>, name: string) => lines.find((line) => line.name === name)!;
const labelsOf = async (name: string) => (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};

describe('keywarden rotate with a schedule', () => {
  it('cron: rotates now, sets ScheduleExpression and Duration; stale shows the next window, and two missed windows as rotation-failing', async () => {
    const name = 'app/tenant-1/weekly';
    await createSecret(name, { apiKey: 'initial' }, 'api-key');
    const run = await runKeywarden(['--json', 'rotate', name, '--schedule', 'cron(0 3 ? * SUN *)', '--window', '3h']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toMatchObject({ ok: true });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.RotationEnabled).toBe(true);
    expect(described.RotationRules).toMatchObject({ ScheduleExpression: 'cron(0 3 ? * SUN *)', Duration: '3h' });

    const now = entryOf(await stale(), name);
    expect(now).toMatchObject({ status: 'ok', rotationSchedule: 'cron(0 3 ? * SUN *)', rotationWindow: '3h' });
    const next = new Date(now.nextRotationDate as string);
    expect(next.getUTCDay()).toBe(0);
    expect(next.getUTCHours()).toBe(3);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(7 * DAY_MS);

    // Three weeks on, with no rotation since: at least two Sunday windows closed without one.
    const later = entryOf(await stale('--as-of', new Date(Date.now() + 21 * DAY_MS).toISOString()), name);
    expect(later.status).toBe('rotation-failing');
    expect(later.rotationFailure).toMatch(/^the last 2 rotation windows of cron\(0 3 \? \* SUN \*\) \(from .*\) closed without a rotation \(last rotated /);
  });

  it('rate with --no-rotate-immediately: testSecret alone on the current value, nothing rotated, no AWSPENDING left; stale counts windows from creation', async () => {
    const name = 'app/tenant-1/every-ten';
    await createSecret(name, { password: 'Initial-password-1234567890' }, 'password');
    const before = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    const run = await runKeywarden(['--json', 'rotate', name, '--schedule', 'rate(10 days)', '--no-rotate-immediately']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim());
    expect(report).toMatchObject({ ok: true, rotateImmediately: false, schedule: 'rate(10 days)' });
    expect(report.steps.map((s: { step: string }) => s.step)).toEqual(['testSecret']);

    const after = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect([after.VersionId, after.SecretString]).toEqual([before.VersionId, before.SecretString]);
    expect(Object.values(await labelsOf(name)).flat()).toEqual(['AWSCURRENT']);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).RotationRules).toEqual({ ScheduleExpression: 'rate(10 days)' });

    expect(entryOf(await stale(), name).status).toBe('ok');
    // Never rotated: windows at creation + 10 and + 20 days have closed by day 25.
    const later = entryOf(await stale('--as-of', new Date(Date.now() + 25 * DAY_MS).toISOString()), name);
    expect(later.status).toBe('rotation-failing');
    expect(later.rotationFailure).toMatch(/rate\(10 days\).*never rotated/);
  });

  it('--no-rotate-immediately on a value the strategy cannot rotate: exit 1, the test version removed, AWSCURRENT unchanged', async () => {
    const name = 'app/tenant-1/broken';
    await createSecret(name, { password: 12345 }, 'password');
    const run = await runKeywarden(['rotate', name, '--schedule', 'cron(0 1 L * ? *)', '--no-rotate-immediately']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/testSecret failed on the current value: SecretTestFailedError/);
    expect(Object.values(await labelsOf(name)).flat()).toEqual(['AWSCURRENT']);
  });

  it('refuses what Secrets Manager refuses, exit 2, naming the problem', async () => {
    await createSecret('app/tenant-1/x', { apiKey: 'k' }, 'api-key');
    const cases: Array<[string[], RegExp]> = [
      [['--schedule', 'cron(30 3 ? * SUN *)'], /Minutes must be 0/],
      [['--schedule', 'rate(2 hours)'], /a rate in hours is 4 to 23 hours/],
      [['--schedule', 'cron(0 22 ? * SUN *)', '--window', '3h'], /reaches into the next UTC day/],
      [['--schedule', 'rate(1 day)', '--window', '30h'], /whole number of hours from 1h to 24h/],
      [['--every', '7', '--schedule', 'rate(7 days)'], /not both/],
      [['--window', '3h'], /--window needs --schedule/],
    ];
    // Each refusal comes before any call that changes the secret, so the runs need not wait for one another.
    const runs = await Promise.all(cases.map(([args]) => runKeywarden(['rotate', 'app/tenant-1/x', ...args])));
    for (const [i, [args, message]] of cases.entries()) {
      expect(runs[i]!.code, args.join(' ')).toBe(2);
      expect(runs[i]!.stderr).toMatch(message);
    }
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'app/tenant-1/x' }))).RotationEnabled).toBeFalsy();
  });

  it('a policy requiring a schedule and a window flags a secret rotating every N days (schedule-policy)', async () => {
    await createSecret('app/tenant-1/days', { apiKey: 'k' }, 'api-key');
    await createSecret('app/tenant-1/scheduled', { apiKey: 'k' }, 'api-key');
    expect((await runKeywarden(['rotate', 'app/tenant-1/days', '--every', '30'])).code).toBe(0);
    expect((await runKeywarden(['rotate', 'app/tenant-1/scheduled', '--schedule', 'rate(30 days)', '--window', '4h'])).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'kw-policies-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ tenants: { 'tenant-1': { requireSchedule: true, requireWindow: true } } }));
    const lines = await stale('--policies', join(dir, 'p.json'));
    expect(entryOf(lines, 'app/tenant-1/days')).toMatchObject({ status: 'schedule-policy' });
    expect(entryOf(lines, 'app/tenant-1/days').schedulePolicy).toMatch(/only AutomaticallyAfterDays 30.*requires a rotation window/);
    expect(entryOf(lines, 'app/tenant-1/scheduled').status).toBe('ok');
  });
});
