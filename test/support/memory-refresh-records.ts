import type { Claim, RefreshKey, RefreshRecords } from '../../shared/refresh/refresh-records';

/**
 * {@link RefreshRecords} in memory, for the use case's unit tests: the same states as the
 * DynamoDB adapter (claimed, done, refused; failures apart), without leases (a claim never lapses).
 */
export class MemoryRefreshRecords implements RefreshRecords {
  readonly items = new Map<string, { state: 'claimed' | 'done' | 'refused'; token?: string }>();
  readonly failures = new Set<string>();
  private next = 0;

  async claim(key: RefreshKey): Promise<Claim> {
    const item = this.items.get(id(key));
    if (item?.state === 'done') return { outcome: 'done' };
    if (item?.state === 'claimed') return { outcome: 'busy' };
    const token = `t${(this.next += 1)}`;
    this.items.set(id(key), { state: 'claimed', token });
    return { outcome: 'claimed', token };
  }

  async finish(key: RefreshKey, token: string): Promise<void> {
    if (this.items.get(id(key))?.token !== token) throw new Error('not this claim');
    this.items.set(id(key), { state: 'done' });
  }

  async release(key: RefreshKey, token: string): Promise<void> {
    if (this.items.get(id(key))?.token === token) this.items.delete(id(key));
  }

  async refusalReported(key: RefreshKey): Promise<boolean> {
    return this.items.has(id(key));
  }

  async recordRefusal(key: RefreshKey): Promise<void> {
    if (!this.items.has(id(key))) this.items.set(id(key), { state: 'refused' });
  }

  async markFailed(secretArn: string, action: string, target: string): Promise<void> {
    this.failures.add(`${secretArn}#${action}#${target}`);
  }

  async failed(secretArn: string, action: string, target: string): Promise<boolean> {
    return this.failures.has(`${secretArn}#${action}#${target}`);
  }

  async clearFailed(secretArn: string, action: string, target: string): Promise<void> {
    this.failures.delete(`${secretArn}#${action}#${target}`);
  }
}

const id = (key: RefreshKey) => `${key.secretArn}#${key.versionId}#${key.action}#${key.target}`;
