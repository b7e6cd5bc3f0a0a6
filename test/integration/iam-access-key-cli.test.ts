import { describe, expect, it } from 'vitest';
import { bindings, createSecret } from '../support/db-rotation';
import { uniqueSuffix } from '../support/db-services';
import { localAwsEnv } from '../support/local-aws';
import { runKeywarden } from '../support/run-cli';
import { readPackagedTemplate, roleStatements } from '../support/template';
import { templateActions } from '../support/iam-auth-aws';

/** `keywarden bind --iam-user` as an administrator runs it, and the rotate role's IAM key rights in the packaged template. */
const cli = (...args: string[]) => runKeywarden(args, { ...process.env, ...localAwsEnv(), KEYWARDEN_STAGE: 'ci' });
const ROLE = 'arn:aws:iam::210987654321:role/keywarden-rotator/key-rotator';

describe('keywarden bind --iam-user', () => {
  it('binds an access key secret to a user and a role, lists it, and answers bad usage with 2 writing nothing', async () => {
    const s = uniqueSuffix();
    const arn = await createSecret(`merchants/m-${s}/aws`, { awsAccessKeyId: 'AKIAEXAMPLEEXAMPLE00', awsSecretAccessKey: `secret-${s}-${'x'.repeat(20)}` }, { 'keywarden:strategy': 'iam-access-key' });
    expect((await cli('bind', `merchants/m-${s}/aws`, '--iam-user', 'm-uploader', '--assume-role', 'not-a-role')).code).toBe(2);
    expect((await cli('bind', `merchants/m-${s}/aws`, '--iam-user', 'm-uploader', '--host', 'db')).code).toBe(2);
    expect((await cli('bind', `merchants/m-${s}/aws`, '--assume-role', ROLE)).code).toBe(2);
    expect((await cli('bind', `merchants/m-${s}/aws`, '--iam-user', 'm-uploader', '--delete-unused-after-days', '400')).code).toBe(2);
    const proposed = await cli('bind', `merchants/m-${s}/aws`, '--from-current');
    expect(proposed.code).toBe(2);
    expect(proposed.stderr).toContain('holds an IAM access key, whose value does not say which user it belongs to: bind it with --iam-user <user>');
    expect(await bindings().list()).toEqual([]);

    const bound = await cli('bind', `merchants/m-${s}/aws`, '--iam-user', 'm-uploader', '--assume-role', ROLE, '--external-id', 'kw-ext-1', '--delete-unused-after-days', '3');
    expect(bound.code).toBe(0);
    expect(bound.stdout).toContain(`IAM access keys of user m-uploader through role ${ROLE} (with an external id); a previous key is deleted after 3 day(s) unused`);
    expect(await bindings().get(arn)).toEqual({ secretArn: arn, engine: 'iam-access-key', iamUser: 'm-uploader', assumeRoleArn: ROLE, externalId: 'kw-ext-1', deleteUnusedAfterDays: 3 });
    expect((await cli('bind', '--list')).stdout).toContain(`${arn}: IAM access keys of user m-uploader`);
  });
});

describe('the rotate role\'s rights for iam-access-key (deploy/iam-access-key.yml)', () => {
  it('allows exactly the five key calls on users under the rotated path and AssumeRole on roles under the rotator path, nothing wider', () => {
    const { Resources } = readPackagedTemplate();
    const iamStatements = roleStatements(Resources, 'RotateRole').filter((statement) => JSON.stringify(statement.Action).includes('iam:') || JSON.stringify(statement.Action).includes('sts:'));
    expect(iamStatements).toEqual([
      {
        Sid: 'RotateKeysOfPathUsers',
        Effect: 'Allow',
        Action: ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey', 'iam:GetAccessKeyLastUsed'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:user/keywarden-rotated/*' },
      },
      // No rotationAccountRoles in the ci stage: this account's rotator roles only, never iam::*.
      { Sid: 'AssumeKeyRotatorRolesInOtherAccounts', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/keywarden-rotator/*' }] },
    ]);
    expect(templateActions(Resources, 'RotateRole').filter((action) => action.includes('*'))).toEqual([]);
  });
});
