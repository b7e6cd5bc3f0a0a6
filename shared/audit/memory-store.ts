import type { AuditRecord } from './record';
import { matchesAuditQuery, newestFirst, type AuditQuery, type AuditStore } from './store';

/**
 * The audit store in memory: for `keywarden audit replay --memory` (no AWS at all), the
 * benchmark and unit tests. Same contract as the DynamoDB store: stores an event id once.
 */
export class MemoryAuditStore implements AuditStore {
  private readonly records = new Map<string, AuditRecord>();

  async putNew(records: readonly AuditRecord[]): Promise<ReadonlySet<string>> {
    const stored = new Set<string>();
    for (const record of records) {
      if (this.records.has(record.eventId)) continue;
      this.records.set(record.eventId, record);
      stored.add(record.eventId);
    }
    return stored;
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    return [...this.records.values()].filter((r) => matchesAuditQuery(r, query)).sort(newestFirst).slice(0, query.limit);
  }

  /** How many records it holds. */
  get size(): number {
    return this.records.size;
  }
}
