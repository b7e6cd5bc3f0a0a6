import type { Clock } from '../clock';
import { RotationContractError, SecretsStoreError } from '../errors';
import { rememberSecret } from '../redact';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, type SecretMetadata, type SecretsStore } from '../secrets-store';
import type { RotationContext } from './strategy';

/**
 * Builds the context a strategy sees, with each value loaded at most once per step: the step
 * pays for a GetSecretValue only if the strategy asks for that value.
 */
export function createRotationContext(
  secretId: string,
  token: string,
  metadata: SecretMetadata,
  store: SecretsStore,
  clock: Clock,
): RotationContext {
  const load = memoise(async (stage: string, versionId?: string) => {
    const version = await store.getValue(metadata.arn, { stage, versionId });
    rememberSecret(version?.value);
    return version?.value;
  });
  return {
    secretId,
    arn: metadata.arn,
    name: metadata.name,
    token,
    tags: metadata.tags,
    clock,
    store,
    current: async () => {
      const value = await load(AWSCURRENT);
      if (value === undefined) {
        throw new SecretsStoreError(`secret ${metadata.name} has no AWSCURRENT value`, 'ResourceNotFoundException');
      }
      return value;
    },
    pending: async () => {
      const value = await load(AWSPENDING, token);
      if (value === undefined) {
        throw new RotationContractError(
          `version ${token} of secret ${metadata.name} has no value yet: createSecret has not completed`,
        );
      }
      return value;
    },
    previous: () => load(AWSPREVIOUS),
  };
}

function memoise<T>(fn: (stage: string, versionId?: string) => Promise<T>) {
  const cache = new Map<string, Promise<T>>();
  return (stage: string, versionId?: string): Promise<T> => {
    const key = `${stage}/${versionId ?? ''}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = fn(stage, versionId);
      cache.set(key, hit);
      hit.catch(() => cache.delete(key));
    }
    return hit;
  };
}
