import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { runKeywarden } from '../support/run-cli';

const sm = new SecretsManagerClient({});

describe('keywarden doctor', () => {
  it('finds a stuck rotation, repairs it with --fix without touching AWSCURRENT, then reports health', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'app/tenant-1/stuck', SecretString: '{"password":"initial-Password-1"}', Tags: [{ Key: 'keywarden:strategy', Value: 'password' }] }));
    const current = Object.entries((await sm.send(new DescribeSecretCommand({ SecretId: 'app/tenant-1/stuck' }))).VersionIdsToStages!).find(([, s]) => s.includes('AWSCURRENT'))![0];
    await rotateSecretStarter(sm, 30)('app/tenant-1/stuck', '77777777-2222-4333-8444-555555555555');

    const found = await runKeywarden(['doctor']);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/stuck-rotation\s+app\/tenant-1\/stuck: version 77777777-2222-4333-8444-555555555555 is AWSPENDING but not AWSCURRENT/);

    const fixed = await runKeywarden(['--json', 'doctor', '--fix']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout).problems).toEqual([expect.objectContaining({ kind: 'stuck-rotation', fixed: true })]);
    const stages = (await sm.send(new DescribeSecretCommand({ SecretId: 'app/tenant-1/stuck' }))).VersionIdsToStages!;
    expect(stages[current]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');

    const healthy = await runKeywarden(['doctor']);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/no rotation problems found/);
  });
});
