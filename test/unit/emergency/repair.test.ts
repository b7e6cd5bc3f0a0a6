import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { inProcessSteps } from '../../../shared/emergency/rotation-runner';
import { repairStuckRotation, safeToDiscardAfter } from '../../../shared/emergency/repair';
import { SecretTestFailedError } from '../../../shared/errors';
import type { StepInvoker } from '../../../shared/rotation/driver';
import type { RotationStep } from '../../../shared/rotation/request';
import { rotationStrategies } from '../../../shared/aws/rotation-strategies';
import type { RotationStrategy } from '../../../shared/rotation/strategy';
import { AWSCURRENT } from '../../../shared/secrets-store';
import { MemoryStore } from '../../support/memory-store';
import { MemoryBindings } from '../../support/memory-bindings';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';

const NAME = 'db/app';

/**
 * A single-user database in miniature: one account, one password, changed by logging in with the
 * current one, as the single-user strategies do. `down` makes every login fail.
 */
class SingleUserDatabase {
  password = 'initial';
  down = false;
  /** Accepts a password change and keeps the old password, as MariaDB did with ALTER USER CURRENT_USER(). */
  ignoresChanges = false;

  login(password: string): boolean {
    return !this.down && password === this.password;
  }

  readonly strategy: RotationStrategy = {
    name: 'test-single-user',
    create: async () => JSON.stringify({ password: `pw-${crypto.randomUUID()}` }),
    set: async (ctx) => {
      const pending = await passwordOf(ctx.pending());
      if (this.login(pending)) return;
      if (!this.login(await passwordOf(ctx.current()))) throw new Error('connect ECONNREFUSED');
      if (!this.ignoresChanges) this.password = pending;
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
    steps = inProcessSteps({
      store,
      clock: fixedClock('2026-11-20T12:00:00Z'),
      strategies: { ...rotationStrategies, 'test-single-user': db.strategy },
      ledger: new MemoryRotationLedger(),
      bindings: new MemoryBindings(),
    });
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

    expect(outcome).toEqual({ versionId: token, resumed: true, discarded: false, detail: `finished the stuck rotation: version ${token} is AWSCURRENT` });
    expect(store.labels(NAME)[token]).toContain(AWSCURRENT);
    expect(await currentLogsIn()).toBe(true);
  });

  it('leaves the label when finishing fails for a reason that does not say which password the database runs on', async () => {
    const token = await stuckBefore('testSecret');
    db.down = true;

    const outcome = await repairStuckRotation(store, await store.describe(NAME), steps);

    expect(outcome).toMatchObject({ versionId: token, resumed: false, discarded: false });
    expect(outcome!.detail).toContain(`left AWSPENDING on version ${token}: finishing it failed (setSecret failed: Error: connect ECONNREFUSED)`);
    expect(store.labels(NAME)[token]).toContain('AWSPENDING');

    db.down = false;
    expect(await repairStuckRotation(store, await store.describe(NAME), steps)).toMatchObject({ resumed: true });
    expect(await currentLogsIn()).toBe(true);
  });

  it('removes the label when the pending password demonstrably does not log in, naming the step and its error', async () => {
    db.ignoresChanges = true;
    const token = await stuckBefore('testSecret');

    const outcome = await repairStuckRotation(store, await store.describe(NAME), steps);

    expect(outcome).toMatchObject({ versionId: token, resumed: false, discarded: true });
    expect(outcome!.detail).toBe(
      `removed AWSPENDING from abandoned version ${token} (it could not be finished: testSecret failed: SecretTestFailedError: the pending password does not log in); AWSCURRENT is unchanged`,
    );
    expect(store.labels(NAME)[token]).toEqual([]);
    expect(await currentLogsIn()).toBe(true);
  });

  it('discards a version that never got a value: setSecret refuses it (no value to prove keywarden made), so it never becomes AWSCURRENT', async () => {
    // The password strategy's setSecret reads no value, but its ledger check finds no record and looks: no value at all.
    store.create('app/password', JSON.stringify({ password: 'initial-Password-1' }), { 'keywarden:strategy': 'password' });
    const token = store.startRotation('app/password');
    const outcome = await repairStuckRotation(store, await store.describe('app/password'), steps);
    expect(outcome!.resumed).toBe(false);
    expect(outcome!.detail).toMatch(/\(it could not be finished: setSecret failed: RotationContractError: .*has no value yet/);
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

describe('which failures make discarding a stuck version safe', () => {
  it.each([
    ['SecretTestFailedError: secret db/app: postgres at h:5432 rejects the pending password of app', true],
    ['RotateFunctionError: SecretTestFailedError: secret db/app: redis rejects the pending password', true],
    ['DatabaseError: postgres: logging in as app to h:5432/db failed (authentication, 28P01): password authentication failed', true],
    ['RotateFunctionError: DatabaseError: mysql: changing its own password as app on h:3306 failed (permission, 1227): denied', true],
    ['SecretFormatError: secret db/app: the pending value is not JSON', true],
    ['DatabaseError: postgres: logging in as app to h:5432/db failed (network, ECONNREFUSED): connect ECONNREFUSED', false],
    ['DatabaseError: mysql: logging in as app to h:3306 failed (tls, EPROTO): wrong version number', false],
    ['RotateFunctionError: DatabaseError: postgres: a statement failed (timeout, KW_TIMEOUT): timed out', false],
    ['AccessDeniedException: not authorized to perform lambda:InvokeFunction', false],
    ['Error: Task timed out after 60.00 seconds', false],
  ])('%s -> %s', (error, safe) => {
    expect(safeToDiscardAfter(error)).toBe(safe);
  });
});
