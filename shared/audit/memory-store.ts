import type { AuditRecord } from './record';
import { matchesAuditQuery, newestFirst, sumCounts, type AuditQuery, type AuditStore, type CountSink, type PutOutcome, type RecordCounter } from './store';

/**
 * The audit store in memory: for `keywarden audit replay --memory` (no AWS at all), the
 * benchmark and unit tests. Same contract as the DynamoDB store: stores an event id once, and
 * counts it (in `counters`, the memory detector state) in the same step.
 */
export class MemoryAuditStore implements AuditStore {
  private readonly records = new Map<string, AuditRecord>();

  constructor(private readonly counters?: CountSink) {}

  async putNew(records: readonly AuditRecord[], counter?: RecordCounter): Promise<PutOutcome> {
    const stored = new Set<string>();
    const fresh: AuditRecord[] = [];
    for (const record of records) {
      if (this.records.has(record.eventId)) continue;
      this.records.set(record.eventId, record);
      stored.add(record.eventId);
      fresh.push(record);
    }
    const sums = counter ? sumCounts(fresh.map(counter)) : [];
    if (sums.length > 0) {
      if (!this.counters) throw new Error('MemoryAuditStore was given a counter but no detector state to count in');
      await this.counters.update(sums.map((sum) => ({ key: sum.key, add: Object.fromEntries(sum.adds), expiresAt: sum.expiresAt })));
    }
    return { stored, refused: new Map() };
  }

  async query(query: AuditQuery): Promise<AuditRecord[]> {
    return [...this.records.values()].filter((r) => matchesAuditQuery(r, query)).sort(newestFirst).slice(0, query.limit);
  }

  /** How many records it holds. */
  get size(): number {
    return this.records.size;
  }
}
