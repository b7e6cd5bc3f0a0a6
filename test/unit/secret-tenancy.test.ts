import { describe, expect, it } from 'vitest';
import { secretTenancyFromEnv, secretTenant } from '../../shared/secret-tenancy';
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
