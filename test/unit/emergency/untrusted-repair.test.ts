import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { fixProblems } from '../../../shared/emergency/doctor';
import { refusedAsUntrusted, repairStuckRotation, safeToDiscardAfter } from '../../../shared/emergency/repair';
import { inProcessSteps } from '../../../shared/emergency/rotation-runner';
import { rotationStrategies } from '../../../shared/aws/rotation-strategies';
import { AWSCURRENT } from '../../../shared/secrets-store';
import { MemoryStore } from '../../support/memory-store';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';
import { MemoryBindings } from '../../support/memory-bindings';

const NAME = 'app/tenant-1/keys';
const REFUSAL = 'RotationRefusedError: refused setSecret of version v1 of secret s: keywarden has no record of creating it. A pending value keywarden did not create is never executed or promoted (rotation.untrusted-pending)';

describe('a stuck version the rotate function refuses as untrusted', () => {
  it.each([
    [REFUSAL, true],
    [`RotateFunctionError: ${REFUSAL}`, true],
    // The rule id inside attacker-chosen text (a version id) of another failure is not a refusal.
    ['DatabaseError: connect ECONNREFUSED while rotating version (rotation.untrusted-pending) x', false],
    ['RotationRefusedError: refused (rotation.binding-violation)', false],
  ])('%s -> untrusted %s', (error, untrusted) => {
    expect(refusedAsUntrusted(error)).toBe(untrusted);
    if (untrusted) expect(safeToDiscardAfter(error)).toBe(true);
  });

  it('attack: key set planted as AWSPENDING -> repair discards it unexecuted, says so, and doctor --fix reports rotation.untrusted-pending', async () => {
    const store = new MemoryStore();
    store.create(NAME, JSON.stringify({ issuer: 'x' }), { 'keywarden:strategy': 'jwt-keyset', 'keywarden:jwt-alg': 'HS256' });
    const before = store.valueOf(NAME, AWSCURRENT);
    const planted = store.startRotation(NAME);
    await store.putPendingValue(NAME, planted, JSON.stringify({ issuer: 'x', keys: [], activeKid: 'attacker' }));
    const steps = inProcessSteps({ store, clock: fixedClock('2026-12-01T00:00:00Z'), strategies: rotationStrategies, ledger: new MemoryRotationLedger(), bindings: new MemoryBindings() });

    const outcome = await repairStuckRotation(store, await store.describe(NAME), steps);

    expect(outcome).toMatchObject({ versionId: planted, resumed: false, discarded: true, untrusted: true, detail: expect.stringMatching(/\[rotation\.untrusted-pending\]$/) });
    expect(store.labels(NAME)[planted]).toEqual([]);
    expect(store.valueOf(NAME, AWSCURRENT)).toBe(before);

    const again = store.startRotation(NAME);
    await store.putPendingValue(NAME, again, '{"planted":true}');
    const problem = { kind: 'stuck-rotation' as const, secret: NAME, arn: NAME, detail: '', remedy: '', fixable: true };
    expect(await fixProblems([problem], store, () => steps)).toEqual([expect.objectContaining({ fixed: true, ruleId: 'rotation.untrusted-pending' })]);
  });
});
