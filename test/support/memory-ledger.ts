import type { EmergencyLedger } from '../../shared/emergency/ledger';

/** The emergency ledger in memory, with the DynamoDB adapter's rules; for unit tests. */
export class MemoryLedger implements EmergencyLedger {
  readonly requests = new Map<string, { report?: unknown }>();
  readonly locks = new Map<string, string>();

  async claimRequest(requestId: string) {
    const existing = this.requests.get(requestId);
    if (existing) return { claimed: false as const, report: existing.report };
    this.requests.set(requestId, {});
    return { claimed: true as const };
  }

  async finishRequest(requestId: string, report: unknown) {
    this.requests.set(requestId, { report: structuredClone(report) });
  }

  async lockSecret(secretArn: string, requestId: string) {
    const holder = this.locks.get(secretArn);
    if (holder && holder !== requestId) return { locked: false as const, heldBy: holder };
    this.locks.set(secretArn, requestId);
    return { locked: true as const };
  }

  async releaseSecret(secretArn: string, requestId: string) {
    if (this.locks.get(secretArn) === requestId) this.locks.delete(secretArn);
  }
}
