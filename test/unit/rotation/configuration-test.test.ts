import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { SecretTestFailedError } from '../../../shared/errors';
import { runRotationStep, type RotationDeps } from '../../../shared/rotation/contract';
import type { RotationStep } from '../../../shared/rotation/request';
import { generatedStrategies } from '../../../shared/rotation/strategies';
import type { RotationStrategy } from '../../../shared/rotation/strategy';
import { AWSCURRENT, AWSPENDING } from '../../../shared/secrets-store';
import { MemoryStore } from '../../support/memory-store';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';
import { MemoryBindings } from '../../support/memory-bindings';

const NAME = 'db/tenant-1/app';
const CURRENT = JSON.stringify({ username: 'app', password: 'initial-password' });

/** A login-like strategy: test logs in with the pending password against a server that knows `accepted`. */
function loginStrategy(accepted: Set<string>): RotationStrategy & { actedOn: string[] } {
  const actedOn: string[] = [];
  return {
    name: 'login',
    actedOn,
    create: async (ctx) => JSON.stringify({ ...JSON.parse(await ctx.current()), password: `pw-${crypto.randomUUID()}` }),
    set: async (ctx) => void actedOn.push(`set ${JSON.parse(await ctx.pending()).password}`),
    test: async (ctx) => {
      const password = JSON.parse(await ctx.pending()).password as string;
      actedOn.push(`test ${password}`);
      if (!accepted.has(password)) throw new SecretTestFailedError(`secret ${ctx.name}: the server rejects the pending password`);
    },
    revoke: async () => ({ revoked: false, detail: 'nothing' }),
  };
}

/** What RotateSecret(RotateImmediately=false) leaves before it invokes testSecret: an AWSPENDING copy of AWSCURRENT. */
async function stageServiceTest(store: MemoryStore, name: string, value = store.valueOf(name, AWSCURRENT)!): Promise<string> {
  const token = store.startRotation(name);
  await store.putPendingValue(name, token, value);
  return token;
}

