import { beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../shared/clock';
import { RotationContractError, RotationRefusedError } from '../../../shared/errors';
import { inProcessSteps, steppedRotationRunner } from '../../../shared/emergency/rotation-runner';
import type { RotationDeps } from '../../../shared/rotation/contract';
import { parseRotateFunctionEvent } from '../../../shared/rotation/request';
import { revokePrevious } from '../../../shared/rotation/revoke';
import { rotationStrategies } from '../../../shared/aws/rotation-strategies';
import { AWSCURRENT, AWSPENDING } from '../../../shared/secrets-store';
import { MemoryStore } from '../../support/memory-store';
import { MemoryBindings } from '../../support/memory-bindings';
import { MemoryRotationLedger } from '../../support/memory-rotation-ledger';

const NAME = 'app/tenant-1/jwt';

describe('revokePrevious', () => {
  let store: MemoryStore;
  let deps: RotationDeps;
  let ledger: MemoryRotationLedger;
  const rotate = () => steppedRotationRunner(async (id, token) => void store.startRotation(id, token), inProcessSteps(deps)).rotate(NAME, 1000);

  beforeEach(async () => {
    store = new MemoryStore();
    store.create(NAME, '{"issuer":"x"}', { 'keywarden:strategy': 'jwt-keyset', 'keywarden:jwt-alg': 'HS256' });
    ledger = new MemoryRotationLedger();
    deps = { store, clock: fixedClock('2026-11-01T00:00:00Z'), strategies: rotationStrategies, ledger, bindings: new MemoryBindings() };
    await rotate();
  });

  /** Revokes as the emergency function asks: a grant in the ledger, then the revocation. */
  const granted = async (token: string) => {
    await ledger.grantRevoke((await store.describe(NAME)).arn, token, 'inc-1', 900);
    return revokePrevious(NAME, token, deps);
  };

  it('stores the key set without the leaked key as AWSCURRENT, leaving no stray AWSPENDING', async () => {
    const leaked = JSON.parse(store.valueOf(NAME, AWSCURRENT)!).activeKid;
    const { token } = await rotate();
    const result = await granted(token);
    expect(result).toMatchObject({ secret: NAME, requestId: 'inc-1', strategy: 'jwt-keyset', revoked: true, replacementVersionId: expect.any(String) });
    const current = JSON.parse(store.valueOf(NAME, AWSCURRENT)!);
    expect(current.keys.map((k: { kid: string }) => k.kid)).not.toContain(leaked);
    for (const stages of Object.values(store.labels(NAME))) if (stages.includes(AWSPENDING)) expect(stages).toContain(AWSCURRENT);
  });

  it('is safe to run twice: the second finds the leaked key already gone', async () => {
    const { token } = await rotate();
    await granted(token);
    const versions = Object.keys(store.labels(NAME)).length;
    const again = await granted(token);
    expect(again).toMatchObject({ revoked: true, detail: expect.stringMatching(/holds no verify-only keys/) });
    expect(again.replacementVersionId).toBeUndefined();
    expect(Object.keys(store.labels(NAME))).toHaveLength(versions);
  });

  it('refuses while the rotation has not finished, changing nothing', async () => {
    const token = store.startRotation(NAME);
    const before = store.labels(NAME);
    await expect(granted(token)).rejects.toThrow(RotationContractError);
    await expect(granted(token)).rejects.toThrow(/is not AWSCURRENT, so the rotation has not finished/);
    expect(store.labels(NAME)).toEqual(before);
  });

  it('attack: revokePrevious that the emergency function did not ask for -> refused, the key set unchanged', async () => {
    const { token } = await rotate();
    const before = store.valueOf(NAME, AWSCURRENT);
    const labels = store.labels(NAME);
    await expect(revokePrevious(NAME, token, deps)).rejects.toMatchObject({ name: 'RotationRefusedError', rule: 'rotation.unauthorized-revoke' });
    await expect(revokePrevious(NAME, token, deps)).rejects.toThrow(/the emergency function did not ask for it/);
    // A grant for another rotation of the same secret does not cover this one.
    await ledger.grantRevoke((await store.describe(NAME)).arn, 'another-token', 'inc-2', 900);
    await expect(revokePrevious(NAME, token, deps)).rejects.toThrow(RotationRefusedError);
    expect(store.valueOf(NAME, AWSCURRENT)).toBe(before);
    expect(store.labels(NAME)).toEqual(labels);
  });
});

describe('parseRotateFunctionEvent', () => {
  it('tells rotation steps from revocations', () => {
    expect(parseRotateFunctionEvent({ Step: 'testSecret', SecretId: 's', ClientRequestToken: 't' })).toEqual({ kind: 'step', step: 'testSecret', secretId: 's', token: 't' });
    expect(parseRotateFunctionEvent({ Action: 'revokePrevious', SecretId: 's', ClientRequestToken: 't' })).toEqual({ kind: 'revoke', secretId: 's', token: 't' });
  });

  it('refuses unknown actions and incomplete revocations', () => {
    expect(() => parseRotateFunctionEvent({ Action: 'dropTables', SecretId: 's' })).toThrow(/unknown Action "dropTables"/);
    expect(() => parseRotateFunctionEvent({ Action: 'revokePrevious', SecretId: 's' })).toThrow(/has no ClientRequestToken/);
  });
});
