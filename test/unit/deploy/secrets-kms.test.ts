import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface SecretsKms {
  parseKeyArns(raw: unknown, region: string): string[];
  kmsResources(keyArns: string[], settings: { hygiene: string }): { Resources?: Record<string, { Properties: { Roles: unknown[] } }> };
}
const secretsKms = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'secrets-kms.cjs')) as SecretsKms;

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MULTI_REGION_KEY = 'arn:aws:kms:eu-west-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab';

describe('the secretsKmsKeyArns param', () => {
  it('is empty by default, and grants nothing then', () => {
    expect(secretsKms.parseKeyArns('', 'eu-west-1')).toEqual([]);
    expect(secretsKms.parseKeyArns(undefined, 'eu-west-1')).toEqual([]);
    expect(secretsKms.kmsResources([], { hygiene: 'tagged' })).toEqual({});
  });

  it('takes comma-separated key ARNs, spaces trimmed and repeats dropped', () => {
    expect(secretsKms.parseKeyArns(` ${KEY} ,${MULTI_REGION_KEY},${KEY},`, 'eu-west-1')).toEqual([KEY, MULTI_REGION_KEY]);
  });

  it.each([
    ['"*"', '*'],
    ['a wildcard key', 'arn:aws:kms:eu-west-1:111122223333:key/*'],
    ['an alias, which IAM cannot grant', 'arn:aws:kms:eu-west-1:111122223333:alias/secrets'],
    ['a bare key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
  ])('refuses %s', (_what, arn) => {
    expect(() => secretsKms.parseKeyArns(arn, 'eu-west-1')).toThrow(/secretsKmsKeyArns: .* is not a KMS key ARN/);
  });

  it('refuses a key of another region: Secrets Manager cannot use it for this region\'s secrets', () => {
    expect(() => secretsKms.parseKeyArns(KEY, 'us-east-1')).toThrow('secretsKmsKeyArns: "' + KEY + '" is in eu-west-1, but this stage deploys to us-east-1');
  });

  it('leaves the staleness role out when the hygiene check is off, since it then reads no value', () => {
    const roles = (hygiene: string) => Object.values(secretsKms.kmsResources([KEY], { hygiene }).Resources ?? {}).map((r) => r.Properties.Roles);
    expect(roles('tagged')).toEqual([[{ Ref: 'RotateRole' }], [{ Ref: 'AlertRole' }], [{ Ref: 'RefreshRole' }], [{ Ref: 'StalenessRole' }]]);
    expect(roles('off')).toEqual([[{ Ref: 'RotateRole' }], [{ Ref: 'AlertRole' }], [{ Ref: 'RefreshRole' }]]);
  });
});
