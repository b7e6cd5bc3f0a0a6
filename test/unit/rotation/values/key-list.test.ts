import { describe, expect, it } from 'vitest';
import { SecretTestFailedError } from '../../../../shared/errors';
import { encryptionKeyringStrategy } from '../../../../shared/rotation/strategies/encryption-keyring';
import { jwtKeysetStrategy } from '../../../../shared/rotation/strategies/jwt-keyset';
import { ROTATED_FROM_FIELD } from '../../../../shared/rotation/values/rotated-from';
import type { RotationStrategy } from '../../../../shared/rotation/strategy';
import { makeContext, newVersionId, rejectionOf, rotate, type TestContext } from '../../../support/strategy-context';

const KINDS: ReadonlyArray<{ strategy: RotationStrategy; inUseField: string; dropped: RegExp; same: RegExp }> = [
  { strategy: jwtKeysetStrategy, inUseField: 'activeKid', dropped: /dropped the current signing key/, same: /signs with the same key as the current one/ },
  { strategy: encryptionKeyringStrategy, inUseField: 'primaryKid', dropped: /dropped the current primary key/, same: /encrypts with the same key as the current one/ },
];

/** A context whose current value has rotated once (so it has a key in use) and a pending value create made from it. */
async function pendingFromCurrent(strategy: RotationStrategy): Promise<TestContext> {
  const ctx = makeContext({ current: JSON.stringify({ owner: 'team-a' }) });
  await rotate(strategy, ctx);
  ctx.clock.advance(60_000);
  ctx.versions.pending = await strategy.create(ctx);
  ctx.reads.length = 0;
  return ctx;
}

/** Current moves to `value` as a new version, as a PutSecretValue by hand would do it. */
function currentMovesTo(ctx: TestContext, value: string): void {
  ctx.versions.current = value;
  ctx.versions.currentId = newVersionId();
}

function withNote(value: string, note: unknown): string {
  return JSON.stringify({ ...JSON.parse(value), [ROTATED_FROM_FIELD]: note });
}

describe.each(KINDS)('$strategy.name: the continuity check of testSecret', ({ strategy, inUseField, dropped, same }) => {
  it('notes the version it was built from and its key in use', async () => {
    const ctx = await pendingFromCurrent(strategy);
    const current = JSON.parse(ctx.versions.current!);
    expect(JSON.parse(ctx.versions.pending!)[ROTATED_FROM_FIELD]).toEqual({ versionId: ctx.versions.currentId, [inUseField]: current[inUseField] });
  });

  it('takes the replaced key from the note while its version is still current, reading only the pending value', async () => {
    const ctx = await pendingFromCurrent(strategy);
    await strategy.test(ctx);
    expect(ctx.reads).toEqual(['pending']);
  });

  it('reads current when it has moved since createSecret, and refuses a pending value that drops its key', async () => {
    const ctx = await pendingFromCurrent(strategy);
    const elsewhere = makeContext({ current: ctx.versions.current });
    currentMovesTo(ctx, await rotate(strategy, elsewhere));
    const error = await rejectionOf(strategy.test(ctx));
    expect(error).toBeInstanceOf(SecretTestFailedError);
    expect(error.message).toMatch(dropped);
    expect(ctx.reads).toContain('current');
  });

  it('reads current when it has moved, and accepts a pending value that still keeps its key', async () => {
    const ctx = await pendingFromCurrent(strategy);
    currentMovesTo(ctx, ctx.versions.current!);
    await strategy.test(ctx);
    expect(ctx.reads).toContain('current');
  });

  it('does not take the note of a pending value copied from current, which names the version before it', async () => {
    const ctx = await pendingFromCurrent(strategy);
    ctx.versions.pending = ctx.versions.current;
    await expect(strategy.test(ctx)).rejects.toThrow(same);
    expect(ctx.reads).toContain('current');
  });

  it.each([
    ['a kid that is not a string', (ctx: TestContext) => ({ versionId: ctx.versions.currentId, [inUseField]: 42 })],
    ['no kid at all', (ctx: TestContext) => ({ versionId: ctx.versions.currentId })],
    ['not an object', () => 'a note'],
  ])('reads current instead of a note with %s', async (_label, note) => {
    const ctx = await pendingFromCurrent(strategy);
    ctx.versions.pending = withNote(ctx.versions.pending!, note(ctx));
    await strategy.test(ctx);
    expect(ctx.reads).toContain('current');
  });

  it('refuses, without reading current, a pending value whose note names a key it then drops', async () => {
    const ctx = await pendingFromCurrent(strategy);
    const current = JSON.parse(ctx.versions.current!);
    const pending = JSON.parse(ctx.versions.pending!);
    pending.keys = pending.keys.filter((key: { kid: string }) => key.kid !== current[inUseField]);
    ctx.versions.pending = JSON.stringify(pending);
    await expect(strategy.test(ctx)).rejects.toThrow(dropped);
    expect(ctx.reads).toEqual(['pending']);
  });
});
