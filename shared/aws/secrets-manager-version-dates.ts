import { ListSecretVersionIdsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsStoreError } from '../errors';

/**
 * When Secrets Manager created a version of a secret (ListSecretVersionIds' `CreatedDate`), or
 * undefined when the secret has no such version. The refresh function stamps its annotations with
 * this time, not with the event's: the secret says it, and it is the same on every delivery.
 */
export function secretVersionCreatedAt(client: SecretsManagerClient): (secretId: string, versionId: string) => Promise<Date | undefined> {
  return async (secretId, versionId) => {
    let NextToken: string | undefined;
    do {
      let out;
      try {
        out = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, MaxResults: 100, ...(NextToken !== undefined && { NextToken }) }));
      } catch (error) {
        const code = error instanceof Error ? error.name : 'UnknownError';
        throw new SecretsStoreError(`ListSecretVersionIds on ${secretId} failed: ${code}: ${error instanceof Error ? error.message : String(error)}`, code, { cause: error });
      }
      const version = out.Versions?.find((v) => v.VersionId === versionId);
      if (version) return version.CreatedDate;
      NextToken = out.NextToken;
    } while (NextToken);
    return undefined;
  };
}
