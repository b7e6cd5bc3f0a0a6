import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { baseConfig } from './client-cache';
import { secretsManager } from './clients';

/** Where a secret lives and where its primary is (Secrets Manager's DescribeSecret). */
export interface SecretReplication {
  name?: string;
  arn?: string;
  /** The primary's region: set only for a secret that is replicated (on the primary and its replicas). */
  primaryRegion?: string;
}

/**
 * Describes `secretId` in `region` (this client's region when absent), or undefined when it is not
 * found or not readable there: the caller's next call reports that in its own words.
 */
export async function describeReplication(secretId: string, region?: string): Promise<SecretReplication | undefined> {
  const client = region ? new SecretsManagerClient({ ...baseConfig(), region }) : secretsManager();
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return { name: described.Name, arn: described.ARN, primaryRegion: described.PrimaryRegion };
  } catch {
    return undefined;
  } finally {
    if (region) client.destroy();
  }
}
