import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { RotationContractError, SecretFormatError, SecretTestFailedError, UnknownStrategyError } from '../../../shared/errors';
import { runRotationStep, type RotationDeps } from '../../../shared/rotation/contract';
import { ROTATION_STEPS, type RotationStep } from '../../../shared/rotation/request';
import type { RotationStrategy } from '../../../shared/rotation/strategy';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../../shared/secrets-store';
import { MemoryStore } from '../../support/memory-store';
import { MemoryBindings } from '../../support/memory-bindings';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';

/** A strategy that counts: each rotation stores the next number, keeping other fields. */
function countingStrategy(): RotationStrategy & { sets: number; failTest: boolean } {
  const strategy = {
    name: 'counting',
    sets: 0,
    failTest: false,
    async create(ctx) {
      const current = JSON.parse(await ctx.current());
      return JSON.stringify({ ...current, n: current.n + 1 });
    },
    async set() {
      strategy.sets += 1;
    },
    async test(ctx) {
      if (strategy.failTest) throw new SecretTestFailedError('pending value rejected');
      JSON.parse(await ctx.pending());
    },
    async revoke() {
      return { revoked: false, detail: 'nothing to revoke' };
    },
  } satisfies RotationStrategy & { sets: number; failTest: boolean };
  return strategy;
}

const NAME = 'app/tenant-1/counter';

