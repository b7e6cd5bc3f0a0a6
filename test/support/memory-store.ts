import { SecretsStoreError } from '../../shared/errors';
import {
  AWSCURRENT,
  AWSPENDING,
  AWSPREVIOUS,
  type SecretMetadata,
  type SecretsStore,
  type SecretVersion,
  type VersionSelector,
} from '../../shared/secrets-store';

interface StoredVersion {
  stages: string[];
  value?: string;
}

interface StoredSecret {
  name: string;
  rotationEnabled: boolean;
  tags: Record<string, string>;
  versions: Map<string, StoredVersion>;
}

/**
 * An in-memory store with Secrets Manager's label rules: a label lives on one version at most,
 * moving AWSCURRENT moves AWSPREVIOUS to the version it left, a version id takes one value only,
 * and RotateSecret stages an empty AWSPENDING version. For unit tests of the contract.
 */
export class MemoryStore implements SecretsStore {
  private readonly secrets = new Map<string, StoredSecret>();
  private versionCounter = 0;
  /** Every call made, by operation, for assertions on call counts. */
  readonly calls: string[] = [];
  /** Set to make the next call of that operation fail once. */
  failNext?: { operation: string; error: Error };

  create(name: string, value: string, tags: Record<string, string> = {}): string {
    const versionId = this.newVersionId();
    this.secrets.set(name, {
      name,
      rotationEnabled: true,
      tags,
      versions: new Map([[versionId, { stages: [AWSCURRENT], value }]]),
    });
    return versionId;
  }

  /** What RotateSecret does before invoking the function: an empty AWSPENDING version. */
  startRotation(name: string, token = this.newVersionId()): string {
    const secret = this.secret(name);
    this.removeLabel(secret, AWSPENDING);
    secret.versions.set(token, { stages: [AWSPENDING] });
    return token;
  }

  setRotationEnabled(name: string, enabled: boolean): void {
    this.secret(name).rotationEnabled = enabled;
  }

  labels(name: string): Record<string, string[]> {
    return Object.fromEntries([...this.secret(name).versions].map(([id, v]) => [id, [...v.stages]]));
  }

  valueOf(name: string, stage: string): string | undefined {
    return [...this.secret(name).versions.values()].find((v) => v.stages.includes(stage))?.value;
  }

  async describe(secretId: string): Promise<SecretMetadata> {
    this.record('DescribeSecret');
    const secret = this.secret(secretId);
    return {
      arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secret.name}-AbCdEf`,
      name: secret.name,
      rotationEnabled: secret.rotationEnabled,
      versions: Object.fromEntries(
        [...secret.versions].filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, [...v.stages]]),
      ),
      tags: { ...secret.tags },
    };
  }

  async getValue(secretId: string, selector: VersionSelector): Promise<SecretVersion | undefined> {
    this.record('GetSecretValue');
    const secret = this.secret(secretId);
    const stage = selector.stage ?? (selector.versionId ? undefined : AWSCURRENT);
    const entry = [...secret.versions].find(
      ([id, v]) => (!selector.versionId || id === selector.versionId) && (!stage || v.stages.includes(stage)),
    );
    if (!entry || entry[1].value === undefined) return undefined;
    return { versionId: entry[0], stages: [...entry[1].stages], value: entry[1].value };
  }

  async putPendingValue(secretId: string, versionId: string, value: string): Promise<'created' | 'exists'> {
    this.record('PutSecretValue');
    const secret = this.secret(secretId);
    const existing = secret.versions.get(versionId);
    if (existing?.value !== undefined) return 'exists';
    this.removeLabel(secret, AWSPENDING);
    secret.versions.set(versionId, { stages: [AWSPENDING], value });
    return 'created';
  }

  async putCurrentValue(secretId: string, versionId: string, value: string): Promise<void> {
    this.record('PutSecretValue');
    const secret = this.secret(secretId);
    if (secret.versions.get(versionId)?.value !== undefined) return;
    const current = [...secret.versions.values()].find((v) => v.stages.includes(AWSCURRENT));
    this.removeLabel(secret, AWSPREVIOUS);
    if (current) current.stages = [...current.stages.filter((s) => s !== AWSCURRENT), AWSPREVIOUS];
    secret.versions.set(versionId, { stages: [AWSCURRENT], value });
  }

  async moveStage(secretId: string, stage: string, move: { toVersionId?: string; fromVersionId?: string }): Promise<void> {
    this.record('UpdateSecretVersionStage');
    const secret = this.secret(secretId);
    const from = move.fromVersionId ? secret.versions.get(move.fromVersionId) : undefined;
    if (move.fromVersionId && !from?.stages.includes(stage)) {
      throw new SecretsStoreError(`label ${stage} is not on version ${move.fromVersionId}`, 'InvalidParameterException');
    }
    if (move.toVersionId && !secret.versions.has(move.toVersionId)) {
      throw new SecretsStoreError(`no version ${move.toVersionId}`, 'InvalidParameterException');
    }
    if (stage === AWSCURRENT && move.fromVersionId) this.removeLabel(secret, AWSPREVIOUS);
    if (from) from.stages = from.stages.filter((s) => s !== stage);
    if (move.toVersionId) secret.versions.get(move.toVersionId)!.stages.push(stage);
    if (stage === AWSCURRENT && from) from.stages.push(AWSPREVIOUS);
  }

  private record(operation: string): void {
    this.calls.push(operation);
    if (this.failNext?.operation === operation) {
      const { error } = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }

  private secret(secretId: string): StoredSecret {
    const name = secretId.startsWith('arn:') ? secretId.split(':secret:')[1]!.replace(/-[A-Za-z0-9]{6}$/, '') : secretId;
    const secret = this.secrets.get(name);
    if (!secret) throw new SecretsStoreError(`secret ${name} not found`, 'ResourceNotFoundException');
    return secret;
  }

  private removeLabel(secret: StoredSecret, stage: string): void {
    for (const version of secret.versions.values()) version.stages = version.stages.filter((s) => s !== stage);
  }

  private newVersionId(): string {
    this.versionCounter += 1;
    return `00000000-0000-4000-8000-${String(this.versionCounter).padStart(12, '0')}`;
  }
}
