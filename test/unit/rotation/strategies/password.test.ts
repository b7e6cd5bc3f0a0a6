import { describe, expect, it } from 'vitest';
import { ConfigError, SecretFormatError, SecretTestFailedError } from '../../../../shared/errors';
import { redact } from '../../../../shared/redact';
import { passwordStrategy } from '../../../../shared/rotation/strategies/password';
import { DEFAULT_PASSWORD_EXCLUDE, generatePassword, passwordPolicy, passwordPolicyViolations } from '../../../../shared/rotation/values/password-policy';
import { CANARY, chiSquareUniform, everythingPrinted, makeContext, rejectionOf, rotate } from '../../../support/strategy-context';

const DATABASE_SECRET = JSON.stringify({
  engine: 'postgres',
  host: 'db.internal.example.com',
  port: 5432,
  username: 'app_user',
  password: 'old-Password-1234567890',
  dbname: 'orders',
  ssl: { mode: 'verify-full' },
});

const classes = {
  lower: /[a-z]/,
  upper: /[A-Z]/,
  digit: /[0-9]/,
  symbol: /[^a-zA-Z0-9]/,
};

function passwordOf(value: string): string {
  return (JSON.parse(value) as { password: string }).password;
}

describe('password strategy: create', () => {
  it('replaces only the password and keeps every other field', async () => {
    const ctx = makeContext({ current: DATABASE_SECRET });
    const pending = JSON.parse(await passwordStrategy.create(ctx)) as Record<string, unknown>;
    const { password, ...rest } = pending;
    const { password: oldPassword, ...oldRest } = JSON.parse(DATABASE_SECRET) as Record<string, unknown>;
    expect(rest).toEqual(oldRest);
    expect(password).not.toBe(oldPassword);
  });

  it('meets the default policy: 32 characters, every class, no troublesome character', async () => {
    for (let i = 0; i < 50; i += 1) {
      const password = passwordOf(await passwordStrategy.create(makeContext({ current: '{}' })));
      expect(Array.from(password)).toHaveLength(32);
      for (const pattern of Object.values(classes)) expect(password).toMatch(pattern);
      for (const char of DEFAULT_PASSWORD_EXCLUDE) expect(password).not.toContain(char);
    }
  });

  it('follows the length, require and exclude tags', async () => {
    const tags = {
      'keywarden:password-length': '64',
      'keywarden:password-require': 'lower,digit',
      'keywarden:password-exclude': 'abcdef0123',
    };
    const password = passwordOf(await passwordStrategy.create(makeContext({ current: '{}', tags })));
    expect(password).toMatch(/^[g-z4-9]{64}$/);
    expect(password).toMatch(/[g-z]/);
    expect(password).toMatch(/[4-9]/);
  });

  it('lets an empty exclude tag allow every printable symbol', () => {
    const policy = passwordPolicy({ name: 's', tags: { 'keywarden:password-exclude': '' } });
    expect(policy.alphabet).toHaveLength(94);
  });

  it('generates 4096-character passwords', () => {
    const policy = passwordPolicy({ name: 's', tags: { 'keywarden:password-length': '4096' } });
    expect(passwordPolicyViolations(generatePassword(policy), policy)).toEqual([]);
  });

  it('draws characters uniformly (chi-square over the lowercase alphabet)', () => {
    const policy = passwordPolicy({ name: 's', tags: { 'keywarden:password-length': '4096', 'keywarden:password-require': 'lower' } });
    const sample = Array.from({ length: 6 }, () => generatePassword(policy)).join('');
    const result = chiSquareUniform(sample, Array.from('abcdefghijklmnopqrstuvwxyz'));
    expect(result.missing).toEqual([]);
    expect(result.statistic).toBeLessThan(result.bound);
  });

  it('never repeats itself', () => {
    const policy = passwordPolicy({ name: 's', tags: {} });
    const passwords = new Set(Array.from({ length: 1_000 }, () => generatePassword(policy)));
    expect(passwords.size).toBe(1_000);
  });

  it('remembers the new password so the logger redacts it', async () => {
    const password = passwordOf(await passwordStrategy.create(makeContext({ current: '{}' })));
    expect(redact(`connecting with ${password}`)).toBe('connecting with [REDACTED]');
  });

  it('needs no store', async () => {
    await rotate(passwordStrategy, makeContext({ current: DATABASE_SECRET }));
  });
});

