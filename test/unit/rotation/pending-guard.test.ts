import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { RotationRefusedError } from '../../../shared/errors';
import { runRotationStep, type RotationDeps } from '../../../shared/rotation/contract';
import { pendingValueHash } from '../../../shared/rotation/ledger';
import type { RotationStep } from '../../../shared/rotation/request';
import type { RotationStrategy } from '../../../shared/rotation/strategy';
import { AWSCURRENT } from '../../../shared/secrets-store';
import { MemoryStore } from '../../support/memory-store';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';
import { MemoryBindings } from '../../support/memory-bindings';

const NAME = 'db/tenant-1/app';

/** A database-like strategy that records every value it acted on: set and test read pending first, as real ones do. */
function recordingStrategy(): RotationStrategy & { actedOn: string[] } {
  const actedOn: string[] = [];
  return {
    name: 'recording',
    actedOn,
    create: async (ctx) => JSON.stringify({ ...JSON.parse(await ctx.current()), password: `pw-${crypto.randomUUID()}` }),
    set: async (ctx) => void actedOn.push(`set ${JSON.parse(await ctx.pending()).password}`),
    test: async (ctx) => void actedOn.push(`test ${JSON.parse(await ctx.pending()).password}`),
    revoke: async () => ({ revoked: false, detail: 'nothing' }),
  };
}

describe('the pending guard in the rotation contract', () => {
  let store: MemoryStore;
  let ledger: MemoryRotationLedger;
  let strategy: ReturnType<typeof recordingStrategy>;
  let deps: RotationDeps;
  const run = (step: RotationStep, token: string) => runRotationStep({ step, secretId: NAME, token }, deps);
  const arn = async () => (await store.describe(NAME)).arn;

  beforeEach(() => {
    store = new MemoryStore();
    ledger = new MemoryRotationLedger();
    strategy = recordingStrategy();
    deps = { store, clock: fixedClock('2026-12-01T00:00:00Z'), strategies: { recording: strategy }, ledger, bindings: new MemoryBindings() };
    store.create(NAME, JSON.stringify({ username: 'app', password: 'initial' }), { 'keywarden:strategy': 'recording' });
  });

  it('records the hash of exactly the stored value before storing it, and a legitimate rotation finishes', async () => {
    const token = store.startRotation(NAME);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await run(step, token);
    const stored = store.valueOf(NAME, AWSCURRENT)!;
    expect(await ledger.pendingRecord(await arn(), token)).toEqual({ hashes: [pendingValueHash(stored)], testedAt: expect.any(Number), finishedAt: expect.any(Number) });
    expect(strategy.actedOn).toEqual([`set ${JSON.parse(stored).password}`, `test ${JSON.parse(stored).password}`]);
  });

  it('attack: value planted as AWSPENDING with a version of its own -> every step refused, the strategy never sees it', async () => {
    const planted = store.startRotation(NAME);
    await store.putPendingValue(NAME, planted, JSON.stringify({ username: 'app', password: 'attacker' }));
    for (const step of ['setSecret', 'testSecret', 'finishSecret'] as const) {
      await expect(run(step, planted), step).rejects.toMatchObject({ name: 'RotationRefusedError', rule: 'rotation.untrusted-pending' });
    }
    expect(strategy.actedOn).toEqual([]);
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!).password).toBe('initial');
  });

  it("attack: value planted with the rotation's own token before createSecret -> createSecret refuses it, and so does every later step", async () => {
    const token = store.startRotation(NAME);
    await store.putPendingValue(NAME, token, JSON.stringify({ username: 'app', password: 'attacker' }));
    await expect(run('createSecret', token)).rejects.toThrow(/its value is not the one keywarden created for this version.*\(rotation\.untrusted-pending\)$/);
    // createSecret recorded its own value's hash; the planted value still does not match it.
    await expect(run('setSecret', token)).rejects.toThrow(RotationRefusedError);
    await expect(run('testSecret', token)).rejects.toThrow(RotationRefusedError);
    expect(strategy.actedOn).toEqual([]);
  });

  it('a retried createSecret finds its own value and keeps it', async () => {
    const token = store.startRotation(NAME);
    await run('createSecret', token);
    const first = store.valueOf(NAME, 'AWSPENDING');
    expect(await run('createSecret', token)).toMatchObject({ result: 'already-created' });
    expect(store.valueOf(NAME, 'AWSPENDING')).toBe(first);
  });

  it('finishSecret refuses a version testSecret has not passed, moving no label', async () => {
    const token = store.startRotation(NAME);
    await run('createSecret', token);
    await run('setSecret', token);
    const labels = store.labels(NAME);
    await expect(run('finishSecret', token)).rejects.toThrow(/testSecret has not verified and tested its value/);
    expect(store.labels(NAME)).toEqual(labels);
  });

  it('attack: AWSPENDING moved back onto a finished version (replay) -> refused', async () => {
    const token = store.startRotation(NAME);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await run(step, token);
    const next = store.startRotation(NAME);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await run(step, next);
    await store.moveStage(NAME, 'AWSPENDING', { toVersionId: token, fromVersionId: next });
    strategy.actedOn.length = 0;
    await expect(run('setSecret', token)).rejects.toThrow(/keywarden finished this version before/);
    expect(strategy.actedOn).toEqual([]);
  });

  it('a version with no value at all still says so (not "untrusted")', async () => {
    const token = store.startRotation(NAME);
    await expect(run('setSecret', token)).rejects.toThrow(/has no value yet: createSecret has not completed/);
  });
});