describe('rotation contract', () => {
  let store: MemoryStore;
  let strategy: ReturnType<typeof countingStrategy>;
  let deps: RotationDeps;

  beforeEach(() => {
    store = new MemoryStore();
    strategy = countingStrategy();
    deps = { store, clock: fixedClock('2026-11-23T00:00:00Z'), strategies: { counting: strategy }, ledger: new MemoryRotationLedger(), bindings: new MemoryBindings() };
    store.create(NAME, JSON.stringify({ n: 1, owner: 'team-a' }), { 'keywarden:strategy': 'counting' });
  });

  const run = (step: RotationStep | string, token: string) =>
    runRotationStep({ step: step as RotationStep, secretId: NAME, token }, deps);

  async function rotate(token: string): Promise<void> {
    for (const step of ROTATION_STEPS) await run(step, token);
  }

  it('moves AWSCURRENT to the new value and AWSPREVIOUS to the old, keeping other fields', async () => {
    const oldId = Object.keys(store.labels(NAME))[0]!;
    const token = store.startRotation(NAME);
    await rotate(token);
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!)).toEqual({ n: 2, owner: 'team-a' });
    expect(store.labels(NAME)[token]).toEqual(expect.arrayContaining([AWSCURRENT]));
    expect(store.labels(NAME)[oldId]).toEqual([AWSPREVIOUS]);
  });

  it('leaves no AWSPENDING label on a version that is not AWSCURRENT', async () => {
    await rotate(store.startRotation(NAME));
    await rotate(store.startRotation(NAME));
    for (const stages of Object.values(store.labels(NAME))) {
      if (stages.includes(AWSPENDING)) expect(stages).toContain(AWSCURRENT);
    }
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!).n).toBe(3);
  });

  it('makes eight Secrets Manager calls for a full rotation', async () => {
    await rotate(store.startRotation(NAME));
    expect(store.calls).toHaveLength(8);
  });

  it('gives the same end state when every step runs twice', async () => {
    const token = store.startRotation(NAME);
    for (const step of ROTATION_STEPS) {
      const first = await run(step, token);
      const second = await run(step, token);
      expect(first.result).toBe('done');
      expect(second.result).toBe(step === 'createSecret' ? 'already-created' : step === 'finishSecret' ? 'skipped' : 'done');
    }
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!).n).toBe(2);
  });

  it('keeps the first pending value when createSecret runs again', async () => {
    const token = store.startRotation(NAME);
    await run('createSecret', token);
    const pending = store.valueOf(NAME, AWSPENDING);
    await run('createSecret', token);
    expect(store.valueOf(NAME, AWSPENDING)).toBe(pending);
  });

  it('accepts the snake_case spelling of each step', async () => {
    const token = store.startRotation(NAME);
    for (const step of ['create_secret', 'set_secret', 'test_secret', 'finish_secret']) {
      const { parseRotationEvent } = await import('../../../shared/rotation/request');
      await runRotationStep(parseRotationEvent({ Step: step, SecretId: NAME, ClientRequestToken: token }), deps);
    }
    expect(store.labels(NAME)[token]).toContain(AWSCURRENT);
  });

  it('returns at once, touching nothing, when the token is already AWSCURRENT', async () => {
    const token = store.startRotation(NAME);
    await rotate(token);
    store.calls.length = 0;
    for (const step of ROTATION_STEPS) expect((await run(step, token)).result).toBe('skipped');
    expect(store.calls.every((call) => call === 'DescribeSecret')).toBe(true);
    expect(strategy.sets).toBe(1);
  });

  it.each(ROTATION_STEPS)('refuses %s when rotation is disabled, changing nothing', async (step) => {
    const token = store.startRotation(NAME);
    store.setRotationEnabled(NAME, false);
    const before = store.labels(NAME);
    await expect(run(step, token)).rejects.toThrow(new RotationContractError(`rotation is not enabled for secret ${NAME}`));
    expect(store.labels(NAME)).toEqual(before);
  });

  it.each(ROTATION_STEPS)('refuses %s for a token that is not a version of the secret', async (step) => {
    store.startRotation(NAME);
    await expect(run(step, 'not-a-version-of-this-secret-000000000')).rejects.toThrow(/is not a version of secret/);
  });

  it.each(ROTATION_STEPS)('refuses %s for a token whose version is no longer AWSPENDING', async (step) => {
    const first = store.startRotation(NAME);
    await rotate(first);
    await rotate(store.startRotation(NAME));
    const fresh = store.startRotation(NAME);
    const before = store.labels(NAME);
    await expect(run(step, first)).rejects.toThrow(/is not AWSPENDING \(its labels: AWSPREVIOUS\)/);
    expect(store.labels(NAME)).toEqual(before);
    expect(store.labels(NAME)[fresh]).toEqual([AWSPENDING]);
  });

  it.each(ROTATION_STEPS)('refuses %s for an abandoned token that a newer rotation unlabelled', async (step) => {
    const abandoned = store.startRotation(NAME);
    await run('createSecret', abandoned);
    store.startRotation(NAME);
    await expect(run(step, abandoned)).rejects.toThrow(/is not a version of secret .* or has no staging label/);
  });

  it('refuses testSecret before createSecret stored a value', async () => {
    const token = store.startRotation(NAME);
    await expect(run('testSecret', token)).rejects.toThrow(/has no value yet: createSecret has not completed/);
  });

  it('leaves AWSCURRENT where it was when testSecret fails, and completes on retry', async () => {
    const token = store.startRotation(NAME);
    await run('createSecret', token);
    await run('setSecret', token);
    strategy.failTest = true;
    await expect(run('testSecret', token)).rejects.toBeInstanceOf(SecretTestFailedError);
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!).n).toBe(1);
    strategy.failTest = false;
    await run('testSecret', token);
    await run('finishSecret', token);
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!).n).toBe(2);
  });

  it('recovers when the store fails midway through finishSecret', async () => {
    const token = store.startRotation(NAME);
    for (const step of ROTATION_STEPS.slice(0, 3)) await run(step, token);
    store.failNext = { operation: 'UpdateSecretVersionStage', error: new Error('throttled') };
    await expect(run('finishSecret', token)).rejects.toThrow('throttled');
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!).n).toBe(1);
    await run('finishSecret', token);
    expect(JSON.parse(store.valueOf(NAME, AWSCURRENT)!).n).toBe(2);
  });

  it('chooses the strategy by the engine field when there is no tag', async () => {
    store.create('db/tenant-1/main', JSON.stringify({ engine: 'counting', n: 5 }));
    const token = store.startRotation('db/tenant-1/main');
    const outcome = await runRotationStep({ step: 'createSecret', secretId: 'db/tenant-1/main', token }, deps);
    expect(outcome.strategy).toBe('counting');
  });

  it('reads the engine from the value each step loads anyway, and not in finishSecret: nine calls for an untagged secret', async () => {
    store.create('db/tenant-1/untagged', JSON.stringify({ engine: 'counting', n: 1 }));
    const token = store.startRotation('db/tenant-1/untagged');
    store.calls.length = 0;
    const outcomes = [];
    for (const step of ROTATION_STEPS) outcomes.push(await runRotationStep({ step, secretId: 'db/tenant-1/untagged', token }, deps));
    expect(store.calls.filter((c) => c === 'GetSecretValue')).toHaveLength(3);
    expect(store.calls).toHaveLength(9);
    expect(outcomes.map((outcome) => outcome.strategy)).toEqual(['counting', 'counting', 'counting', undefined]);
    expect(JSON.parse(store.valueOf('db/tenant-1/untagged', AWSCURRENT)!).n).toBe(2);
  });

  it('finds the strategy of an untagged secret in finishSecret when a strategy has a finish hook, and runs it', async () => {
    const finished: string[] = [];
    deps.strategies = { counting: { ...strategy, finish: async (ctx) => void finished.push(ctx.token) } };
    store.create('db/tenant-1/hooked', JSON.stringify({ engine: 'counting', n: 1 }));
    const token = store.startRotation('db/tenant-1/hooked');
    for (const step of ROTATION_STEPS.slice(0, 3)) await runRotationStep({ step, secretId: 'db/tenant-1/hooked', token }, deps);
    store.calls.length = 0;
    const outcome = await runRotationStep({ step: 'finishSecret', secretId: 'db/tenant-1/hooked', token }, deps);
    expect(outcome.strategy).toBe('counting');
    expect(finished).toEqual([token]);
    expect(store.calls).toEqual(['DescribeSecret', 'GetSecretValue', 'UpdateSecretVersionStage']);
  });

  it('refuses a secret whose strategy is unknown, naming the known ones', async () => {
    store.create('x/tenant-1/y', '{"n":1}', { 'keywarden:strategy': 'carrier-pigeon' });
    const token = store.startRotation('x/tenant-1/y');
    const attempt = runRotationStep({ step: 'createSecret', secretId: 'x/tenant-1/y', token }, deps);
    await expect(attempt).rejects.toBeInstanceOf(UnknownStrategyError);
    await expect(attempt).rejects.toThrow(/unknown strategy "carrier-pigeon".*known: counting/);
  });

  it('attack: duplicate "engine" keys are refused before either copy picks a strategy; nothing is written', async () => {
    store.create('x/tenant-1/dup', '{"engine":"counting","n":1,"engine":"other"}');
    const token = store.startRotation('x/tenant-1/dup');
    store.calls.length = 0;
    const attempt = runRotationStep({ step: 'createSecret', secretId: 'x/tenant-1/dup', token }, deps);
    await expect(attempt).rejects.toBeInstanceOf(SecretFormatError);
    await expect(attempt).rejects.toThrow('secret x/tenant-1/dup: the value has key "engine" twice');
    expect(store.calls).not.toContain('PutSecretValue');
  });

  it('refuses a secret that names no strategy at all', async () => {
    store.create('x/tenant-1/z', '{"n":1}');
    const token = store.startRotation('x/tenant-1/z');
    await expect(runRotationStep({ step: 'createSecret', secretId: 'x/tenant-1/z', token }, deps)).rejects.toThrow(
      /names no strategy/,
    );
  });
});
