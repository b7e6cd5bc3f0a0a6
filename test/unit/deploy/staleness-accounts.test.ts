import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface StalenessAccounts {
  memberRoleArns(raw: unknown): string[];
  assumeRoleResources(settings: { accounts: unknown }): { Resources?: Record<string, { Properties: { Roles: unknown[]; PolicyDocument: { Statement: unknown[] } } }> };
}
const accounts = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'staleness-accounts.cjs')) as StalenessAccounts;
const ROLE = 'arn:aws:iam::210987654321:role/keywarden-member/keywarden-prod-reader';

describe("the staleness role's AssumeRole (deploy/staleness-accounts.cjs)", () => {
  it('allows sts:AssumeRole on exactly the configured member roles', () => {
    const list = [{ accountId: '123456789012', regions: ['us-east-1'] }, { accountId: '210987654321', roleArn: ROLE, regions: ['eu-west-1'], externalId: 'x'.repeat(20) }];
    const { Resources } = accounts.assumeRoleResources({ accounts: JSON.stringify(list) });
    expect(Resources!.StalenessAssumeMemberRolesPolicy!.Properties.Roles).toEqual([{ Ref: 'StalenessRole' }]);
    expect(Resources!.StalenessAssumeMemberRolesPolicy!.Properties.PolicyDocument.Statement).toEqual([
      { Sid: 'AssumeConfiguredMemberRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [ROLE] },
    ]);
  });

  it('adds no policy without another account', () => {
    expect(accounts.assumeRoleResources({ accounts: '[]' })).toEqual({});
    expect(accounts.assumeRoleResources({ accounts: '' })).toEqual({});
  });

  it('attack: a role ARN of another account than its entry (or a wildcard) fails the package instead of widening the role', () => {
    expect(() => accounts.memberRoleArns(JSON.stringify([{ accountId: '210987654321', roleArn: 'arn:aws:iam::999999999999:role/x', regions: ['us-east-1'] }]))).toThrow(/roleArn must be a role of account 210987654321/);
    expect(() => accounts.memberRoleArns(JSON.stringify([{ accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/*', regions: ['us-east-1'] }]))).toThrow(/roleArn must be a role/);
    expect(() => accounts.memberRoleArns('{oops')).toThrow(/not JSON/);
  });
});
