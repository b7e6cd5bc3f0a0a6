import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConfigError, SecretFormatError, SecretTestFailedError } from '../../../../shared/errors';
import { redact } from '../../../../shared/redact';
import {
  apiKeyFingerprint,
  apiKeyStrategy,
  crc32,
  generateApiKey,
  parseApiKey,
  verifyApiKeyChecksum,
} from '../../../../shared/rotation/strategies/api-key';
import { BASE62 } from '../../../../shared/rotation/values/random';
import { CANARY, START, chiSquareUniform, everythingPrinted, makeContext, rejectionOf, rotate } from '../../../support/strategy-context';

const PARTNER_SECRET = JSON.stringify({
  partner: 'acme-logistics',
  scopes: ['orders:read', 'orders:write'],
  apiKey: 'legacy-key-issued-by-hand-2019',
  rateLimit: { perMinute: 600 },
});

interface IssuedKey {
  apiKey: string;
  fingerprint: string;
  createdAt: string;
  [field: string]: unknown;
}

const issued = (value: string) => JSON.parse(value) as IssuedKey;

describe('crc32', () => {
  it('matches the standard check value and zlib', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    for (let i = 0; i < 50; i += 1) {
      const bytes = randomBytes(1 + i * 7);
      expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    }
  });
});

describe('API key format', () => {
  it('is <prefix>_<32 base62><6 base62 checksum> that scanners can verify offline', () => {
    const key = generateApiKey('kw');
    expect(key).toMatch(/^kw_[0-9A-Za-z]{38}$/);
    const parsed = parseApiKey(key);
    expect(parsed?.prefix).toBe('kw');
    expect(parsed?.body).toHaveLength(32);
    expect(parsed?.checksum).toHaveLength(6);
    expect(verifyApiKeyChecksum(key)).toBe(true);
  });

  it('rejects a key with one character changed', () => {
    const key = generateApiKey('acme');
    const position = 10;
    const changed = key.slice(0, position) + (key[position] === 'A' ? 'B' : 'A') + key.slice(position + 1);
    expect(parseApiKey(changed)).toBeDefined();
    expect(verifyApiKeyChecksum(changed)).toBe(false);
  });

  it('does not parse strings of another shape', () => {
    for (const text of ['', 'kw_short', `KW_${'a'.repeat(38)}`, `kw-${'a'.repeat(38)}`, `kw_${'a'.repeat(39)}`, `kw_${'a'.repeat(37)}!`]) {
      expect(parseApiKey(text), text).toBeUndefined();
      expect(verifyApiKeyChecksum(text)).toBe(false);
    }
  });

  it('has a body drawn uniformly from base62', () => {
    const bodies = Array.from({ length: 2_000 }, () => parseApiKey(generateApiKey('kw'))?.body ?? '').join('');
    const result = chiSquareUniform(bodies, Array.from(BASE62));
    expect(result.missing).toEqual([]);
    expect(result.statistic).toBeLessThan(result.bound);
  });

  it('has a short fingerprint that is stable and reveals nothing of the key', () => {
    const key = generateApiKey('kw');
    const fingerprint = apiKeyFingerprint(key);
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(apiKeyFingerprint(key)).toBe(fingerprint);
    expect(apiKeyFingerprint(`${key}x`)).not.toBe(fingerprint);
  });

  it('is remembered for redaction as soon as it exists', () => {
    const key = generateApiKey('kw');
    expect(redact(`Authorization: Bearer ${key}`)).toBe('Authorization: Bearer [REDACTED]');
  });
});

describe('api-key strategy: create', () => {
  it('owns apiKey, fingerprint and createdAt and keeps every other field', async () => {
    const ctx = makeContext({ current: PARTNER_SECRET });
    const { apiKey, fingerprint, createdAt, ...rest } = issued(await apiKeyStrategy.create(ctx));
    const { apiKey: oldKey, ...oldRest } = JSON.parse(PARTNER_SECRET) as Record<string, unknown>;
    expect(rest).toEqual(oldRest);
    expect(apiKey).not.toBe(oldKey);
    expect(verifyApiKeyChecksum(apiKey)).toBe(true);
    expect(fingerprint).toBe(apiKeyFingerprint(apiKey));
    expect(createdAt).toBe(START);
  });

  it('uses the prefix tag', async () => {
    const ctx = makeContext({ current: '{}', tags: { 'keywarden:api-key-prefix': 'acme2' } });
    expect(issued(await apiKeyStrategy.create(ctx)).apiKey).toMatch(/^acme2_[0-9A-Za-z]{38}$/);
  });

  it.each(['KW', 'k', 'a_b', 'abcdefghijklmnopq', 'ké', ''])('refuses the prefix tag %j, naming the tag', async (prefix) => {
    const ctx = makeContext({ current: '{}', tags: { 'keywarden:api-key-prefix': prefix } });
    const error = await rejectionOf(apiKeyStrategy.create(ctx));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('keywarden:api-key-prefix must be 2 to 16 lowercase letters or digits');
  });

  it.each([
    ['not JSON', `apiKey=${CANARY}`],
    ['a JSON array', JSON.stringify([{ apiKey: CANARY }])],
    ['an apiKey that is not a string', JSON.stringify({ apiKey: { value: CANARY } })],
    ['a fingerprint that is not a string', JSON.stringify({ apiKey: 'x', fingerprint: [CANARY] })],
  ])('refuses a current value that is %s without quoting it', async (_label, current) => {
    const ctx = makeContext({ current });
    const error = await rejectionOf(apiKeyStrategy.create(ctx));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toContain(ctx.name);
    expect(everythingPrinted(error)).not.toContain(CANARY);
  });
});

