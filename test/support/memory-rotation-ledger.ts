import type { PendingRecord, RevokeGrant, RevokeGrants, RotationLedger } from '../../shared/rotation/ledger';

/** The rotation ledger in memory, with the DynamoDB adapter's rules (no expiry); for unit tests. */
export class MemoryRotationLedger implements RotationLedger, RevokeGrants {
  readonly pending = new Map<string, { hashes: Set<string>; testedAt?: number; finishedAt?: number }>();
  readonly grants = new Map<string, RevokeGrant>();

  async addPendingHash(secretArn: string, versionId: string, sha256: string, _ttlSeconds?: number): Promise<void> {
    const key = `${secretArn}#${versionId}`;
    const record = this.pending.get(key) ?? { hashes: new Set<string>() };
    record.hashes.add(sha256);
    this.pending.set(key, record);
  }

  async pendingRecord(secretArn: string, versionId: string): Promise<PendingRecord | undefined> {
    const record = this.pending.get(`${secretArn}#${versionId}`);
    return record && { hashes: [...record.hashes], testedAt: record.testedAt, finishedAt: record.finishedAt };
  }

  async markPending(secretArn: string, versionId: string, mark: 'testedAt' | 'finishedAt', atSeconds: number): Promise<void> {
    const record = this.pending.get(`${secretArn}#${versionId}`);
    if (!record) throw new Error('ConditionalCheckFailedException: no pending record');
    record[mark] = atSeconds;
  }

  async revokeGrant(secretArn: string, token: string): Promise<RevokeGrant | undefined> {
    return this.grants.get(`${secretArn}#${token}`);
  }

  async grantRevoke(secretArn: string, token: string, requestId: string, _ttlSeconds?: number): Promise<void> {
    this.grants.set(`${secretArn}#${token}`, { requestId });
  }
}
