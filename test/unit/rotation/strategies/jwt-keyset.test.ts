import { createHmac, createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, SecretFormatError, SecretTestFailedError } from '../../../../shared/errors';
import { redact } from '../../../../shared/redact';
import {
  jwkThumbprint,
  jwtKeysetStrategy,
  publicJwks,
  type JwtAlg,
  type KeysetKey,
  type PublicJwk,
} from '../../../../shared/rotation/strategies/jwt-keyset';
import { CANARY, START, everythingPrinted, makeContext, rejectionOf, rotate } from '../../../support/strategy-context';

const ISSUER_SECRET = JSON.stringify({ issuer: 'https://auth.example.com', audience: ['orders-api'], notes: 'owned by identity team' });
const HOUR = 3_600_000;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

interface KeysetValue {
  keys: KeysetKey[];
  activeKid: string;
  [field: string]: unknown;
}

const keysetOf = (value: string) => JSON.parse(value) as KeysetValue;
const kidsOf = (value: string) => keysetOf(value).keys.map((key) => `${key.kid}:${key.status}`);

function activeKey(value: string): KeysetKey {
  const keyset = keysetOf(value);
  const key = keyset.keys.find((k) => k.kid === keyset.activeKid);
  if (!key) throw new Error('no active key');
  return key;
}

