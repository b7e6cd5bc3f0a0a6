import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, SecretFormatError, SecretTestFailedError } from '../../../../shared/errors';
import { redact } from '../../../../shared/redact';
import { encryptionKeyringStrategy, type KeyringKey } from '../../../../shared/rotation/strategies/encryption-keyring';
import { captureOutput } from '../../../support/capture-output';
import { CANARY, START, everythingPrinted, makeContext, rejectionOf, rotate } from '../../../support/strategy-context';

const PII_SECRET = JSON.stringify({ purpose: 'customer PII fields', owner: 'payments-team', contexts: ['orders', 'invoices'] });

interface KeyringValue {
  keys: KeyringKey[];
  primaryKid: string;
  [field: string]: unknown;
}

const keyringOf = (value: string) => JSON.parse(value) as KeyringValue;

function primaryOf(value: string): KeyringKey {
  const keyring = keyringOf(value);
  const key = keyring.keys.find((k) => k.kid === keyring.primaryKid);
  if (!key) throw new Error('no primary');
  return key;
}

/** Envelope-style encryption an application would do, independently of the strategy. */
function encrypt(key: KeyringKey, plaintext: string) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key.key, 'base64'), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { kid: key.kid, iv, ciphertext, tag: cipher.getAuthTag() };
}

function decrypt(keys: KeyringKey[], sealed: ReturnType<typeof encrypt>): string {
  const key = keys.find((k) => k.kid === sealed.kid);
  if (!key) throw new Error('no key for kid');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key.key, 'base64'), sealed.iv);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
}

async function rotations(count: number, tags: Record<string, string> = {}) {
  const ctx = makeContext({ current: PII_SECRET, tags });
  const primaries: string[] = [];
  for (let i = 0; i < count; i += 1) {
    ctx.clock.advance(86_400_000);
    primaries.push(primaryOf(await rotate(encryptionKeyringStrategy, ctx)).kid);
  }
  return { ctx, primaries, value: ctx.versions.current ?? '' };
}

describe('encryption-keyring strategy: create', () => {
  it('starts a fresh secret with one primary AES-256 key and keeps every other field', async () => {
    const ctx = makeContext({ current: PII_SECRET });
    const { keys, primaryKid, 'keywarden:rotatedFrom': note, ...rest } = keyringOf(await encryptionKeyringStrategy.create(ctx));
    expect(rest).toEqual(JSON.parse(PII_SECRET));
    expect(note).toEqual({ versionId: ctx.versions.currentId, primaryKid: null });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid: primaryKid, alg: 'A256GCM', status: 'primary', createdAt: START });
    expect(Buffer.from(keys[0]?.key ?? '', 'base64')).toHaveLength(32);
  });

  it('keeps the newest keys up to the default of 3, newest first and primary', async () => {
    const { value, primaries } = await rotations(5);
    const keyring = keyringOf(value);
    expect(keyring.keys.map((key) => `${key.kid}:${key.status}`)).toEqual([
      `${primaries[4]}:primary`,
      `${primaries[3]}:decrypt-only`,
      `${primaries[2]}:decrypt-only`,
    ]);
    expect(keyring.primaryKid).toBe(primaries[4]);
    expect(keyring.owner).toBe('payments-team');
  });

  it.each([
    ['2', 2],
    ['5', 5],
  ])('honours keywarden:keyring-max-keys=%s', async (max, count) => {
    const { value } = await rotations(7, { 'keywarden:keyring-max-keys': max });
    expect(keyringOf(value).keys).toHaveLength(count);
  });

  it('still decrypts data written before a rotation', async () => {
    const ctx = makeContext({ current: PII_SECRET });
    const sealed = encrypt(primaryOf(await rotate(encryptionKeyringStrategy, ctx)), 'card ending 4242');
    const after = keyringOf(await rotate(encryptionKeyringStrategy, ctx));
    expect(decrypt(after.keys, sealed)).toBe('card ending 4242');
    expect(decrypt(after.keys, encrypt(primaryOf(ctx.versions.current ?? ''), 'new data'))).toBe('new data');
  });

  it('makes unique kids and keys', async () => {
    const { value } = await rotations(3, { 'keywarden:keyring-max-keys': '10' });
    const keys = keyringOf(value).keys;
    expect(new Set(keys.map((key) => key.kid)).size).toBe(3);
    expect(new Set(keys.map((key) => key.key)).size).toBe(3);
  });

  it('remembers the key bytes for redaction', async () => {
    const key = primaryOf(await encryptionKeyringStrategy.create(makeContext({ current: '{}' })));
    expect(redact(`dek=${key.key}`)).toBe('dek=[REDACTED]');
  });

  it.each(['1', '101', 'three', ''])('refuses keywarden:keyring-max-keys=%j, naming the tag', async (max) => {
    const error = await rejectionOf(encryptionKeyringStrategy.create(makeContext({ current: '{}', tags: { 'keywarden:keyring-max-keys': max } })));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('keywarden:keyring-max-keys must be an integer from 2 to 100');
  });
});

