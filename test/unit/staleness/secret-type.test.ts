import { describe, expect, it } from 'vitest';
import { deriveSecretType, typeFromName } from '../../../shared/staleness/secret-type';
import { summary } from '../../support/staleness-summaries';

describe('deriveSecretType', () => {
  it('takes an explicit keywarden:type tag first', () => {
    expect(deriveSecretType(summary({ name: 'acme/t/db-password', tags: { 'keywarden:type': 'api-key', 'keywarden:strategy': 'postgres' } }))).toEqual({ type: 'api-key', source: 'tag' });
  });

  it('ignores a keywarden:type tag that names no type and goes on', () => {
    expect(deriveSecretType(summary({ name: 'acme/t/x', tags: { 'keywarden:type': 'nonsense', 'keywarden:strategy': 'jwt-keyset' } }))).toEqual({ type: 'jwt-signing-key', source: 'strategy' });
  });

  it.each([
    ['postgres', 'database'],
    ['mysql', 'database'],
    ['mariadb', 'database'],
    ['redis', 'database'],
    ['password', 'password'],
    ['api-key', 'api-key'],
    ['jwt-keyset', 'jwt-signing-key'],
    ['encryption-keyring', 'encryption-key'],
  ])('maps the strategy tag %s to %s', (strategy, type) => {
    expect(deriveSecretType(summary({ name: 'acme/t/whatever', tags: { 'keywarden:strategy': strategy } }))).toEqual({ type, source: 'strategy' });
  });

  it('knows RDS-owned secrets and AWS database rotation functions from metadata', () => {
    expect(deriveSecretType(summary({ name: 'rds!db-1234', owningService: 'rds' }))).toEqual({ type: 'database', source: 'metadata' });
    expect(
      deriveSecretType(summary({ name: 'acme/t/thing', rotationLambdaArn: 'arn:aws:lambda:us-east-1:1:function:SecretsManagerRDSPostgreSQLRotationSingleUser' })),
    ).toEqual({ type: 'database', source: 'metadata' });
  });

  it('falls back to generic when nothing says what it is', () => {
    expect(deriveSecretType(summary({ name: 'acme/t/misc-config' }))).toEqual({ type: 'generic', source: 'default' });
  });
});

describe('typeFromName', () => {
  it.each([
    ['multitenant-ai-poc/tenant-1/database-password', 'database'],
    ['orders/prod/db_password', 'database'],
    ['billing/tenant-2/postgres-main', 'database'],
    ['shared/stripe-api-key', 'api-key'],
    ['ai-providers/openai_apikey', 'api-key'],
    ['svc/github-token', 'api-key'],
    ['auth/session-jwt', 'jwt-signing-key'],
    ['auth/signing-key', 'jwt-signing-key'],
    ['data/pii-encryption-key', 'encryption-key'],
    ['data/backup-keyring', 'encryption-key'],
    ['mail/smtp-password', 'password'],
    ['acme/tenant-1/misc-config', undefined],
    ['acme/tenant-1/dbx-settings', undefined],
  ])('%s is %s', (name, type) => {
    expect(typeFromName(name)).toBe(type);
  });
});