describe("RotateImmediately=false: the service's testSecret on a copy of AWSCURRENT", () => {
  let store: MemoryStore;
  let ledger: MemoryRotationLedger;
  let server: Set<string>;
  let strategy: ReturnType<typeof loginStrategy>;
  let deps: RotationDeps;
  const run = (step: RotationStep, token: string) => runRotationStep({ step, secretId: NAME, token }, deps);
  const arn = async () => (await store.describe(NAME)).arn;

  beforeEach(() => {
    store = new MemoryStore();
    ledger = new MemoryRotationLedger();
    server = new Set(['initial-password']);
    strategy = loginStrategy(server);
    deps = { store, clock: fixedClock('2026-12-01T00:00:00Z'), strategies: { login: strategy, ...generatedStrategies }, ledger, bindings: new MemoryBindings() };
    store.create(NAME, CURRENT, { 'keywarden:strategy': 'login' });
  });

  it('tests the current credential read-only and passes, writing nothing to the ledger or the secret', async () => {
    const before = store.labels(NAME);
    const token = await stageServiceTest(store, NAME);
    expect(await run('testSecret', token)).toMatchObject({ result: 'configuration-tested', strategy: 'login' });
    expect(strategy.actedOn).toEqual(['test initial-password']);
    expect(await ledger.pendingRecord(await arn(), token)).toBeUndefined();
    expect(store.valueOf(NAME, AWSCURRENT)).toBe(CURRENT);
    expect(store.labels(NAME)).toEqual({ ...before, [token]: [AWSPENDING] });
  });

  it('fails when the current credential no longer logs in, changing nothing', async () => {
    server.clear();
    const token = await stageServiceTest(store, NAME);
    await expect(run('testSecret', token)).rejects.toThrow(SecretTestFailedError);
    expect(store.valueOf(NAME, AWSCURRENT)).toBe(CURRENT);
  });

  it.each(Object.keys(generatedStrategies))('%s: passes on a fresh secret, a createSecret that stores nothing', async (name) => {
    const secret = `app/tenant-1/${name}`;
    store.create(secret, '{}', { 'keywarden:strategy': name });
    const versionsBefore = Object.keys(store.labels(secret)).length;
    const token = await stageServiceTest(store, secret);
    expect(await runRotationStep({ step: 'testSecret', secretId: secret, token }, deps)).toMatchObject({ result: 'configuration-tested', strategy: name });
    expect(store.valueOf(secret, AWSCURRENT)).toBe('{}');
    expect(Object.keys(store.labels(secret))).toHaveLength(versionsBefore + 1);
    expect(await ledger.pendingRecord((await store.describe(secret)).arn, token)).toBeUndefined();
  });

  it('a generated secret whose current value cannot rotate fails the test (SecretTestFailedError), naming no value', async () => {
    store.create('app/tenant-1/pw', JSON.stringify({ password: 42 }), { 'keywarden:strategy': 'password' });
    const token = await stageServiceTest(store, 'app/tenant-1/pw');
    await expect(runRotationStep({ step: 'testSecret', secretId: 'app/tenant-1/pw', token }, deps)).rejects.toThrow(SecretTestFailedError);
  });

  it('attack: a planted copy of the current value gains nothing -> testSecret tests current only, setSecret and finishSecret refused, nothing changes', async () => {
    const planted = await stageServiceTest(store, NAME);
    await expect(run('setSecret', planted)).rejects.toMatchObject({ name: 'RotationRefusedError', rule: 'rotation.untrusted-pending' });
    expect(await run('testSecret', planted)).toMatchObject({ result: 'configuration-tested' });
    await expect(run('finishSecret', planted)).rejects.toMatchObject({ name: 'RotationRefusedError', rule: 'rotation.untrusted-pending' });
    expect(strategy.actedOn).toEqual(['test initial-password']);
    expect(store.valueOf(NAME, AWSCURRENT)).toBe(CURRENT);
    expect(await ledger.pendingRecord(await arn(), planted)).toBeUndefined();
  });

  it('attack: a planted value one byte away from current (a trailing space) is still refused at testSecret', async () => {
    const planted = await stageServiceTest(store, NAME, `${CURRENT} `);
    await expect(run('testSecret', planted)).rejects.toMatchObject({ name: 'RotationRefusedError', rule: 'rotation.untrusted-pending' });
    expect(strategy.actedOn).toEqual([]);
  });

  it('attack: a planted new password with the current username is refused, the server never sees it', async () => {
    const planted = await stageServiceTest(store, NAME, JSON.stringify({ username: 'app', password: 'attacker' }));
    await expect(run('testSecret', planted)).rejects.toMatchObject({ rule: 'rotation.untrusted-pending' });
    expect(strategy.actedOn).toEqual([]);
  });

  it('attack: createSecret run on a planted copy of current records only its own value, so testSecret then refuses the copy', async () => {
    const planted = await stageServiceTest(store, NAME);
    await expect(run('createSecret', planted)).rejects.toMatchObject({ rule: 'rotation.untrusted-pending' });
    await expect(run('testSecret', planted)).rejects.toMatchObject({ rule: 'rotation.untrusted-pending' });
    await expect(run('finishSecret', planted)).rejects.toMatchObject({ rule: 'rotation.untrusted-pending' });
    expect(store.valueOf(NAME, AWSCURRENT)).toBe(CURRENT);
  });

  it('a normal rotation still tests its pending value, not current', async () => {
    const token = store.startRotation(NAME);
    await run('createSecret', token);
    const pending = JSON.parse(store.valueOf(NAME, AWSPENDING)!).password as string;
    server.add(pending);
    await run('setSecret', token);
    expect(await run('testSecret', token)).toMatchObject({ result: 'done' });
    expect(strategy.actedOn).toEqual([`set ${pending}`, `test ${pending}`]);
  });
});
