import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface StalenessHygiene {
  hygieneMode(raw: unknown): string;
  readsValues(mode: string): boolean;
  hygieneReadResources(settings: { hygiene: string; secretNamePattern: string; stage: string }): {
    Resources?: Record<string, { Type: string; Properties: { Roles: unknown[]; PolicyDocument: { Statement: Array<Record<string, unknown>> } } }>;
  };
}
const hygiene = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'staleness-hygiene.cjs')) as StalenessHygiene;

describe('the staleness role\'s value reads (deploy/staleness-hygiene.cjs)', () => {
  it('gives the staleness role GetSecretValue on this stage\'s secrets when the hygiene check may read values', () => {
    for (const mode of ['tagged', 'all']) {
      const { Resources } = hygiene.hygieneReadResources({ hygiene: mode, secretNamePattern: 'acme/*', stage: 'prod' });
      const policy = Resources!.StalenessHygieneReadPolicy!;
      expect(policy.Type).toBe('AWS::IAM::Policy');
      expect(policy.Properties.Roles).toEqual([{ Ref: 'StalenessRole' }]);
      expect(policy.Properties.PolicyDocument.Statement).toEqual([
        {
          Sid: 'HygieneReadsThisStagesValues',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: { 'Fn::Sub': 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:acme/*' },
          Condition: { StringEquals: { 'aws:ResourceTag/keywarden:stage': 'prod' } },
        },
      ]);
    }
  });

  it('gives it nothing when the hygiene check is off, since it then reads no value', () => {
    expect(hygiene.hygieneReadResources({ hygiene: 'off', secretNamePattern: '*', stage: 'prod' })).toEqual({});
    expect(hygiene.readsValues('off')).toBe(false);
    expect(hygiene.readsValues('tagged')).toBe(true);
  });

  it.each(['Off', 'none', 'false', ''])('refuses stalenessHygiene=%j, so a typo cannot deploy a role that disagrees with the function', (mode) => {
    expect(() => hygiene.hygieneMode(mode)).toThrow(/stalenessHygiene: ".*" is not one of off, tagged, all/);
  });

  it('defaults to tagged, as the function does', () => {
    expect(hygiene.hygieneMode(undefined)).toBe('tagged');
  });
});
