import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors';
import { DEFAULT_POLICIES, effectiveWarnDays, parsePolicyOverrides, resolvePolicy } from '../../../shared/staleness/policies';

describe('default policies', () => {
  it('keep the promises: database 90 (the top of 30-90), API keys 180, JWT 30, encryption 365, passwords 90', () => {
    expect(Object.fromEntries(Object.entries(DEFAULT_POLICIES).map(([type, p]) => [type, p.maxAgeDays]))).toEqual({
      database: 90,
      'api-key': 180,
      'jwt-signing-key': 30,
      'encryption-key': 365,
      password: 90,
      generic: 90,
    });
  });

  it('warn two weeks ahead for a database and flag 90 days unread as unused', () => {
    expect(resolvePolicy('database', undefined, {})).toEqual({ maxAgeDays: 90, warnDays: 14, unusedDays: 90, requireSchedule: false, requireWindow: false, source: 'default' });
  });
});

describe('resolvePolicy overrides', () => {
  const overrides = parsePolicyOverrides(
    JSON.stringify({
      types: { database: { maxAgeDays: 60 }, 'api-key': { unusedDays: 30 } },
      tenants: { 'tenant-1': { maxAgeDays: 45, unusedDays: 120, types: { database: { maxAgeDays: 30, warnDays: 3 } } } },
    }),
  );

  it('uses the type override when no tenant override applies', () => {
    expect(resolvePolicy('database', 'tenant-2', {}, overrides)).toMatchObject({ maxAgeDays: 60, source: 'type' });
  });

  it('prefers the tenant policy for the type, then the tenant policy for every type', () => {
    expect(resolvePolicy('database', 'tenant-1', {}, overrides)).toMatchObject({ maxAgeDays: 30, warnDays: 3, unusedDays: 120, source: 'tenant-type' });
    expect(resolvePolicy('password', 'tenant-1', {}, overrides)).toMatchObject({ maxAgeDays: 45, unusedDays: 120, source: 'tenant' });
  });

  it('resolves each field on its own', () => {
    // api-key: max age from the default, unusedDays from the type override, then the tenant wins.
    expect(resolvePolicy('api-key', 'tenant-2', {}, overrides)).toMatchObject({ maxAgeDays: 180, unusedDays: 30, source: 'default' });
    expect(resolvePolicy('api-key', 'tenant-1', {}, overrides)).toMatchObject({ maxAgeDays: 45, unusedDays: 120, source: 'tenant' });
  });

  it('lets the keywarden:max-age-days tag win over everything', () => {
    expect(resolvePolicy('database', 'tenant-1', { 'keywarden:max-age-days': '7' }, overrides)).toMatchObject({ maxAgeDays: 7, source: 'tag' });
  });

  it('ignores a malformed tag and says why, quoting the tag value (metadata, not a secret)', () => {
    for (const raw of ['abc', '0', '-5', '1.5', '99999']) {
      const policy = resolvePolicy('database', undefined, { 'keywarden:max-age-days': raw });
      expect(policy.maxAgeDays).toBe(90);
      expect(policy.source).toBe('default');
      expect(policy.problem).toContain(`keywarden:max-age-days="${raw}"`);
    }
  });

  it('keeps the due-soon window within a third of the max age', () => {
    expect(effectiveWarnDays(90, 14)).toBe(14);
    expect(effectiveWarnDays(7, 14)).toBe(2);
    expect(resolvePolicy('database', undefined, { 'keywarden:max-age-days': '9' }).warnDays).toBe(3);
  });
});

describe('parsePolicyOverrides', () => {
  it('accepts nothing as no overrides', () => {
    expect(parsePolicyOverrides(undefined)).toEqual({});
    expect(parsePolicyOverrides('  ')).toEqual({});
  });

  it('names every problem', () => {
    expect(() => parsePolicyOverrides('{"types":{"databse":{"maxAgeDays":10}}}')).toThrow(ConfigError);
    expect(() => parsePolicyOverrides('{"types":{"database":{"maxAgeDays":0}}}')).toThrow(/types\.database\.maxAgeDays/);
    expect(() => parsePolicyOverrides('{"tenants":{"t":{"maxAge":3}}}')).toThrow(/Unrecognized key/);
    expect(() => parsePolicyOverrides('{not json', 'policies.json')).toThrow(/policies\.json is not valid JSON/);
  });
});