describe('api-key strategy: test', () => {
  async function withPending(mutate?: (fields: IssuedKey) => void) {
    const ctx = makeContext({ current: PARTNER_SECRET });
    const fields = issued(await apiKeyStrategy.create(ctx));
    mutate?.(fields);
    ctx.versions.pending = JSON.stringify(fields);
    return { ctx, fields };
  }

  it('accepts the value create made', async () => {
    const { ctx } = await withPending();
    await expect(apiKeyStrategy.test(ctx)).resolves.toBeUndefined();
  });

  const lastCharChanged = (key: string) => key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');

  it.each<[string, (fields: IssuedKey) => void, RegExp]>([
    ['a bad checksum', (f) => { f.apiKey = lastCharChanged(f.apiKey); f.fingerprint = apiKeyFingerprint(f.apiKey); }, /checksum does not match/],
    ['a wrong fingerprint', (f) => { f.fingerprint = apiKeyFingerprint(generateApiKey('kw')); }, /fingerprint that does not match/],
    ['a malformed key', (f) => { f.apiKey = f.apiKey.replace('_', '-'); }, /not <prefix>_<32 base62><6 base62>/],
    ['another prefix', (f) => { f.apiKey = generateApiKey('other'); f.fingerprint = apiKeyFingerprint(f.apiKey); }, /prefix is not the one tag keywarden:api-key-prefix asks for/],
    ['a bad createdAt', (f) => { f.createdAt = 'yesterday'; }, /createdAt that is not an ISO 8601 UTC instant/],
    ['no fingerprint', (f) => { delete (f as Partial<IssuedKey>).fingerprint; }, /has no field "fingerprint"/],
  ])('refuses a pending value with %s, never quoting the key', async (_label, mutate, expected) => {
    const { ctx, fields } = await withPending(mutate);
    const error = await rejectionOf(apiKeyStrategy.test(ctx));
    expect(error).toBeInstanceOf(SecretTestFailedError);
    expect(error.message).toMatch(expected);
    expect(everythingPrinted(error)).not.toContain(fields.apiKey);
    expect(everythingPrinted(error)).not.toContain(parseApiKey(fields.apiKey)?.body ?? '<no body>');
  });

  it('tests the pending value alone, so testSecret costs one GetSecretValue', async () => {
    const value = await apiKeyStrategy.create(makeContext({ current: '{}' }));
    await expect(apiKeyStrategy.test(makeContext({ pending: value }))).resolves.toBeUndefined();
  });
});

describe('api-key strategy: revoke', () => {
  it('names the previous fingerprint for consumers to drop, never a key', async () => {
    const ctx = makeContext({ current: '{}' });
    const first = issued(await rotate(apiKeyStrategy, ctx));
    const second = issued(await rotate(apiKeyStrategy, ctx));
    const outcome = await apiKeyStrategy.revoke(ctx);
    expect(outcome.revoked).toBe(false);
    expect(outcome.replacementValue).toBeUndefined();
    expect(outcome.detail).toContain(`drop fingerprint ${first.fingerprint}`);
    expect(outcome.detail).not.toContain(first.apiKey);
    expect(outcome.detail).not.toContain(second.apiKey);
  });

  it('works for a hand-issued previous key of any format', async () => {
    const ctx = makeContext({ current: PARTNER_SECRET });
    await rotate(apiKeyStrategy, ctx);
    const outcome = await apiKeyStrategy.revoke(ctx);
    expect(outcome.detail).toContain(apiKeyFingerprint('legacy-key-issued-by-hand-2019'));
    expect(outcome.detail).not.toContain('legacy-key-issued-by-hand-2019');
  });

  it('says when there is no previous key, or when the key has not rotated', async () => {
    const fresh = makeContext({ current: await apiKeyStrategy.create(makeContext({ current: '{}' })) });
    expect((await apiKeyStrategy.revoke(fresh)).detail).toMatch(/no previous version/);
    const unrotated = makeContext({ current: fresh.versions.current, previous: fresh.versions.current });
    const outcome = await apiKeyStrategy.revoke(unrotated);
    expect(outcome.revoked).toBe(false);
    expect(outcome.detail).toMatch(/still AWSCURRENT; rotate before revoking/);
    const keyless = makeContext({ current: fresh.versions.current, previous: '{"partner":"x"}' });
    expect((await apiKeyStrategy.revoke(keyless)).detail).toMatch(/holds no API key/);
  });
});
