import { describe, expect, it } from 'vitest';
import { accountScopesFromEnv, arnLocation, parseAccounts, scopesOf } from '../../../shared/accounts';
import { sessionName, sessionPolicy, STALENESS_READ_ACTIONS } from '../../../shared/aws/account-clients';

const HOME = { accountId: '123456789012', region: 'us-east-1', partition: 'aws' };
const member = (over: Record<string, unknown> = {}) => ({ accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/keywarden-member/keywarden-reader', regions: ['us-east-1', 'eu-west-1'], ...over });
const parse = (list: unknown[]) => parseAccounts(JSON.stringify(list), HOME);

describe('KEYWARDEN_ACCOUNTS', () => {
  it('adds the home account in its home region, and gives one scope per account and region', () => {
    const targets = parse([member({ externalId: 'kw-prod-7f3a' })]);
    expect(scopesOf(targets)).toEqual([
      { accountId: '123456789012', region: 'us-east-1' },
      { accountId: '210987654321', region: 'us-east-1', roleArn: member().roleArn, externalId: 'kw-prod-7f3a' },
      { accountId: '210987654321', region: 'eu-west-1', roleArn: member().roleArn, externalId: 'kw-prod-7f3a' },
    ]);
  });

  it('is the home region alone when unset, as before accounts existed', () => {
    expect(accountScopesFromEnv({ AWS_REGION: 'eu-central-1' })).toEqual([{ accountId: '', region: 'eu-central-1' }]);
    expect(accountScopesFromEnv({ AWS_REGION: 'eu-central-1', KEYWARDEN_HOME_ACCOUNT_ID: '123456789012' })).toEqual([{ accountId: '123456789012', region: 'eu-central-1' }]);
  });

  it('attack: a role ARN of another account (or partition) than the entry names is refused', () => {
    expect(() => parse([member({ roleArn: 'arn:aws:iam::999999999999:role/keywarden-reader' })])).toThrow(/roleArn must be a role of that account in partition aws/);
    expect(() => parse([member({ roleArn: 'arn:aws-cn:iam::210987654321:role/keywarden-reader' })])).toThrow(/roleArn must be a role of that account/);
    expect(() => parse([member({ roleArn: 'arn:aws:iam::210987654321:user/keywarden-reader' })])).toThrow(/roleArn must be a role/);
  });

  it('refuses a member without a role, the home account in another region without one, duplicates and malformed fields', () => {
    expect(() => parse([member({ roleArn: undefined })])).toThrow(/roleArn is required/);
    expect(() => parse([{ accountId: '123456789012', regions: ['us-east-1', 'eu-west-1'] }])).toThrow(/regions other than us-east-1 \(eu-west-1\) need a roleArn/);
    expect(() => parse([member(), member()])).toThrow(/listed twice/);
    expect(() => parse([member({ accountId: '2109876543' })])).toThrow(/accountId must be 12 digits/);
    expect(() => parse([member({ regions: ['eu-west-1; rm -rf /'] })])).toThrow(/not a region name/);
    expect(() => parse([member({ regions: [] })])).toThrow(/regions/);
    expect(() => parse([member({ externalId: 'x' })])).toThrow(/externalId/);
    expect(() => parse([member({ extra: true })])).toThrow(/Unrecognized key/);
    expect(() => parseAccounts('{not json', HOME)).toThrow(/not JSON/);
  });

  it('reads the account and region of an ARN', () => {
    expect(arnLocation('arn:aws:secretsmanager:eu-west-1:210987654321:secret:a/b-AbCdEf')).toEqual({ region: 'eu-west-1', accountId: '210987654321' });
    expect(arnLocation('not-an-arn')).toBeUndefined();
  });
});

describe('assumed-role sessions', () => {
  it('are named after keywarden and the stage, and a session policy allows only the read actions staleness needs', () => {
    expect(sessionName('prod', 'staleness')).toBe('keywarden-prod-staleness');
    expect(sessionName('a'.repeat(80), 'staleness')).toHaveLength(64);
    expect(JSON.parse(sessionPolicy(STALENESS_READ_ACTIONS))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['secretsmanager:ListSecrets', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'], Resource: '*' }],
    });
  });
});
