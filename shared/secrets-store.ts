/**
 * The secrets store as the domain sees it. `shared/aws/secrets-manager-store.ts` implements it
 * over AWS Secrets Manager; tests use `test/support/memory-store.ts`.
 */

/** Staging labels that Secrets Manager gives meaning to. */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** What DescribeSecret says about a secret; never its value. */
export interface SecretMetadata {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  /** Version id to its staging labels, as VersionIdsToStages. */
  versions: Record<string, string[]>;
  tags: Record<string, string>;
  lastRotatedDate?: Date;
  lastChangedDate?: Date;
  lastAccessedDate?: Date;
  deletedDate?: Date;
}

/** Which version to read: by id, by staging label, or both (then both must match). */
export interface VersionSelector {
  versionId?: string;
  stage?: string;
}

/** A secret value of one version. */
export interface SecretVersion {
  versionId: string;
  stages: string[];
  value: string;
}

/** The operations rotation and emergency work need from the store. */
export interface SecretsStore {
  describe(secretId: string): Promise<SecretMetadata>;
  /** The version's value, or undefined when that version exists without a value or is not found. */
  getValue(secretId: string, selector: VersionSelector): Promise<SecretVersion | undefined>;
  /**
   * Stores `value` as version `versionId` labelled AWSPENDING. Returns `exists` when that version
   * already holds a value, which is how a repeated createSecret learns it has nothing to do.
   */
  putPendingValue(secretId: string, versionId: string, value: string): Promise<'created' | 'exists'>;
  /**
   * Stores `value` as a new version labelled AWSCURRENT (the service moves AWSPREVIOUS to the
   * version it replaces). `versionId` makes a retry store it once.
   */
  putCurrentValue(secretId: string, versionId: string, value: string): Promise<void>;
  /** Moves a staging label to `toVersionId`, removing it from `fromVersionId`; either may be absent. */
  moveStage(secretId: string, stage: string, move: { toVersionId?: string; fromVersionId?: string }): Promise<void>;
}

/** The version that holds `stage`, if any. */
export function versionWithStage(metadata: SecretMetadata, stage: string): string | undefined {
  return Object.entries(metadata.versions).find(([, stages]) => stages.includes(stage))?.[0];
}
