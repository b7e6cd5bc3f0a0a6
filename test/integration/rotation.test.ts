import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { invokeBundle } from '../../cli/bundles';
import { playRotation, type RotationEvent } from '../../shared/rotation/driver';
import { ROTATION_STEPS } from '../../shared/rotation/request';
import { rotateSecretStarter } from '../../shared/aws/rotation-requests';
import { captureOutput } from '../support/capture-output';

const sm = new SecretsManagerClient({});
const invoke = async (event: RotationEvent) => {
  await invokeBundle('rotate', event);
};

async function createSecret(name: string, value: object, strategy: string, tags: Record<string, string> = {}) {
  const all = { 'keywarden:strategy': strategy, 'keywarden:stage': 'ci', ...tags };
  await sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify(value),
      Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

async function valueAt(name: string, stage = 'AWSCURRENT'): Promise<Record<string, unknown>> {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }));
  return JSON.parse(out.SecretString!);
}

async function labels(name: string): Promise<Record<string, string[]>> {
  return (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
}

const rotate = (name: string, token?: string) =>
  playRotation(name, { start: rotateSecretStarter(sm, 30), invoke, token });

const initialValues: Record<string, object> = {
  password: { username: 'svc_billing', password: 'initial-Password-123456', host: 'db.internal' },
  'api-key': { service: 'billing', owner: 'team-payments' },
  'jwt-keyset': { issuer: 'https://auth.example.test' },
  'encryption-keyring': { purpose: 'pii-at-rest' },
};

describe('rotation through the built bundle against the local AWS', () => {
  it.each(Object.keys(initialValues))('rotates a %s secret end to end, keeping fields it does not own', async (strategy) => {
    const name = `app/tenant-1/${strategy}`;
    await createSecret(name, initialValues[strategy]!, strategy);
    const before = await valueAt(name);

    const first = await rotate(name);
    expect(first).toMatchObject({ ok: true });
    const second = await rotate(name);
    expect(second).toMatchObject({ ok: true });

    const after = await valueAt(name);
    expect(after).not.toEqual(before);
    for (const [field, value] of Object.entries(initialValues[strategy]!)) {
      if (field !== 'password') expect(after[field]).toEqual(value);
    }
    const stages = await labels(name);
    expect(stages[second.token]).toContain('AWSCURRENT');
    expect(stages[first.token]).toEqual(['AWSPREVIOUS']);
    for (const s of Object.values(stages)) if (s.includes('AWSPENDING')) expect(s).toContain('AWSCURRENT');
  });

  it('gives the same result when every step is invoked twice', async () => {
    const name = 'app/tenant-1/twice';
    await createSecret(name, { password: 'initial-Password-123456' }, 'password');
    const report = await playRotation(name, {
      start: rotateSecretStarter(sm, 30),
      invoke: async (event) => {
        await invoke(event);
        await invoke(event);
      },
    });
    expect(report.ok).toBe(true);
    const pendingAndCurrent = await valueAt(name);
    expect(pendingAndCurrent.password).not.toBe('initial-Password-123456');
    expect((await labels(name))[report.token]).toContain('AWSCURRENT');
  });

  it('stops at a failing step like the service, leaves the old value current, and resumes on retry', async () => {
    const name = 'app/tenant-1/midway';
    await createSecret(name, { password: 'initial-Password-123456' }, 'password');
    let failTest = true;
    const report = await playRotation(name, {
      start: rotateSecretStarter(sm, 30),
      invoke: async (event) => {
        if (event.Step === 'testSecret' && failTest) throw new Error('simulated timeout talking to the target');
        await invoke(event);
      },
    });
    expect(report).toMatchObject({ ok: false, failedStep: 'testSecret' });
    expect(report.steps.map((s) => s.step)).toEqual(['createSecret', 'setSecret', 'testSecret']);
    expect((await valueAt(name)).password).toBe('initial-Password-123456');
    const pending = await valueAt(name, 'AWSPENDING');

    failTest = false;
    for (const step of ROTATION_STEPS) await invoke({ Step: step, SecretId: name, ClientRequestToken: report.token });
    expect(await valueAt(name)).toEqual(pending);
  });

  it('refuses a token that is not a version of the secret, and one that is stale', async () => {
    const name = 'app/tenant-1/tokens';
    await createSecret(name, { password: 'initial-Password-123456' }, 'password');
    const first = await rotate(name);
    await rotate(name);
    const before = await labels(name);
    await expect(
      invoke({ Step: 'createSecret', SecretId: name, ClientRequestToken: '11111111-2222-4333-8444-555555555555' }),
    ).rejects.toThrow(/is not a version of secret app\/tenant-1\/tokens/);
    await expect(invoke({ Step: 'finishSecret', SecretId: name, ClientRequestToken: first.token })).rejects.toThrow(
      /is not AWSPENDING \(its labels: AWSPREVIOUS\)/,
    );
    expect(await labels(name)).toEqual(before);
  });

  it('refuses every step when rotation is disabled, changing nothing', async () => {
    const name = 'app/tenant-1/disabled';
    await createSecret(name, { password: 'initial-Password-123456' }, 'password');
    const token = '99999999-2222-4333-8444-555555555555';
    await rotateSecretStarter(sm, 30)(name, token);
    await sm.send(new CancelRotateSecretCommand({ SecretId: name }));
    const before = await labels(name);
    for (const step of ROTATION_STEPS) {
      await expect(invoke({ Step: step, SecretId: name, ClientRequestToken: token })).rejects.toThrow(
        'rotation is not enabled for secret app/tenant-1/disabled',
      );
    }
    expect(await labels(name)).toEqual(before);
  });

  it('refuses bad events, unknown strategies and values that are not JSON, naming the problem', async () => {
    await expect(invoke({ SecretId: 'x', ClientRequestToken: 't' } as unknown as RotationEvent)).rejects.toThrow(
      'rotation event has no Step',
    );
    await expect(
      invoke({ Step: 'rotateSecret', SecretId: 'x', ClientRequestToken: 't' } as unknown as RotationEvent),
    ).rejects.toThrow(/unknown rotation step "rotateSecret"/);

    await createSecret('app/tenant-1/pigeon', { a: 1 }, 'carrier-pigeon');
    const pigeon = await playRotation('app/tenant-1/pigeon', { start: rotateSecretStarter(sm, 30), invoke });
    expect(pigeon).toMatchObject({ ok: false, failedStep: 'createSecret' });
    expect(pigeon.steps[0]!.error).toMatch(/unknown strategy "carrier-pigeon"/);

    await sm.send(
      new CreateSecretCommand({
        Name: 'app/tenant-1/plain',
        SecretString: 'CANARY-plain-text-secret-value',
        Tags: [{ Key: 'keywarden:strategy', Value: 'password' }],
      }),
    );
    const plain = await playRotation('app/tenant-1/plain', { start: rotateSecretStarter(sm, 30), invoke });
    expect(plain).toMatchObject({ ok: false, failedStep: 'createSecret' });
    expect(plain.steps[0]!.error).toMatch(/SecretFormatError/);
    expect(plain.steps[0]!.error).not.toContain('CANARY');
  });

  it('never prints a secret value: a canary planted in every field stays out of the output', async () => {
    const canary = `CANARY-${crypto.randomUUID()}`;
    const names = Object.keys(initialValues).map((strategy) => `app/tenant-1/canary-${strategy}`);
    const { printed, error } = await captureOutput(async () => {
      for (const [i, strategy] of Object.keys(initialValues).entries()) {
        await createSecret(names[i]!, { ...initialValues[strategy], note: canary, password: canary }, strategy);
        const ok = await rotate(names[i]!);
        expect(ok.ok).toBe(true);
      }
      await createSecret('app/tenant-1/canary-broken', { note: canary, password: 3 }, 'password');
      await rotate('app/tenant-1/canary-broken');
    });
    expect(error).toBeUndefined();
    expect(printed).toContain('rotation step finished');
    expect(printed).toContain('rotate function failed');
    expect(printed).not.toContain(canary);
    for (const name of names) {
      const current = await sm.send(new GetSecretValueCommand({ SecretId: name }));
      for (const fragment of Object.values(JSON.parse(current.SecretString!)).map(String)) {
        if (fragment.length >= 12) expect(printed).not.toContain(fragment);
      }
    }
  });
});
