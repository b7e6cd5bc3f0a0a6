import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { runKeywarden } from '../support/run-cli';

// `keywarden rotate` as on-call runs it, against the test run's local AWS (AWS_ENDPOINT_URL is
// set by the global setup, so the command plays Secrets Manager's part with the built bundle).
const sm = new SecretsManagerClient({});

async function createSecret(name: string, value: object, strategy: string): Promise<void> {
  await sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify(value),
      Tags: [
        { Key: 'keywarden:strategy', Value: strategy },
        { Key: 'keywarden:stage', Value: 'ci' },
      ],
    }),
  );
}

describe('keywarden rotate', () => {
  it('rotates through the built bundle, reports each step, and prints no secret', async () => {
    const canary = `CANARY-${crypto.randomUUID()}`;
    await createSecret('app/tenant-1/cli-key', { apiKey: canary, note: canary }, 'api-key');

    const off = await runKeywarden(['rotate', 'app/tenant-1/cli-key']);
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/rotation is not enabled for app\/tenant-1\/cli-key: pass --every/);

    const run = await runKeywarden(['--json', 'rotate', 'app/tenant-1/cli-key', '--every', '30']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim());
    expect(report).toMatchObject({ secretId: 'app/tenant-1/cli-key', ok: true });
    expect(report.steps.map((s: { step: string }) => s.step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);

    const current = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'app/tenant-1/cli-key' }))).SecretString!);
    expect(current.apiKey).toMatch(/^kw_/);
    const printed = run.stdout + run.stderr + off.stdout + off.stderr;
    expect(printed).not.toContain(canary);
    expect(printed).not.toContain(current.apiKey);
  });

  it('names the failing step, exits 1, and resumes the same rotation once the secret is fixed', async () => {
    await createSecret('app/tenant-1/cli-broken', { password: 12345 }, 'password');
    const failed = await runKeywarden(['rotate', 'app/tenant-1/cli-broken', '--every', '7']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/rotation of app\/tenant-1\/cli-broken failed at createSecret: SecretFormatError/);
    expect(failed.stdout).toMatch(/AWSCURRENT is unchanged/);
  });

  it('exits 3 for a secret that does not exist', async () => {
    const missing = await runKeywarden(['rotate', 'app/tenant-1/nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no secret app\/tenant-1\/nope/);
  });

  it('refuses a bad --every with exit 2', async () => {
    const bad = await runKeywarden(['rotate', 'app/tenant-1/x', '--every', '5000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--every takes whole days from 1 to 1000/);
  });
});
