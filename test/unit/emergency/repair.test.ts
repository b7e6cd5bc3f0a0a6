import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { inProcessSteps } from '../../../shared/emergency/rotation-runner';
import { repairStuckRotation } from '../../../shared/emergency/repair';
import { SecretTestFailedError } from '../../../shared/errors';
import type { StepInvoker } from '../../../shared/rotation/driver';
import type { RotationStep } from '../../../shared/rotation/request';
import { rotationStrategies } from '../../../shared/rotation/strategies';
import type { RotationStrategy } from '../../../shared/rotation/strategy';
import { AWSCURRENT } from '../../../shared/secrets-store';
import { MemoryStore } from '../../support/memory-store';

const NAME = 'db/app';

/**
 * A single-user database in miniature: one account, one password, changed by logging in with the
 * current one, as the single-user strategies do. `down` makes every login fail.
 */
class SingleUserDatabase {
  password = 'initial';
  down = false;

  login(password: string): boolean {
    return !this.down && password === this.password;
  }

  readonly strategy: RotationStrategy = {
    name: 'test-single-user',
    create: async () => JSON.stringify({ password: `pw-${crypto.randomUUID()}` }),
    set: async (ctx) => {
      const pending = await passwordOf(ctx.pending());
      if (this.login(pending)) return;
      if (!this.login(await passwordOf(ctx.current()))) throw new Error('login refused');
      this.password = pending;
    },
    test: async (ctx) => {
      if (!this.login(await passwordOf(ctx.pending()))) throw new SecretTestFailedError('the pending password does not log in');
    },
    revoke: async () => ({ revoked: false, detail: 'nothing to revoke' }),
  };
}

const passwordOf = async (value: Promise<string>) => (JSON.parse(await value) as { password: string }).password;

describe('repairing a stuck rotation', () => {
  let store: MemoryStore;
  let db: SingleUserDatabase;
  let steps: StepInvoker;

  beforeEach(() => {
    store = new MemoryStore();
    db = new SingleUserDatabase();
    store.create(NAME, JSON.stringify({ password: 'initial' }), { 'keywarden:strategy': 'test-single-user' });
    steps = inProcessSteps({ store, clock: fixedClock('2026-11-20T12:00:00Z'), strategies: { ...rotationStrategies, 'test-single-user': db.strategy } });
  });

  /** A rotation that ran up to (not including) `stopBefore`, as a failed or timed-out step leaves it. */
  async function stuckBefore(stopBefore: RotationStep): Promise<string> {
    const token = store.startRotation(NAME);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      if (step === stopBefore) break;
      await steps({ Step: step, SecretId: NAME, ClientRequestToken: token });
    }
    return token;
  }

  const currentLogsIn = async () => db.login(await passwordOf(Promise.resolve(store.valueOf(NAME, AWSCURRENT)!)));

  it('finishes a rotation stuck after setSecret, so AWSCURRENT logs in again', async () => {
    const token = await stuckBefore('testSecret');
    expect(await currentLogsIn()).toBe(false);

    const outcome = await repairStuckRotation(store, await store.describe(NAME), steps);

    expect(outcome).toEqual({ versionId: token, resumed: true, detail: `finished the stuck rotation: version ${token} is AWSCURRENT` });
    expect(store.labels(NAME)[token]).toContain(AWSCURRENT);
    expect(await currentLogsIn()).toBe(true);
  });

  it('removes the label when the rotation cannot be finished, naming the step and its error', async () => {
    const token = await stuckBefore('testSecret');
    db.down = true;

    const outcome = await repairStuckRotation(store, await store.describe(NAME), steps);

    expect(outcome).toMatchObject({ versionId: token, resumed: false });
    expect(outcome!.detail).toBe(
      `removed AWSPENDING from abandoned version ${token} (it could not be finished: setSecret failed: Error: login refused); AWSCURRENT is unchanged`,
    );
    expect(store.labels(NAME)[token]).toEqual([]);
    expect(store.valueOf(NAME, AWSCURRENT)).toBe(JSON.stringify({ password: 'initial' }));
  });

  it('discards a version that never got a value: testSecret refuses it, so it never becomes AWSCURRENT', async () => {
    // The password strategy's setSecret does nothing, so testSecret is what stops an empty version.
    store.create('app/password', JSON.stringify({ password: 'initial-Password-1' }), { 'keywarden:strategy': 'password' });
    const token = store.startRotation('app/password');
    const outcome = await repairStuckRotation(store, await store.describe('app/password'), steps);
    expect(outcome!.resumed).toBe(false);
    expect(outcome!.detail).toMatch(/\(it could not be finished: testSecret failed: \w+: .*has no value yet/);
    expect(store.labels('app/password')[token]).toEqual([]);
    expect(store.valueOf('app/password', AWSCURRENT)).toBe(JSON.stringify({ password: 'initial-Password-1' }));
  });

  it('counts a finishSecret that failed after moving AWSCURRENT as finished, and removes nothing', async () => {
    const token = await stuckBefore('finishSecret');
    const timesOutAfterFinishing: StepInvoker = async (event) => {
      await steps(event);
      if (event.Step === 'finishSecret') throw new Error('Task timed out after 60.00 seconds');
    };

    const outcome = await repairStuckRotation(store, await store.describe(NAME), timesOutAfterFinishing);

    expect(outcome).toMatchObject({ versionId: token, resumed: true, detail: expect.stringContaining('finishSecret failed: Error: Task timed out') });
    expect(store.labels(NAME)[token]).toContain(AWSCURRENT);
    expect(await currentLogsIn()).toBe(true);
  });

  it('without a rotate function, removes the label as before', async () => {
    const token = await stuckBefore('testSecret');
    const outcome = await repairStuckRotation(store, await store.describe(NAME));
    expect(outcome).toMatchObject({ versionId: token, resumed: false, detail: expect.stringContaining('no rotate function to finish it') });
    expect(store.labels(NAME)[token]).toEqual([]);
  });

  it('does nothing when no rotation is stuck', async () => {
    const calls: string[] = [];
    expect(await repairStuckRotation(store, await store.describe(NAME), async (event) => void calls.push(event.Step))).toBeUndefined();
    expect(calls).toEqual([]);
  });
});
