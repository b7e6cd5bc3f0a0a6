import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { dynamoDb } from '../../../shared/aws/clients';
import { DynamoDbBindingStore } from '../../../shared/aws/dynamodb-binding-store';
import { bindingFromFlags, customBindingFromFlagsChecked } from '../../../shared/rotation/binding-proposal';
import { bindingsTableName } from '../../../shared/rotation/settings';
import type { DemoSecret } from '../secrets';

/**
 * The demo plays the administrator too: each database secret it rotates is bound, as
 * `keywarden bind <secret> --engine ... --host ... --user ... [--alternating --master ...]` would
 * bind it, right after the secret is (re)created, so its full ARN is the one bound.
 */
export async function bindDemoSecrets(client: SecretsManagerClient, stage: string, secrets: readonly DemoSecret[]): Promise<void> {
  const registry = new DynamoDbBindingStore(dynamoDb(), bindingsTableName(stage));
  for (const secret of secrets) {
    if (secret.custom) await registry.put(customBindingFromFlagsChecked(await arnOf(client, secret.name), secret.custom));
    if (!secret.bind) continue;
    const { master, ...flags } = secret.bind;
    const masterArn = master === undefined ? undefined : await arnOf(client, master);
    await registry.put(bindingFromFlags(await arnOf(client, secret.name), { ...flags, masterArn }));
  }
}

/** Whether every named secret has a binding under its current ARN (a secret made before bindings has none). */
export async function allBound(client: SecretsManagerClient, stage: string, names: readonly string[]): Promise<boolean> {
  const registry = new DynamoDbBindingStore(dynamoDb(), bindingsTableName(stage));
  for (const name of names) {
    if (!(await registry.get(await arnOf(client, name)))) return false;
  }
  return true;
}

async function arnOf(client: SecretsManagerClient, name: string): Promise<string> {
  return (await client.send(new DescribeSecretCommand({ SecretId: name }))).ARN!;
}