/** A compact JWT signed the way an issuer would, independently of the strategy's own check. */
function signJwt(key: KeysetKey, claims: object): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: key.alg, kid: key.kid, typ: 'JWT' })}.${b64(claims)}`;
  if (key.alg === 'HS256') return `${input}.${createHmac('sha256', Buffer.from(String(key.k), 'base64url')).update(input).digest('base64url')}`;
  const privateKey = createPrivateKey({ key: key as unknown as JsonWebKey, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Verifies a JWT as a consumer would: pick the key by kid from the public JWKS. */
function verifiesWithJwks(token: string, jwks: { keys: PublicJwk[] }): boolean {
  const [header = '', payload = '', signature = ''] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
  const jwk = jwks.keys.find((key) => key.kid === kid);
  if (!jwk) return false;
  const publicKey = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
  return verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}

describe('jwt-keyset strategy: create', () => {
  it('starts a fresh secret with one active ES256 key and keeps every other field', async () => {
    const ctx = makeContext({ current: ISSUER_SECRET });
    const { keys, activeKid, 'keywarden:rotatedFrom': note, ...rest } = keysetOf(await jwtKeysetStrategy.create(ctx));
    expect(rest).toEqual(JSON.parse(ISSUER_SECRET));
    expect(note).toEqual({ versionId: ctx.versions.currentId, activeKid: null });
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toMatchObject({ kid: activeKid, alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256', status: 'active', createdAt: START });
    expect(key?.kid).toBe(jwkThumbprint(key ?? {}));
  });

  it.each<JwtAlg>(['HS256', 'ES256', 'RS256'])('makes %s keys that sign and verify', async (alg) => {
    const ctx = makeContext({ current: ISSUER_SECRET, tags: { 'keywarden:jwt-alg': alg } });
    const value = await rotate(jwtKeysetStrategy, ctx);
    const key = activeKey(value);
    expect(key.alg).toBe(alg);
    const token = signJwt(key, { sub: 'user-1', aud: 'orders-api' });
    if (alg === 'HS256') {
      expect(Buffer.from(String(key.k), 'base64url')).toHaveLength(32);
      expect(publicJwks(value).keys).toEqual([]);
      const [input = '', signature] = [token.slice(0, token.lastIndexOf('.')), token.slice(token.lastIndexOf('.') + 1)];
      expect(createHmac('sha256', Buffer.from(String(key.k), 'base64url')).update(input).digest('base64url')).toBe(signature);
    } else {
      expect(verifiesWithJwks(token, publicJwks(value))).toBe(true);
      expect(verifiesWithJwks(`${token.slice(0, -4)}AAAA`, publicJwks(value))).toBe(false);
    }
    if (alg === 'RS256') {
      expect(createPublicKey({ key: key as unknown as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails?.modulusLength).toBe(2048);
    }
  });

  it('keeps the previous key verify-only for the token lifetime, then drops it (three rotations)', async () => {
    const ctx = makeContext({ current: ISSUER_SECRET });
    const first = activeKey(await rotate(jwtKeysetStrategy, ctx));
    const tokenFromFirst = signJwt(first, { sub: 'u' });

    ctx.clock.advance(10 * 60_000);
    const second = await rotate(jwtKeysetStrategy, ctx);
    const demoted = keysetOf(second).keys.find((key) => key.kid === first.kid);
    expect(demoted).toMatchObject({ status: 'verify-only', verifyUntil: new Date(Date.parse(START) + 10 * 60_000 + HOUR).toISOString() });
    expect(verifiesWithJwks(tokenFromFirst, publicJwks(second))).toBe(true);

    ctx.clock.advance(2 * HOUR);
    const third = await rotate(jwtKeysetStrategy, ctx);
    const secondKid = keysetOf(second).activeKid;
    expect(kidsOf(third)).toEqual([`${keysetOf(third).activeKid}:active`, `${secondKid}:verify-only`]);
    expect(verifiesWithJwks(tokenFromFirst, publicJwks(third))).toBe(false);
    expect(keysetOf(third).issuer).toBe('https://auth.example.com');
  });

  it('keeps a verify-only key that has not yet expired', async () => {
    const ctx = makeContext({ current: '{}' });
    await rotate(jwtKeysetStrategy, ctx);
    await rotate(jwtKeysetStrategy, ctx);
    ctx.clock.advance(HOUR / 2);
    const third = await rotate(jwtKeysetStrategy, ctx);
    expect(keysetOf(third).keys.map((key) => key.status)).toEqual(['active', 'verify-only', 'verify-only']);
  });

  it.each([
    ['15m', 15 * 60_000],
    ['900', 15 * 60_000],
    ['2d', 48 * HOUR],
  ])('sets verifyUntil from keywarden:jwt-max-token-lifetime=%s', async (lifetime, ms) => {
    const ctx = makeContext({ current: '{}', tags: { 'keywarden:jwt-max-token-lifetime': lifetime } });
    await rotate(jwtKeysetStrategy, ctx);
    const second = keysetOf(await rotate(jwtKeysetStrategy, ctx));
    expect(second.keys[1]?.verifyUntil).toBe(new Date(Date.parse(START) + ms).toISOString());
  });

  it('changes algorithm for new keys while older keys keep theirs', async () => {
    const ctx = makeContext({ current: '{}' });
    const first = activeKey(await rotate(jwtKeysetStrategy, ctx));
    const next = makeContext({ current: ctx.versions.current, tags: { 'keywarden:jwt-alg': 'RS256' } });
    const value = await rotate(jwtKeysetStrategy, next);
    expect(keysetOf(value).keys.map((key) => `${key.alg}:${key.status}`)).toEqual(['RS256:active', 'ES256:verify-only']);
    expect(verifiesWithJwks(signJwt(first, { sub: 'u' }), publicJwks(value))).toBe(true);
  });

  it('carries unknown members of existing keys along', async () => {
    const ctx = makeContext({ current: '{}' });
    const value = keysetOf(await rotate(jwtKeysetStrategy, ctx));
    const [key] = value.keys;
    if (key) key.note = 'published to partner X';
    ctx.versions.current = JSON.stringify(value);
    const next = keysetOf(await rotate(jwtKeysetStrategy, ctx));
    expect(next.keys[1]?.note).toBe('published to partner X');
  });

  it('remembers private key material for redaction', async () => {
    const ctx = makeContext({ current: '{}', tags: { 'keywarden:jwt-alg': 'RS256' } });
    const key = activeKey(await jwtKeysetStrategy.create(ctx));
    for (const member of ['d', 'p', 'q']) expect(redact(`oops ${String(key[member])}`)).toBe('oops [REDACTED]');
  });
});

describe('jwt-keyset strategy: bad tags', () => {
  it.each([
    ['keywarden:jwt-alg', 'none', /keywarden:jwt-alg must be one of HS256, ES256, RS256/],
    ['keywarden:jwt-alg', 'es256', /keywarden:jwt-alg must be one of HS256, ES256, RS256/],
    ['keywarden:jwt-max-token-lifetime', '0', /keywarden:jwt-max-token-lifetime must be a duration/],
    ['keywarden:jwt-max-token-lifetime', '1w', /keywarden:jwt-max-token-lifetime must be a duration/],
    ['keywarden:jwt-max-token-lifetime', '400d', /keywarden:jwt-max-token-lifetime must be a duration/],
  ])('refuses %s=%s', async (tag, value, expected) => {
    const error = await rejectionOf(jwtKeysetStrategy.create(makeContext({ current: '{}', tags: { [tag]: value } })));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(expected);
  });
});

async function validKeyset(alg: JwtAlg = 'ES256', rotations = 2): Promise<KeysetValue> {
  const ctx = makeContext({ current: '{}', tags: { 'keywarden:jwt-alg': alg } });
  for (let i = 0; i < rotations; i += 1) await rotate(jwtKeysetStrategy, ctx);
  return keysetOf(ctx.versions.current ?? '');
}

describe('jwt-keyset strategy: malformed current value', () => {
  it.each<[string, (v: KeysetValue) => unknown, RegExp]>([
    ['keys that are not an array', () => ({ keys: { k: CANARY } }), /field "keys" of type object, expected an array/],
    ['a key without kid', (v) => ({ ...v, keys: [{ ...v.keys[0], kid: undefined, d: CANARY }] }), /keys\[0\] that has no kid/],
    ['an unknown alg', (v) => ({ ...v, keys: [{ ...v.keys[0], alg: 'HS512', k: CANARY }] }), /keys\[0\] that has an alg other than/],
    ['a private member that is not base64url', (v) => ({ ...v, keys: [{ ...v.keys[0], d: `${CANARY}!` }] }), /keys\[0\] that lacks base64url member d/],
    ['two active keys', (v) => ({ ...v, keys: v.keys.map((key) => ({ ...key, status: 'active' })) }), /has 2 active keys/],
    ['a verify-only key without verifyUntil', (v) => ({ ...v, keys: v.keys.map((key) => ({ ...key, verifyUntil: undefined })) }), /keys\[1\] that is verify-only without/],
    ['repeated kids', (v) => ({ ...v, keys: [v.keys[0], { ...v.keys[0], status: 'verify-only', verifyUntil: START }] }), /keys\[1\] whose kid repeats/],
    ['an activeKid naming no active key', (v) => ({ ...v, activeKid: CANARY }), /"activeKid" that does not name its active key/],
    ['not JSON', () => CANARY, /current value is not valid JSON/],
  ])('refuses %s with SecretFormatError, quoting nothing', async (_label, tamper, expected) => {
    const good = await validKeyset();
    const tampered = tamper(good);
    const ctx = makeContext({ current: typeof tampered === 'string' ? tampered : JSON.stringify(tampered) });
    const error = await rejectionOf(jwtKeysetStrategy.create(ctx));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toMatch(expected);
    expect(error.message).toContain(ctx.name);
    const printed = everythingPrinted(error);
    expect(printed).not.toContain(CANARY);
    for (const key of good.keys) for (const member of PRIVATE_MEMBERS) if (key[member]) expect(printed).not.toContain(String(key[member]));
  });
});

describe('jwt-keyset strategy: test', () => {
  async function pendingAfter(tamper?: (pending: KeysetValue, current: KeysetValue) => void, alg: JwtAlg = 'ES256') {
    const ctx = makeContext({ current: JSON.stringify(await validKeyset(alg, 1)), tags: { 'keywarden:jwt-alg': alg } });
    const pending = keysetOf(await jwtKeysetStrategy.create(ctx));
    tamper?.(pending, keysetOf(ctx.versions.current ?? ''));
    ctx.versions.pending = JSON.stringify(pending);
    return ctx;
  }

  it.each<JwtAlg>(['HS256', 'ES256', 'RS256'])('accepts the %s keyset create made', async (alg) => {
    await expect(jwtKeysetStrategy.test(await pendingAfter(undefined, alg))).resolves.toBeUndefined();
  });

  const key = (v: KeysetValue, index: number): KeysetKey => {
    const found = v.keys[index];
    if (!found) throw new Error(`no keys[${index}]`);
    return found;
  };

  it.each<[string, (pending: KeysetValue, current: KeysetValue) => void, RegExp]>([
    ['two active keys', (p) => { key(p, 1).status = 'active'; }, /has 2 active keys/],
    ['no active key', (p) => { key(p, 0).status = 'verify-only'; key(p, 0).verifyUntil = START; delete (p as Partial<KeysetValue>).activeKid; }, /has 0 active keys; exactly one must sign/],
    ['an activeKid that is not the active key', (p) => { p.activeKid = key(p, 1).kid; }, /"activeKid" that does not name its active key/],
    ['a wrong alg on the active key', (p) => { key(p, 0).alg = 'RS256'; }, /keys\[0\] that has a kty other than "RSA" for RS256/],
    ['a public half from another key', (p) => { key(p, 0).x = key(p, 1).x; key(p, 0).y = key(p, 1).y; }, /keys\[0\] (whose signature does not verify|that is not a usable ES256 key)/],
    ['a broken verify-only key', (p) => { key(p, 1).d = 'AAAA'; }, /keys\[1\] (whose signature does not verify|that is not a usable ES256 key)/],
    ['repeated kids', (p) => { key(p, 1).kid = key(p, 0).kid; }, /whose kid repeats/],
    ['the current signing key still active', (p, c) => { p.keys = c.keys; p.activeKid = c.activeKid; }, /signs with the same key as the current one/],
    ['the current signing key dropped', (p) => { p.keys = [key(p, 0)]; }, /dropped the current signing key/],
  ])('refuses a pending keyset with %s', async (_label, tamper, expected) => {
    const ctx = await pendingAfter(tamper);
    const error = await rejectionOf(jwtKeysetStrategy.test(ctx));
    expect(error).toBeInstanceOf(SecretTestFailedError);
    expect(error.message).toMatch(expected);
    const printed = everythingPrinted(error);
    for (const k of keysetOf(ctx.versions.pending ?? '').keys) expect(printed).not.toContain(String(k.d));
  });

  it('refuses an HS256 key shorter than the hash', async () => {
    const ctx = await pendingAfter((p) => { key(p, 0).k = Buffer.alloc(16, 7).toString('base64url'); }, 'HS256');
    await expect(jwtKeysetStrategy.test(ctx)).rejects.toThrow(/keys\[0\] whose signature does not verify/);
  });
});

describe('publicJwks', () => {
  it('publishes active and verify-only keys without any private member', async () => {
    const value = JSON.stringify(await validKeyset('RS256'));
    const { keys } = publicJwks(value);
    expect(keys.map((key) => key.kid)).toEqual(keysetOf(value).keys.map((key) => key.kid));
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
  });

  it('leaves symmetric keys out', async () => {
    const ctx = makeContext({ current: JSON.stringify(await validKeyset('HS256', 1)) });
    const mixed = await rotate(jwtKeysetStrategy, ctx);
    expect(publicJwks(mixed).keys.map((key) => key.kty)).toEqual(['EC']);
  });

  it('refuses a value that is not a keyset', () => {
    expect(() => publicJwks(CANARY)).toThrow(SecretFormatError);
  });
});

describe('jwkThumbprint', () => {
  it('matches the RFC 7638 example', () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
});

describe('jwt-keyset strategy: revoke', () => {
  it('removes every verify-only key, so tokens the leaked key signed stop verifying', async () => {
    const ctx = makeContext({ current: ISSUER_SECRET });
    const leaked = activeKey(await rotate(jwtKeysetStrategy, ctx));
    const leakedToken = signJwt(leaked, { sub: 'attacker' });
    const current = await rotate(jwtKeysetStrategy, ctx);
    expect(verifiesWithJwks(leakedToken, publicJwks(current))).toBe(true);

    const outcome = await jwtKeysetStrategy.revoke(ctx);
    expect(outcome.revoked).toBe(true);
    expect(outcome.detail).toContain(`removed verify-only keys ${leaked.kid}`);
    const replacement = outcome.replacementValue ?? '';
    expect(kidsOf(replacement)).toEqual([`${keysetOf(current).activeKid}:active`]);
    expect(keysetOf(replacement).issuer).toBe('https://auth.example.com');
    expect(verifiesWithJwks(leakedToken, publicJwks(replacement))).toBe(false);
    expect(verifiesWithJwks(signJwt(activeKey(current), { sub: 'u' }), publicJwks(replacement))).toBe(true);

    ctx.versions.previous = ctx.versions.current;
    ctx.versions.current = replacement;
    const again = await jwtKeysetStrategy.revoke(ctx);
    expect(again.revoked).toBe(true);
    expect(again.replacementValue).toBeUndefined();
    expect(again.detail).toContain(`only active key ${keysetOf(current).activeKid} verifies`);
  });

  it('never removes the active key', async () => {
    const value = await jwtKeysetStrategy.create(makeContext({ current: '{}' }));
    const outcome = await jwtKeysetStrategy.revoke(makeContext({ current: value }));
    expect(outcome.revoked).toBe(true);
    expect(outcome.replacementValue).toBeUndefined();
  });
});
