import type { Clock } from '../clock';
import type { LogSink } from '../log';
import { RotationContractError, SecretsStoreError } from '../errors';
import { rememberSecret } from '../redact';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, versionWithStage, type SecretMetadata, type SecretsStore, type SecretVersion } from '../secrets-store';
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
  log: LogSink,
): RotationContext {
  const load = memoise(async (stage: string, versionId?: string) => {
    const version = await store.getValue(metadata.arn, { stage, versionId });
    rememberSecret(version?.value);
    return version;
  });
  const currentVersion = async (): Promise<SecretVersion> => {
    const version = await load(AWSCURRENT);
    if (version === undefined) {
      throw new SecretsStoreError(`secret ${metadata.name} has no AWSCURRENT value`, 'ResourceNotFoundException');
    }
    return version;
  };
  return {
    secretId,
    arn: metadata.arn,
    name: metadata.name,
    token,
    tags: metadata.tags,
    clock,
    log,
    store,
    currentVersionId: versionWithStage(metadata, AWSCURRENT),
    current: async () => (await currentVersion()).value,
    currentVersion,
    pending: async () => {
      const value = (await load(AWSPENDING, token))?.value;
      if (value === undefined) {
        throw new RotationContractError(
          `version ${token} of secret ${metadata.name} has no value yet: createSecret has not completed`,
        );
      }
      return value;
    },
    previous: async () => (await load(AWSPREVIOUS))?.value,
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
