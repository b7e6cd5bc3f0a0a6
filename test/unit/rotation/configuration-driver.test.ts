import { describe, expect, it } from 'vitest';
import { playConfigurationTest, type RotationEvent } from '../../../shared/rotation/driver';

describe('playConfigurationTest (the service part of RotateImmediately=false, played locally)', () => {
  const token = '11111111-2222-4333-8444-555555555555';

  it('stages, invokes testSecret alone with the staged token, then removes the test version', async () => {
    const calls: string[] = [];
    const report = await playConfigurationTest('app/tenant-1/x', {
      token,
      start: async (secretId, t) => void calls.push(`start ${secretId} ${t}`),
      invoke: async (event: RotationEvent) => void calls.push(`${event.Step} ${event.ClientRequestToken}`),
      remove: async (secretId, t) => void calls.push(`remove ${secretId} ${t}`),
    });
    expect(calls).toEqual([`start app/tenant-1/x ${token}`, `testSecret ${token}`, `remove app/tenant-1/x ${token}`]);
    expect(report).toMatchObject({ ok: true, token, steps: [{ step: 'testSecret', ok: true }] });
  });

  it('removes the test version when testSecret fails too, and reports the failure', async () => {
    const removed: string[] = [];
    const report = await playConfigurationTest('app/tenant-1/x', {
      token,
      start: async () => undefined,
      invoke: async () => {
        throw Object.assign(new Error('the server rejects the pending password'), { name: 'SecretTestFailedError' });
      },
      remove: async (_secretId, t) => void removed.push(t),
    });
    expect(removed).toEqual([token]);
    expect(report).toMatchObject({ ok: false, failedStep: 'testSecret', steps: [{ ok: false, error: 'SecretTestFailedError: the server rejects the pending password' }] });
  });

  it('removes nothing when RotateSecret itself was refused (nothing was staged)', async () => {
    const removed: string[] = [];
    await expect(
      playConfigurationTest('app/tenant-1/x', {
        start: async () => {
          throw new Error("A previous rotation isn't complete.");
        },
        invoke: async () => undefined,
        remove: async (_secretId, t) => void removed.push(t),
      }),
    ).rejects.toThrow(/previous rotation/);
    expect(removed).toEqual([]);
  });
});
