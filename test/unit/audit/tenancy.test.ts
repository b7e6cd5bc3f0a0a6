import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors';
import { nameFromArn, principalTenant, secretApp, secretTenant, tenancyFromEnv } from '../../../shared/tenancy';

describe('tenancy', () => {
  it('reads the tenant from <app>/<tenant>/<name>', () => {
    expect(secretTenant('multitenant-ai-poc/tenant-1/database-password')).toBe('tenant-1');
    expect(secretApp('multitenant-ai-poc/tenant-1/database-password')).toBe('multitenant-ai-poc');
  });

  it('gives shared scopes and other names no tenant', () => {
    expect(secretTenant('multitenant-ai-poc/shared/jwt-keys')).toBeUndefined();
    expect(secretTenant('multitenant-ai-poc/ai-providers/openai')).toBeUndefined();
    expect(secretTenant('plain-name')).toBeUndefined();
  });

  it('reads names out of ARNs, with or without the random suffix', () => {
    const arn = 'arn:aws:secretsmanager:eu-westwest-1r:123456789012:secret:app/tenant-2/db-AbC123';
    expect(nameFromArn(arn)).toBe('app/tenant-2/db');
    expect(secretTenant(arn)).toBe('tenant-2');
  });

  it('takes a principal tenant from its tag first, then its role name', () => {
    expect(principalTenant({ tags: { tenant: 'tenant-9' }, name: 'multitenant-ai-poc-tenant-1-role' })).toBe('tenant-9');
    expect(principalTenant({ name: 'multitenant-ai-poc-tenant-1-role' })).toBe('tenant-1');
    expect(principalTenant({ name: 'admin' })).toBeUndefined();
  });

  it('reads its patterns from the environment and refuses bad ones', () => {
    const config = tenancyFromEnv({
      KEYWARDEN_SECRET_NAME_PATTERN: '^(?<tenant>[a-z]+)-.+$',
      KEYWARDEN_SHARED_SCOPES: 'common',
      KEYWARDEN_PRINCIPAL_NAME_PATTERN: '^role-(?<tenant>[a-z]+)$',
    });
    expect(secretTenant('acme-db', config)).toBe('acme');
    expect(secretTenant('common-db', config)).toBeUndefined();
    expect(principalTenant({ name: 'role-acme' }, config)).toBe('acme');
    expect(() => tenancyFromEnv({ KEYWARDEN_SECRET_NAME_PATTERN: '^(.+)$' })).toThrow(ConfigError);
    expect(() => tenancyFromEnv({ KEYWARDEN_SECRET_NAME_PATTERN: '([' })).toThrow(/not a valid regular expression/);
  });
});
