import type { DetectorState } from '../detection/state';
import type { AuditRecord } from './record';
import { matchesAuditQuery, newestFirst, type AuditQuery, type AuditStore, type PutOutcome, type RecordCounter } from './store';

/**
 * The audit store in memory: for `keywarden audit replay --memory` (no AWS at all), the
 * benchmark and unit tests. Same contract as the DynamoDB store: stores an event id once, and
 * counts it (in `counters`, the memory detector state) in the same step.
 */
export class MemoryAuditStore implements AuditStore {
  private readonly records = new Map<string, AuditRecord>();

  constructor(private readonly counters?: Pick<DetectorState, 'update'>) {}

  async putNew(records: readonly AuditRecord[], counter?: RecordCounter): Promise<PutOutcome> {
    const stored = new Set<string>();
    const counts = new Map<string, { key: string; add: Record<string, number>; expiresAt: number }>();
    for (const record of records) {
      if (this.records.has(record.eventId)) continue;
      this.records.set(record.eventId, record);
      stored.add(record.eventId);
      const count = counter?.(record);
      if (!count) continue;
      let update = counts.get(count.key);
      if (!update) counts.set(count.key, (update = { key: count.key, add: {}, expiresAt: count.expiresAt }));
      update.add[count.attribute] = (update.add[count.attribute] ?? 0) + 1;
      update.expiresAt = Math.max(update.expiresAt, count.expiresAt);
    }
    if (counts.size > 0) {
      if (!this.counters) throw new Error('MemoryAuditStore was given a counter but no detector state to count in');
      await this.counters.update([...counts.values()]);
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
