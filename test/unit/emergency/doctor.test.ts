import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { diagnose, fixProblems, type Problem } from '../../../shared/emergency/doctor';
import { unfinishedParameterProblems } from '../../../shared/ssm/parameter-doctor';
import { inProcessSteps } from '../../../shared/emergency/rotation-runner';
import { rotationStrategies } from '../../../shared/aws/rotation-strategies';
import { AWSCURRENT } from '../../../shared/secrets-store';
import { inventoryOf, type SecretSummary } from '../../../shared/staleness/inventory';
import { MemoryStore } from '../../support/memory-store';
import { MemoryBindings } from '../../support/memory-bindings';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';

const NOW = '2026-11-23T12:00:00Z';
const secret = (name: string, extra: Partial<SecretSummary>): SecretSummary => ({
  arn: `arn:${name}`,
  name,
  tags: {},
  rotationEnabled: false,
  versions: { v1: ['AWSCURRENT'] },
  lastChangedDate: new Date('2026-11-01T00:00:00Z'),
  ...extra,
});

describe('doctor diagnose', () => {
  const exists = async (arn: string | undefined) => (arn === undefined ? false : arn.endsWith(':rotate'));

  it('names each kind of problem, and only real ones', async () => {
    const problems = await diagnose(
      inventoryOf([
        secret('healthy', { rotationEnabled: true, rotationLambdaArn: 'fn:rotate', nextRotationDate: new Date('2026-12-01T00:00:00Z') }),
        secret('stuck', { versions: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } }),
        secret('no-function', { rotationEnabled: true }),
        secret('gone-function', { rotationEnabled: true, rotationLambdaArn: 'fn:deleted', nextRotationDate: new Date('2026-12-01T00:00:00Z') }),
        secret('overdue', { rotationEnabled: true, rotationLambdaArn: 'fn:rotate', nextRotationDate: new Date('2026-11-20T00:00:00Z') }),
      ]),
      exists,
      fixedClock(NOW),
    );
    expect(problems.map((p) => [p.secret, p.kind, p.fixable])).toEqual([
      ['stuck', 'stuck-rotation', true],
      ['no-function', 'rotation-without-function', false],
      ['gone-function', 'rotation-without-function', false],
      ['overdue', 'rotation-failing', false],
    ]);
  });

  it('does not judge functions it cannot check (the local AWS)', async () => {
    const problems = await diagnose(inventoryOf([secret('local', { rotationEnabled: true })]), async () => undefined, fixedClock(NOW));
    expect(problems).toEqual([]);
  });
});

describe('doctor fix', () => {
  /** Two secrets whose rotation stopped after setSecret: their new values are complete. */
  async function stuckSecrets() {
    const store = new MemoryStore();
    const steps = inProcessSteps({ store, clock: fixedClock(NOW), strategies: rotationStrategies, ledger: new MemoryRotationLedger(), bindings: new MemoryBindings() });
    const tokens: Record<string, string> = {};
    for (const name of ['app/a', 'app/b']) {
      store.create(name, JSON.stringify({ password: 'initial-Password-1' }), { 'keywarden:strategy': 'password' });
      tokens[name] = store.startRotation(name);
      for (const step of ['createSecret', 'setSecret'] as const) await steps({ Step: step, SecretId: name, ClientRequestToken: tokens[name]! });
    }
    const problems = await diagnose(
      inventoryOf(await Promise.all(['app/a', 'app/b'].map(async (name) => ({ ...(await store.describe(name)), name, arn: name })))),
      async () => undefined,
      fixedClock(NOW),
    );
    return { store, steps, tokens, problems };
  }

  it("finishes a stuck rotation through the secret's rotate function, and discards one that has none", async () => {
    const { store, steps, tokens, problems } = await stuckSecrets();
    expect(problems.map((p) => p.remedy)).toEqual([
      `finish the rotation of ${tokens['app/a']} through the rotate function, or remove its AWSPENDING label if it cannot be finished`,
      `finish the rotation of ${tokens['app/b']} through the rotate function, or remove its AWSPENDING label if it cannot be finished`,
    ]);

    const fixed = await fixProblems(problems, store, (metadata) => (metadata.name === 'app/a' ? steps : undefined));

    expect(fixed.map((p) => [p.secret, p.fixed, p.result])).toEqual([
      ['app/a', true, `finished the stuck rotation: version ${tokens['app/a']} is AWSCURRENT`],
      ['app/b', true, `removed AWSPENDING from abandoned version ${tokens['app/b']} (no rotate function to finish it); AWSCURRENT is unchanged`],
    ]);
    expect(store.labels('app/a')[tokens['app/a']!]).toContain(AWSCURRENT);
    expect(store.labels('app/b')[tokens['app/b']!]).toEqual([]);
  });

  it('discards a stuck rotation whose steps fail, and leaves what needs a person', async () => {
    const { store, steps, tokens, problems } = await stuckSecrets();
    const unfixable: Problem = { kind: 'rotation-failing', secret: 'app/c', arn: 'app/c', detail: 'overdue', remedy: 'read the logs', fixable: false };
    store.setRotationEnabled('app/a', false);

    const fixed = await fixProblems([problems[0]!, unfixable], store, () => steps);

    expect(fixed.map((p) => [p.secret, p.fixed, p.result])).toEqual([
      [
        'app/a',
        true,
        `removed AWSPENDING from abandoned version ${tokens['app/a']} (it could not be finished: setSecret failed: RotationContractError: rotation is not enabled for secret app/a); AWSCURRENT is unchanged`,
      ],
      ['app/c', false, 'needs a person: read the logs'],
    ]);
    expect(store.labels('app/a')[tokens['app/a']!]).toEqual([]);
  });
});

describe('unfinished parameter emergencies', () => {
  const entry = { name: '/app/tenant-1/key', requestId: 'inc-7', strategy: 'api-key', fromVersion: 3, toVersion: 4, digest: 'a'.repeat(64), phase: 'rotated' as const, startedAt: '2026-12-03T10:00:00Z' };

  it('lists each open journal entry with how far it got, and a malformed one as needing a person', () => {
    const problems = unfinishedParameterProblems({ entries: [entry], malformed: ['parameter#/app/tenant-1/odd'] });
    expect(problems.map((p) => [p.kind, p.secret, p.fixable])).toEqual([
      ['parameter-emergency-unfinished', '/app/tenant-1/key', true],
      ['parameter-emergency-unfinished', 'parameter#/app/tenant-1/odd', false],
    ]);
    expect(problems[0]!.detail).toBe('emergency inc-7 (begun 2026-12-03T10:00:00Z) moved the labels to version 4 and stopped before revoking version 3');
  });

  it('--fix repairs through the parameter repairer only, and leaves the entry to a person without one', async () => {
    const [problem] = unfinishedParameterProblems({ entries: [entry], malformed: [] });
    const repaired: string[] = [];
    const store = new MemoryStore();
    const fixed = await fixProblems([problem!], store, undefined, async (name) => (repaired.push(name), { fixed: true, result: 'repair done' }));
    expect(repaired).toEqual(['/app/tenant-1/key']);
    expect(fixed[0]).toMatchObject({ fixed: true, result: 'repair done' });
    expect((await fixProblems([problem!], store))[0]).toMatchObject({ fixed: false });
  });
});
