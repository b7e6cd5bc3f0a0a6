import { describe, expect, it } from 'vitest';
import { keyTenant, secretTenancyFromEnv, secretTenant } from '../../shared/secret-tenancy';
import { tenancyFromEnv } from '../../shared/tenancy';

describe('secretTenancyFromEnv (the rotate function\'s zod-free reader)', () => {
  it.each([
    [{}],
    [{ KEYWARDEN_SHARED_SCOPES: 'common, platform' }],
    [{ KEYWARDEN_SECRET_NAME_PATTERN: '^(?<tenant>[^-]+)-(?<app>.+)$' }],
    [{ KEYWARDEN_SHARED_SCOPES: '' }],
  ])('reads %j as tenancyFromEnv does', (env) => {
    const full = tenancyFromEnv(env);
    const lean = secretTenancyFromEnv(env);
    expect(lean.sharedScopes).toEqual(full.sharedScopes);
    expect(lean.secretNamePattern.source).toBe(full.secretNamePattern.source);
    for (const name of ['app/tenant-1/db', 'app/shared/db', 'common-db', 'tenant-9-db']) expect(secretTenant(name, lean)).toBe(secretTenant(name, full));
  });

  it('refuses a pattern without a tenant group, as tenancyFromEnv does', () => {
    expect(() => secretTenancyFromEnv({ KEYWARDEN_SECRET_NAME_PATTERN: '^(.+)$' })).toThrow(/named group/);
  });
});

describe('keyTenant (a secret as the audit side keys it)', () => {
  it('qualifies a member account\'s tenant by its account, so it is never the home tenant of the same name', () => {
    expect(keyTenant('app/tenant-1/db')).toBe('tenant-1');
    expect(keyTenant('210987654321:app/tenant-1/db')).toBe('210987654321:tenant-1');
    expect(keyTenant('210987654321:app/shared/db')).toBeUndefined();
    expect(keyTenant('arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/tenant-2/db-AbCdEf')).toBe('tenant-2');
  });

  it('attack: a name that only looks account-qualified is not taken for a member key', () => {
    expect(keyTenant('12345:app/tenant-1/db')).toBe(secretTenant('12345:app/tenant-1/db'));
  });
});