describe('password strategy: bad tags', () => {
  it.each([
    ['keywarden:password-length', '8', /keywarden:password-length must be an integer from 12 to 4096/],
    ['keywarden:password-length', '5000', /keywarden:password-length must be an integer from 12 to 4096/],
    ['keywarden:password-length', 'long', /keywarden:password-length must be an integer from 12 to 4096/],
    ['keywarden:password-require', 'lower,emoji', /keywarden:password-require must be a comma-separated list of lower, upper, digit, symbol/],
    ['keywarden:password-exclude', '0123456789', /keywarden:password-exclude must be .*digit characters/],
  ])('refuses %s=%s', async (tag, value, expected) => {
    const ctx = makeContext({ current: '{}', tags: { [tag]: value } });
    const error = await rejectionOf(passwordStrategy.create(ctx));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(expected);
    expect(error.message).toContain(ctx.name);
  });
});

describe('password strategy: malformed current value', () => {
  it.each([
    ['not JSON', `${CANARY}`],
    ['a JSON array', JSON.stringify([CANARY])],
    ['a password that is not a string', JSON.stringify({ username: 'u', password: [CANARY] })],
  ])('refuses %s without quoting it', async (_label, current) => {
    const ctx = makeContext({ current });
    const error = await rejectionOf(passwordStrategy.create(ctx));
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toContain(ctx.name);
    expect(everythingPrinted(error)).not.toContain(CANARY);
  });
});

describe('password strategy: test', () => {
  async function pendingFor(current: string, tags: Record<string, string> = {}) {
    const ctx = makeContext({ current, tags });
    ctx.versions.pending = await passwordStrategy.create(ctx);
    return ctx;
  }

  it('accepts the value create made', async () => {
    const ctx = await pendingFor(DATABASE_SECRET);
    await expect(passwordStrategy.test(ctx)).resolves.toBeUndefined();
  });

  it('tests the pending value alone, so testSecret costs one GetSecretValue', async () => {
    const ctx = await pendingFor(DATABASE_SECRET);
    ctx.versions.current = undefined;
    await expect(passwordStrategy.test(ctx)).resolves.toBeUndefined();
  });

  it.each([
    ['too short', () => 'aB3!aB3!aB3!', /is 12 characters long, expected 32/],
    ['missing a class', () => 'abcdefghijklmnopqrstuvwxyzABCDEF', /has no digit character; has no symbol character/],
    ['an excluded character', () => `aB3!${'x'.repeat(27)}@`, /contains a character outside the allowed set/],
  ])('refuses a pending password that is %s, without quoting it', async (_label, makePassword, expected) => {
    const password = makePassword();
    const current = JSON.stringify({ password: 'old-Password-1234567890aaaaaaaaa' });
    const ctx = makeContext({ current, pending: JSON.stringify({ password }) });
    const error = await rejectionOf(passwordStrategy.test(ctx));
    expect(error).toBeInstanceOf(SecretTestFailedError);
    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain(password);
  });

  it('refuses a pending value that is not JSON or has no password, as a failed test', async () => {
    for (const pending of [CANARY, '{"username":"u"}']) {
      const error = await rejectionOf(passwordStrategy.test(makeContext({ current: '{}', pending })));
      expect(error).toBeInstanceOf(SecretTestFailedError);
      expect(everythingPrinted(error)).not.toContain(CANARY);
    }
  });

  it('checks against the same tags that created it', async () => {
    const ctx = await pendingFor('{}', { 'keywarden:password-length': '20' });
    await passwordStrategy.test(ctx);
    const stricter = makeContext({ current: '{}', pending: ctx.versions.pending, tags: { 'keywarden:password-length': '40' } });
    await expect(passwordStrategy.test(stricter)).rejects.toThrow(/expected 40/);
  });
});

describe('password strategy: revoke', () => {
  it('has nothing outside the secret to revoke, and says so', async () => {
    const ctx = makeContext({ current: DATABASE_SECRET });
    await rotate(passwordStrategy, ctx);
    const outcome = await passwordStrategy.revoke(ctx);
    expect(outcome.revoked).toBe(false);
    expect(outcome.replacementValue).toBeUndefined();
    expect(outcome.detail).toMatch(/no longer AWSCURRENT/);
    expect(outcome.detail).not.toContain('old-Password-1234567890');
  });
});
