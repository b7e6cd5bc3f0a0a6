import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, type SecretsManagerClient, type Tag } from '@aws-sdk/client-secrets-manager';
import type { DemoSecret } from './secrets';

/** Creates a demo secret, tagged for `stage` and its strategy. */
export async function createDemoSecret(client: SecretsManagerClient, secret: DemoSecret, stage: string): Promise<void> {
  await client.send(new CreateSecretCommand({ Name: secret.name, SecretString: JSON.stringify(secret.value), Tags: tagsOf(secret, stage) }));
}

/** Replaces a demo secret: deleted at once (no recovery window: it is a local demo), then created. */
export async function replaceDemoSecret(client: SecretsManagerClient, secret: DemoSecret, stage: string): Promise<void> {
  if (await describeSecret(client, secret.name)) {
    await client.send(new DeleteSecretCommand({ SecretId: secret.name, ForceDeleteWithoutRecovery: true }));
  }
  await createDemoSecret(client, secret, stage);
}

/** The secret's description, or undefined when there is no such secret. */
export async function describeSecret(client: SecretsManagerClient, name: string): Promise<{ tags: Record<string, string> } | undefined> {
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    return { tags: Object.fromEntries((described.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

function tagsOf(secret: DemoSecret, stage: string): Tag[] {
  const tags = { 'keywarden:strategy': secret.strategy, 'keywarden:stage': stage, ...secret.tags };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
