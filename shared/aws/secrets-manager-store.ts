import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretsStoreError } from '../errors';
import { AWSCURRENT, AWSPENDING, type SecretMetadata, type SecretsStore, type SecretVersion, type VersionSelector } from '../secrets-store';

/**
 * {@link SecretsStore} over AWS Secrets Manager: one API call per method, errors classified.
 * `rotationToken` (a rotation in another account, reached through an assumed role) goes on every
 * PutSecretValue, as Secrets Manager requires of such a caller.
 */
export class SecretsManagerStore implements SecretsStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: { rotationToken?: string } = {},
  ) {}

  async describe(secretId: string): Promise<SecretMetadata> {
    const out = await this.call('DescribeSecret', secretId, () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    return toMetadata(out, secretId);
  }

  async getValue(secretId: string, selector: VersionSelector): Promise<SecretVersion | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: selector.versionId, VersionStage: selector.stage }),
      );
      if (out.SecretString === undefined || !out.VersionId) return undefined;
      return { versionId: out.VersionId, stages: out.VersionStages ?? [], value: out.SecretString };
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return undefined;
      throw storeError('GetSecretValue', secretId, error);
    }
  }

  async putPendingValue(secretId: string, versionId: string, value: string): Promise<'created' | 'exists'> {
    try {
      await this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: versionId,
          SecretString: value,
          VersionStages: [AWSPENDING],
          ...(this.options.rotationToken !== undefined && { RotationToken: this.options.rotationToken }),
        }),
      );
      return 'created';
    } catch (error) {
      // The service refuses a second value for a version id; for createSecret that means a
      // previous attempt already stored the pending value.
      if (errorName(error) === 'ResourceExistsException') return 'exists';
      throw storeError('PutSecretValue', secretId, error);
    }
  }

  async putCurrentValue(secretId: string, versionId: string, value: string): Promise<void> {
    await this.call('PutSecretValue', secretId, () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: versionId,
          SecretString: value,
          VersionStages: [AWSCURRENT],
          ...(this.options.rotationToken !== undefined && { RotationToken: this.options.rotationToken }),
        }),
      ),
    );
  }

  async moveStage(secretId: string, stage: string, move: { toVersionId?: string; fromVersionId?: string }): Promise<void> {
    await this.call('UpdateSecretVersionStage', secretId, () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: stage,
          MoveToVersionId: move.toVersionId,
          RemoveFromVersionId: move.fromVersionId,
        }),
      ),
    );
  }

  private async call<T>(operation: string, secretId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw storeError(operation, secretId, error);
    }
  }
}

function toMetadata(out: DescribeSecretCommandOutput, secretId: string): SecretMetadata {
  return {
    arn: out.ARN ?? secretId,
    name: out.Name ?? secretId,
    rotationEnabled: out.RotationEnabled === true,
    rotationLambdaArn: out.RotationLambdaARN || undefined,
    versions: out.VersionIdsToStages ?? {},
    tags: Object.fromEntries((out.Tags ?? []).flatMap((tag) => (tag.Key ? [[tag.Key, tag.Value ?? '']] : []))),
    lastRotatedDate: out.LastRotatedDate,
    lastChangedDate: out.LastChangedDate,
    lastAccessedDate: out.LastAccessedDate,
    deletedDate: out.DeletedDate,
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/** AWS error messages name resources, never values, so they are kept as they are. */
function storeError(operation: string, secretId: string, error: unknown): SecretsStoreError {
  const code = errorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new SecretsStoreError(`${operation} on ${secretId} failed: ${code}: ${detail}`, code, { cause: error });
}