describe('encryption-keyring strategy: malformed current value', () => {
  const good = async () => keyringOf((await rotations(2)).value);
  it.each<[string, (v: KeyringValue) => unknown, RegExp]>([
    ['a 31-byte key', (v) => ({ ...v, keys: [{ ...v.keys[0], key: randomBytes(31).toString('base64') }, v.keys[1]] }), /keys\[0\] that has a key that is not 32 bytes of base64/],
    ['a key that is not base64', (v) => ({ ...v, keys: [{ ...v.keys[0], key: CANARY }, v.keys[1]] }), /keys\[0\] that has a key that is not 32 bytes/],
    ['another alg', (v) => ({ ...v, keys: [v.keys[0], { ...v.keys[1], alg: 'A128GCM' }] }), /keys\[1\] that has an alg other than A256GCM/],
    ['two primaries', (v) => ({ ...v, keys: v.keys.map((key) => ({ ...key, status: 'primary' })) }), /has 2 primary keys/],
    ['a primaryKid naming no primary', (v) => ({ ...v, primaryKid: CANARY }), /"primaryKid" that does not name its primary key/],
    ['a compromised flag that is not a boolean', (v) => ({ ...v, keys: [v.keys[0], { ...v.keys[1], compromised: CANARY }] }), /compromised flag that is not a boolean/],
    ['keys that are not an array', () => ({ keys: CANARY }), /field "keys" of type string, expected an array/],
    ['not JSON', () => `{${CANARY}`, /current value is not valid JSON/],
  ])('refuses %s with SecretFormatError, quoting nothing', async (_label, tamper, expected) => {
    const keyring = await good();
    const tampered = tamper(keyring);
    const ctx = makeContext({ current: typeof tampered === 'string' ? tampered : JSON.stringify(tampered) });
    const error = await rejectionOf(encryptionKeyringStrategy.create(ctx));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toMatch(expected);
    expect(error.message).toContain(ctx.name);
    const printed = everythingPrinted(error);
    expect(printed).not.toContain(CANARY);
    for (const key of keyring.keys) expect(printed).not.toContain(key.key);
  });
});

