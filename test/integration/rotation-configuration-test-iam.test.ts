import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbBindingStore } from '../../shared/aws/dynamodb-binding-store';
import { iamAccessKeyBindingFromFlags } from '../../shared/rotation/binding-iam-access-key';
import { bindingsTableName } from '../../shared/rotation/settings';
import { configurationTest } from '../support/configuration-test';
import { adminClients, keysOf, rotatorEnv, startAuthAws, whoIs, type AuthAws } from '../support/iam-auth-aws';
import { pointAtLocalAws } from '../support/local-aws';

/**
 * RotateSecret(RotateImmediately=false) for the iam-access-key strategy, through the built rotate
 * bundle against a moto that enforces IAM authentication (a file of its own: the bundle builds its
 * clients once per process, from the environment of its first invocation).
 */
let aws: AuthAws;
let iam: IAMClient;
let client: SecretsManagerClient;

beforeAll(async () => {
  aws = await startAuthAws();
  ({ iam, sm: client } = adminClients(aws));
});
afterAll(async () => aws?.stop());
beforeEach(() => void Object.assign(process.env, rotatorEnv(aws)));
afterEach(() => pointAtLocalAws());

describe('iam-access-key: STS with the current key, no key created or changed', () => {
  it('iam-access-key', async () => {
    const user = `${aws.prefix}_sched`;
    await iam.send(new CreateUserCommand({ UserName: user, Path: '/keywarden-rotated/' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
    const key = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    const name = `merchants/${aws.prefix}/sched/aws`;
    const tags = { 'keywarden:stage': 'ci', 'keywarden:strategy': 'iam-access-key' };
    const { ARN } = await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ awsAccessKeyId: key.accessKeyId, awsSecretAccessKey: key.secretAccessKey }),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    await new DynamoDbBindingStore(adminClients(aws).ddb, bindingsTableName('ci')).put(iamAccessKeyBindingFromFlags(ARN!, { iamUser: user, deleteUnusedAfterDays: 0 }));
    const before = await keysOf(iam, user);
    expect(await configurationTest(name, client)).toMatchObject({ strategy: 'iam-access-key' });
    expect(await keysOf(iam, user)).toEqual(before);
    expect(await whoIs(aws, key)).toMatch(new RegExp(`:user/keywarden-rotated/${user}$`));
  });
});
