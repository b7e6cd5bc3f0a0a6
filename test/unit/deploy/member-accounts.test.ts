import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
interface MemberAccounts {
  parseRotationAccountRoles(raw: unknown): Record<string, string>;
  parseMemberAccounts(raw: unknown): string[];
  iamKeyRotatorRoleArns(roles: Record<string, string>, path: unknown): Array<{ 'Fn::Sub': string }>;
  rotationResources(roles: Record<string, string>): Resources;
  auditIntakeResources(members: string[], organizationId: string, stage: string): Resources;
  AUDIT_PATTERN: unknown;
}
const root = join(import.meta.dirname, '..', '..', '..');
const memberAccounts = createRequire(import.meta.url)(join(root, 'deploy', 'member-accounts.cjs')) as MemberAccounts;

const MEMBER = '111111111111';
const THIRD = '222222222222';
const roleIn = (account: string) => `arn:aws:iam::${account}:role/keywarden-prod-member-rotation`;

describe('the many-accounts params (deploy/member-accounts.cjs)', () => {
  it('adds nothing when empty', () => {
    expect(memberAccounts.parseRotationAccountRoles('')).toEqual({});
    expect(memberAccounts.rotationResources({})).toEqual({});
    expect(memberAccounts.auditIntakeResources([], '', 'prod')).toEqual({});
  });

  it('attack: a rotation role in another account than the one it is configured for refuses to package', () => {
    expect(() => memberAccounts.parseRotationAccountRoles(JSON.stringify({ [MEMBER]: roleIn(THIRD) }))).toThrow(/is in account 222222222222/);
    expect(() => memberAccounts.parseRotationAccountRoles(JSON.stringify({ [MEMBER]: 'arn:aws:iam::111111111111:role/*' }))).toThrow(/IAM role ARN/);
    expect(() => memberAccounts.parseMemberAccounts('111111111111,o-abc')).toThrow(/12-digit/);
  });

  it('lets the rotate role assume exactly the configured roles, and Secrets Manager of each account invoke it', () => {
    const resources = memberAccounts.rotationResources(memberAccounts.parseRotationAccountRoles(JSON.stringify({ [MEMBER]: roleIn(MEMBER) })));
    const statement = (resources.RotateMemberAccountsPolicy!.Properties.PolicyDocument as { Statement: unknown[] }).Statement;
    expect(statement).toEqual([{ Sid: 'AssumeConfiguredMemberRotationRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [roleIn(MEMBER)] }]);
    expect(resources[`RotateInvokedFromAccount${MEMBER}`]!.Properties).toMatchObject({ Principal: 'secretsmanager.amazonaws.com', SourceAccount: MEMBER });
  });

  it('lets only the listed accounts, or the organization, put events on the intake bus', () => {
    const listed = memberAccounts.auditIntakeResources([MEMBER], '', 'prod');
    expect(listed.AuditIntakeBus!.Properties.Name).toBe('keywarden-prod-audit-intake');
    expect(listed.AuditIntakeBusPolicy!.Properties.Statement).toMatchObject({ Action: 'events:PutEvents', Principal: { AWS: [`arn:aws:iam::${MEMBER}:root`] } });
    const org = memberAccounts.auditIntakeResources([], 'o-abcdefghij', 'prod');
    expect(org.AuditIntakeBusPolicy!.Properties.Statement).toMatchObject({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } } });
  });

  it('forwards from member accounts exactly what the central audit rule takes', () => {
    const member = readFileSync(join(root, 'deploy', 'member-account-audit.yml'), 'utf8');
    const central = readFileSync(join(root, 'deploy', 'audit.yml'), 'utf8');
    const eventNames = (text: string) => /eventName: \[(GetParameter[^\]]+)\]/.exec(text)?.[1];
    expect(eventNames(member)).toBe(eventNames(central));
    expect(JSON.stringify(memberAccounts.AUDIT_PATTERN)).toContain(eventNames(central)!.split(', ').join('","'));
    expect(member).toContain('State: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });
});

describe('the iam-access-key strategy\'s AssumeRole (deploy/iam-access-key.yml)', () => {
  it('names the rotator path in this account alone when no other account is configured', () => {
    expect(memberAccounts.iamKeyRotatorRoleArns({}, '/keywarden-rotator/')).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/keywarden-rotator/*' }]);
  });

  it('attack: a binding naming a rotator role in an account nobody configured is outside IAM: only this account and the rotationAccountRoles accounts are named', () => {
    const roles = memberAccounts.parseRotationAccountRoles(JSON.stringify({ [THIRD]: roleIn(THIRD), [MEMBER]: roleIn(MEMBER) }));
    const arns = memberAccounts.iamKeyRotatorRoleArns(roles, '/keywarden-rotator/').map((r) => r['Fn::Sub']);
    expect(arns).toEqual([
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/keywarden-rotator/*',
      `arn:\${AWS::Partition}:iam::${MEMBER}:role/keywarden-rotator/*`,
      `arn:\${AWS::Partition}:iam::${THIRD}:role/keywarden-rotator/*`,
    ]);
    expect(arns.some((arn) => arn.includes('iam::*:'))).toBe(false);
  });

  it('attack: a role path with a wildcard refuses to package', () => {
    expect(() => memberAccounts.iamKeyRotatorRoleArns({}, '/*')).toThrow(/not an IAM path/);
    expect(() => memberAccounts.iamKeyRotatorRoleArns({}, 'keywarden-rotator')).toThrow(/not an IAM path/);
  });
});