describe('encryption-keyring strategy: test', () => {
  async function pendingAfter(tamper?: (pending: KeyringValue, current: KeyringValue) => void, tags: Record<string, string> = {}) {
    const { value } = await rotations(2);
    const ctx = makeContext({ current: value, tags });
    const pending = keyringOf(await encryptionKeyringStrategy.create(ctx));
    tamper?.(pending, keyringOf(value));
    ctx.versions.pending = JSON.stringify(pending);
    return ctx;
  }

  const key = (v: KeyringValue, index: number): KeyringKey => {
    const found = v.keys[index];
    if (!found) throw new Error(`no keys[${index}]`);
    return found;
  };

  it('accepts the keyring create made', async () => {
    await expect(encryptionKeyringStrategy.test(await pendingAfter())).resolves.toBeUndefined();
  });

  it.each<[string, (pending: KeyringValue, current: KeyringValue) => void, RegExp]>([
    ['two primaries', (p) => { key(p, 1).status = 'primary'; }, /has 2 primary keys/],
    ['no primary', (p) => { key(p, 0).status = 'decrypt-only'; delete (p as Partial<KeyringValue>).primaryKid; }, /has no primary key/],
    ['a primaryKid that is not the primary', (p) => { p.primaryKid = key(p, 1).kid; }, /"primaryKid" that does not name its primary key/],
    ['a short key', (p) => { key(p, 2).key = randomBytes(16).toString('base64'); }, /keys\[2\] that has a key that is not 32 bytes/],
    ['repeated kids', (p) => { key(p, 2).kid = key(p, 1).kid; }, /keys\[2\] whose kid repeats/],
    ['a compromised primary', (p) => { key(p, 0).compromised = true; }, /encrypts with a key marked compromised/],
    ['the current primary still primary', (p, c) => { p.keys = c.keys; p.primaryKid = c.primaryKid; }, /encrypts with the same key as the current one/],
    ['the current primary dropped', (p) => { p.keys = [key(p, 0), key(p, 2)]; }, /dropped the current primary key/],
    ['more keys than allowed', (p) => { p.keys.push({ ...key(p, 2), kid: 'extra' }); }, /holds 4 keys; tag keywarden:keyring-max-keys allows 3/],
  ])('refuses a pending keyring with %s', async (_label, tamper, expected) => {
    const ctx = await pendingAfter(tamper);
    const error = await rejectionOf(encryptionKeyringStrategy.test(ctx));
    expect(error).toBeInstanceOf(SecretTestFailedError);
    expect(error.message).toMatch(expected);
    const printed = everythingPrinted(error);
    for (const k of keyringOf(ctx.versions.pending ?? '').keys) expect(printed).not.toContain(k.key);
  });
});

describe('encryption-keyring strategy: revoke', () => {
  it('marks the previous keys compromised instead of deleting them, and says data must be re-encrypted', async () => {
    const { ctx, primaries } = await rotations(3);
    const outcome = await encryptionKeyringStrategy.revoke(ctx);
    expect(outcome.revoked).toBe(true);
    const replacement = keyringOf(outcome.replacementValue ?? '');
    expect(replacement.keys.map((key) => `${key.kid}:${key.status}:${key.compromised === true}`)).toEqual([
      `${primaries[2]}:primary:false`,
      `${primaries[1]}:decrypt-only:true`,
      `${primaries[0]}:decrypt-only:true`,
    ]);
    expect(replacement.purpose).toBe('customer PII fields');
    expect(outcome.detail).toContain(`marked keys ${primaries[1]}, ${primaries[0]} compromised`);
    expect(outcome.detail).toMatch(/re-encrypted with primary key/);
    for (const key of replacement.keys) expect(outcome.detail).not.toContain(key.key);
  });

  it('passes its own test and keeps the compromised flag through later rotations', async () => {
    const { ctx } = await rotations(2);
    const outcome = await encryptionKeyringStrategy.revoke(ctx);
    const compromisedKid = keyringOf(outcome.replacementValue ?? '').keys[1]?.kid;
    ctx.versions.current = outcome.replacementValue;
    const next = keyringOf(await rotate(encryptionKeyringStrategy, ctx));
    expect(next.keys.find((key) => key.kid === compromisedKid)?.compromised).toBe(true);
  });

  it('is a no-op the second time', async () => {
    const { ctx } = await rotations(2);
    ctx.versions.current = (await encryptionKeyringStrategy.revoke(ctx)).replacementValue;
    const again = await encryptionKeyringStrategy.revoke(ctx);
    expect(again.revoked).toBe(true);
    expect(again.replacementValue).toBeUndefined();
  });
});

