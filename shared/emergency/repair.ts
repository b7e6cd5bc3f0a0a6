import { AWSCURRENT, AWSPENDING, type SecretMetadata, type SecretsStore } from '../secrets-store';

/**
 * A rotation is stuck when AWSPENDING sits on a version that is not AWSCURRENT: the service
 * refuses to start another until it is gone.
 */
export function stuckPendingVersion(metadata: SecretMetadata): string | undefined {
  const entry = Object.entries(metadata.versions).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT));
  return entry?.[0];
}

/**
 * Removes a stuck AWSPENDING label. The abandoned version keeps its value (if any) but no label,
 * so nothing reads it and a new rotation can start; AWSCURRENT is untouched, so every existing
 * credential keeps working.
 */
export async function repairStuckRotation(store: SecretsStore, metadata: SecretMetadata): Promise<string | undefined> {
  const versionId = stuckPendingVersion(metadata);
  if (versionId) await store.moveStage(metadata.arn, AWSPENDING, { fromVersionId: versionId });
  return versionId;
}
