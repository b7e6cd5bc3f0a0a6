import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type Statement = { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
interface SsmParameters {
  parameterPrefix(raw: unknown): string | undefined;
  parameterResources(settings: { prefix: string; keyArns: string[]; hygiene: string; stage: string }): {
    Resources?: Record<string, { Type: string; Properties: { Roles?: unknown[]; PolicyDocument: { Statement: Statement[] } } }>;
  };
}
const ssm = createRequire(import.meta.url)(join(import.meta.dirname, '..', '..', '..', 'deploy', 'ssm-parameters.cjs')) as SsmParameters;
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('Parameter Store permissions (deploy/ssm-parameters.cjs)', () => {
  it('scopes every action but DescribeParameters to the prefix\'s parameter ARNs, writes and value reads to the stage tag', () => {
    const { Resources } = ssm.parameterResources({ prefix: '/multitenant-ai-poc/', keyArns: [], hygiene: 'tagged', stage: 'prod' });
    const arns = { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/multitenant-ai-poc/*' };
    const statements = [...Resources!.StalenessParametersPolicy!.Properties.PolicyDocument.Statement, ...Resources!.ParameterRotatorPolicy!.Properties.PolicyDocument.Statement];
    expect(Resources!.StalenessParametersPolicy!.Properties.Roles).toEqual([{ Ref: 'StalenessRole' }]);
    for (const s of statements) {
      for (const action of actions(s)) expect(action).not.toMatch(/\*/);
      if (actions(s).includes('ssm:DescribeParameters')) expect(actions(s)).toEqual(['ssm:DescribeParameters']);
      else if (actions(s).every((a) => a.startsWith('ssm:'))) expect(s.Resource).toEqual(arns);
      if (actions(s).some((a) => /GetParameter$|PutParameter|LabelParameterVersion/.test(a))) {
        expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/keywarden:stage': 'prod' } });
      }
    }
    expect(statements.flatMap(actions)).not.toContain('kms:Decrypt');
  });

  it('grants kms only on the listed keys through SSM; no value reads for the staleness role when hygiene is off; nothing for `none`', () => {
    const { Resources } = ssm.parameterResources({ prefix: '/app/', keyArns: [KEY], hygiene: 'off', stage: 'prod' });
    const staleness = Resources!.StalenessParametersPolicy!.Properties.PolicyDocument.Statement;
    expect(staleness.flatMap(actions)).toEqual(['ssm:DescribeParameters', 'ssm:ListTagsForResource']);
    const kms = Resources!.ParameterRotatorPolicy!.Properties.PolicyDocument.Statement.find((s) => s.Sid === 'EncryptAndDecryptThroughSsm')!;
    expect(kms).toMatchObject({ Resource: [KEY], Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } } });
    expect(ssm.parameterResources({ prefix: 'none', keyArns: [], hygiene: 'tagged', stage: 'prod' })).toEqual({});
  });

  it("gives the parameter emergency the emergency table's parameter items only: request claims, parameter locks, the journal; never a secret's lock", () => {
    const { Resources } = ssm.parameterResources({ prefix: '/app/', keyArns: [], hygiene: 'off', stage: 'prod' });
    const ledger = Resources!.ParameterRotatorPolicy!.Properties.PolicyDocument.Statement.find((s) => s.Sid === 'ParameterEmergencyLedger')!;
    expect(ledger).toEqual({
      Sid: 'ParameterEmergencyLedger',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: { 'Fn::GetAtt': ['EmergencyTable', 'Arn'] },
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['request#*', 'lock#parameter:*', 'parameter#*'] } },
    });
    const keys = (ledger.Condition as Record<string, Record<string, string[]>>)['ForAllValues:StringLike']!['dynamodb:LeadingKeys']!;
    const allowed = (key: string) => keys.some((pattern) => key.startsWith(pattern.slice(0, -1)));
    expect(allowed('lock#arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-AbCdEf')).toBe(false);
    expect(allowed('lock#parameter:/app/key')).toBe(true);
  });

  it('attack: a prefix that would widen the grant (a wildcard, no slash, an empty one) fails the package', () => {
    for (const bad of ['/*/', '/', 'multitenant-ai-poc/', '/app', '/app/*']) expect(() => ssm.parameterPrefix(bad)).toThrow(/is not a path like/);
  });
});
