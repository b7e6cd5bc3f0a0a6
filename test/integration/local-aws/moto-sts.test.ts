import { randomUUID } from 'node:crypto';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { HOME, inAccount, MEMBER } from '../../support/accounts';

// The STS patch (cli/local/moto_patches/sts.py): AssumeRole is refused, as AWS refuses it, for a
// role that does not exist and for a caller without the external id the role's trust policy
// demands. moto handed out credentials for any role ARN. Fails on moto without the patch.
const sts = new STSClient({});

async function refusal(request: { RoleArn: string; ExternalId?: string }): Promise<string> {
  try {
    await sts.send(new AssumeRoleCommand({ RoleSessionName: 'moto-sts-test', ...request }));
    return 'granted';
  } catch (error) {
    return (error as Error).name;
  }
}

/** A role in `account` trusting HOME, demanding `externalId` when given. */
async function role(account: string, externalId?: string): Promise<string> {
  const name = `moto-sts-${randomUUID().slice(0, 8)}`;
  const condition = externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {};
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${HOME}:root` }, Action: 'sts:AssumeRole', ...condition }] };
  const { Role } = await inAccount(new IAMClient({}), account).send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  return Role!.Arn!;
}

describe('moto STS patch (cli/local/moto_patches/sts.py)', () => {
  it('AssumeRole needs an existing role: a role never created, in this account or another, is AccessDenied (moto granted any ARN)', async () => {
    expect(await refusal({ RoleArn: `arn:aws:iam::${MEMBER}:role/never-created-${randomUUID().slice(0, 8)}` })).toBe('AccessDenied');
    expect(await refusal({ RoleArn: `arn:aws:iam::${HOME}:role/never-created-${randomUUID().slice(0, 8)}` })).toBe('AccessDenied');
    expect(await refusal({ RoleArn: 'not-an-arn' })).toBe('AccessDenied');
  });

  it("AssumeRole needs the trust policy's external id: missing or wrong is AccessDenied (moto granted it), the right one is granted", async () => {
    const arn = await role(MEMBER, 'kw-external-id-1');
    expect(await refusal({ RoleArn: arn })).toBe('AccessDenied');
    expect(await refusal({ RoleArn: arn, ExternalId: 'guessed' })).toBe('AccessDenied');
    expect(await refusal({ RoleArn: arn, ExternalId: 'kw-external-id-1' })).toBe('granted');
  });

  it('AssumeRole of an existing role without an external id condition is granted, and its session acts in the role\'s account', async () => {
    const arn = await role(MEMBER);
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'moto-sts-test' }));
    const session = new STSClient({ credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken } });
    expect((await session.send(new GetCallerIdentityCommand({}))).Account).toBe(MEMBER);
  });
});