describe('encryption-keyring strategy: compromised keys and keywarden:keyring-max-keys', () => {
  /** Three rotations, a revoke (two keys marked compromised), then `more` rotations under `tags`. */
  async function compromisedThenRotated(more: number, tags: Record<string, string> = {}) {
    const { ctx } = await rotations(3);
    const revoked = await encryptionKeyringStrategy.revoke(ctx);
    const compromised = keyringOf(revoked.replacementValue ?? '').keys.filter((key) => key.compromised).map((key) => key.kid);
    ctx.versions.current = revoked.replacementValue;
    Object.assign(ctx.tags, tags);
    const { printed } = await captureOutput(async () => {
      for (let i = 0; i < more; i += 1) {
        ctx.clock.advance(86_400_000);
        await rotate(encryptionKeyringStrategy, ctx);
      }
    });
    // The strategy warns through the context's logger; what it said is what an operator reads.
    return { ctx, compromised, keyring: keyringOf(ctx.versions.current ?? ''), printed: `${printed}\n${ctx.warnings.join('\n')}` };
  }

  it('keeps compromised keys past the limit, rotates anyway, and logs that the ring is over its limit', async () => {
    const { compromised, keyring, printed } = await compromisedThenRotated(4);
    expect(compromised).toHaveLength(2);
    expect(keyring.keys).toHaveLength(5);
    for (const kid of compromised) expect(keyring.keys.find((key) => key.kid === kid)).toMatchObject({ compromised: true, status: 'decrypt-only' });
    expect(printed).toContain('keyring over its limit: compromised keys kept until their data is re-encrypted');
    expect(printed).toContain(compromised[1]);
    expect(printed).toContain('keywarden:keyring-reencrypted');
    for (const key of keyring.keys) expect(printed).not.toContain(key.key);
  });

  it('lets a compromised key go once keywarden:keyring-reencrypted names its kid', async () => {
    const { ctx, compromised } = await compromisedThenRotated(4);
    Object.assign(ctx.tags, { 'keywarden:keyring-reencrypted': `${compromised[0]}, ${compromised[1]}` });
    const { printed } = await captureOutput(async () => {
      ctx.clock.advance(86_400_000);
      await rotate(encryptionKeyringStrategy, ctx);
    });
    const keyring = keyringOf(ctx.versions.current ?? '');
    expect(keyring.keys).toHaveLength(3);
    expect(keyring.keys.some((key) => key.compromised)).toBe(false);
    expect(printed).not.toContain('over its limit');
  });

  it('keeps a compromised key the tag does not name while dropping one it names', async () => {
    const { compromised, keyring } = await compromisedThenRotated(4, {});
    expect(keyring.keys.map((key) => key.kid)).toEqual(expect.arrayContaining(compromised));
    const partly = await compromisedThenRotated(4, { 'keywarden:keyring-reencrypted': 'someOtherKid' });
    expect(partly.keyring.keys.filter((key) => key.compromised)).toHaveLength(2);
  });

  it('attack: a pending keyring that silently drops a compromised key is refused (no acknowledgement)', async () => {
    const { ctx, compromised } = await compromisedThenRotated(1);
    ctx.versions.pending = await encryptionKeyringStrategy.create(ctx);
    const pending = keyringOf(ctx.versions.pending);
    pending.keys = pending.keys.filter((key) => key.kid !== compromised[0]);
    ctx.versions.pending = JSON.stringify(pending);
    const error = await rejectionOf(encryptionKeyringStrategy.test(ctx));
    expect(error).toBeInstanceOf(SecretTestFailedError);
    expect(error.message).toContain(`dropped compromised keys ${compromised[0]} that keywarden:keyring-reencrypted does not name`);
    Object.assign(ctx.tags, { 'keywarden:keyring-reencrypted': compromised[0] });
    await expect(encryptionKeyringStrategy.test(ctx)).resolves.toBeUndefined();
  });

  it('attack: a pending keyring over its limit with keys that are not compromised is still refused', async () => {
    const { ctx } = await compromisedThenRotated(3);
    ctx.versions.pending = await encryptionKeyringStrategy.create(ctx);
    const pending = keyringOf(ctx.versions.pending);
    pending.keys.push({ ...pending.keys[1]!, kid: 'extra', compromised: false });
    ctx.versions.pending = JSON.stringify(pending);
    expect((await rejectionOf(encryptionKeyringStrategy.test(ctx))).message).toMatch(/holds 6 keys; tag keywarden:keyring-max-keys allows 3/);
  });

  it.each(['kid/with/slash', 'a'.repeat(65)])('refuses keywarden:keyring-reencrypted=%j, naming the tag', async (tag) => {
    const ctx = makeContext({ current: '{}', tags: { 'keywarden:keyring-reencrypted': tag } });
    const error = await rejectionOf(encryptionKeyringStrategy.create(ctx));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('tag keywarden:keyring-reencrypted must be kids separated by commas or spaces');
  });
});
