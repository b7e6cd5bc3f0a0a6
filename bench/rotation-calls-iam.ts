import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbBindingStore } from '../shared/aws/dynamodb-binding-store';
import { iamAccessKeyBindingFromFlags } from '../shared/rotation/binding-iam-access-key';
import { bindingsTableName } from '../shared/rotation/settings';
import { callsByService } from './stage';
import { median } from './stats';

/**
 * Calls one `iam-access-key` rotation makes on the wire (Secrets Manager, DynamoDB, IAM, STS), in
 * the steady state: every rotation deactivates and deletes the key before the previous one
 * (bound with deleteUnusedAfterDays 0, so the previous key is always deletable), creates one,
 * and proves it with STS.
 */
export async function printIamAccessKeyCalls(options: {
  motoEndpoint: string;
  direct: SecretsManagerClient;
  counts: Map<string, number>;
  rotations: number;
  rotateOnce: (name: string) => Promise<number>;
  roundTripMs: (name: string) => Promise<number>;
}): Promise<void> {
  const config = { endpoint: options.motoEndpoint };
  const iam = new IAMClient(config);
  const user = 'bench-merchant-uploader';
  await iam.send(new CreateUserCommand({ UserName: user, Path: '/keywarden-rotated/' }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  const name = 'bench/tenant-1/iam-access-key';
  const value = { awsAccessKeyId: AccessKey!.AccessKeyId, awsSecretAccessKey: AccessKey!.SecretAccessKey, awsRegion: 'eu-west-1' };
  const { ARN } = await options.direct.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value), Tags: [{ Key: 'keywarden:strategy', Value: 'iam-access-key' }] }));
  await new DynamoDbBindingStore(new DynamoDBClient(config), bindingsTableName('ci')).put(iamAccessKeyBindingFromFlags(ARN!, { iamUser: user, deleteUnusedAfterDays: 0 }));
  await options.rotateOnce(name); // warm the bundle's IAM chunk and clients
  await options.rotateOnce(name); // from here on the user has two keys, as in every later rotation
  options.counts.clear();
  const rotationMs: number[] = [];
  for (let i = 0; i < options.rotations; i += 1) rotationMs.push(await options.rotateOnce(name));
  const { secretsManager, dynamoDb } = callsByService(options.counts, options.rotations);
  const of = (prefix: string) => [...options.counts].filter(([op]) => op.startsWith(prefix)).map(([op, n]) => `${op.slice(prefix.length)} ${n / options.rotations}`);
  const total = secretsManager.reduce((sum, [, n]) => sum + n, 0);
  const roundTrip = await options.roundTripMs(name);
  console.log(
    `${'iam-access-key'.padEnd(19)} ${total} calls (${secretsManager.map(([op, n]) => `${op} ${n}`).join(', ')}); DynamoDB ${dynamoDb.map(([op, n]) => `${op} ${n}`).join(', ')}; ` +
      `IAM ${of('iam.').join(', ')}; STS ${of('sts.').join(', ')}; ` +
      `rotation ${median(rotationMs).toFixed(1)} ms = ${(median(rotationMs) / roundTrip).toFixed(1)}x one DescribeSecret round trip (${roundTrip.toFixed(2)} ms)`,
  );
}
