import { boundedText } from './bounded';
import type { AuditRecord } from './record';

/**
 * The audit trail's storage, as on-call asks it questions: what touched this secret, what did this
 * principal do, what happened in this tenant, over a time range. The DynamoDB adapter lives in
 * shared/aws/dynamodb-audit-store.ts; {@link MemoryAuditStore} (memory-store.ts) is the same
 * contract in memory, for `keywarden audit replay --memory`, the benchmark and unit tests.
 */

/** What a query is by. */
export const AUDIT_QUERY_KEYS = ['secret', 'principal', 'tenant'] as const;
export type AuditQueryKey = (typeof AUDIT_QUERY_KEYS)[number];

/** One question to the audit trail. */
export interface AuditQuery {
  by: AuditQueryKey;
  /** A secret name, a principal key (role or user ARN), or a tenant. */
  value: string;
  /** ISO 8601, inclusive. */
  since: string;
  /** ISO 8601, inclusive. */
  until: string;
  /** At most this many records, newest first. */
  limit: number;
}

/**
 * A detector-state counter that counts a record: added in the same write that stores the record
 * (one DynamoDB transaction), so an event adds to it exactly once however often it is delivered,
 * even when the batch failed after storing it.
 */
export interface RecordCount {
  /** The detector-state item and its numeric attribute (one per principal). */
  key: string;
  attribute: string;
  /** When the item may be deleted (epoch seconds). */
  expiresAt: number;
}

/** Which counter, if any, a record adds one to (the detectors' hourly value reads). */
export type RecordCounter = (record: AuditRecord) => RecordCount | undefined;

/** The counts of several records, one entry per counter item: what one write adds to it. */
export interface CounterIncrement {
  key: string;
  /** Attribute → how many records add to it. */
  adds: Map<string, number>;
  expiresAt: number;
}

/** Sums record counts per item and attribute, so each counter item costs one update. */
export function sumCounts(counts: Iterable<RecordCount | undefined>): CounterIncrement[] {
  const byKey = new Map<string, CounterIncrement>();
  for (const count of counts) {
    if (!count) continue;
    let sum = byKey.get(count.key);
    if (!sum) byKey.set(count.key, (sum = { key: count.key, adds: new Map(), expiresAt: count.expiresAt }));
    sum.adds.set(count.attribute, (sum.adds.get(count.attribute) ?? 0) + 1);
    if (count.expiresAt > sum.expiresAt) sum.expiresAt = count.expiresAt;
  }
  return [...byKey.values()];
}

/** What {@link AuditStore.putNew} did. */
/**
 * Where an in-memory store adds its counts: the detector state's `update`, seen from the audit
 * side as just this (so the audit stage needs nothing of detection's).
 */
export interface CountSink {
  update(updates: readonly { key: string; add: Record<string, number>; expiresAt: number }[]): Promise<unknown>;
}

export interface PutOutcome {
  /** Event ids this call stored (and counted). */
  stored: ReadonlySet<string>;
  /**
   * Event ids the table refused for good, with why (a reason naming the limit, never the value):
   * sent to the DLQ alone, while the rest of the batch goes on.
   */
  refused: ReadonlyMap<string, string>;
}

/** The audit table. */
export interface AuditStore {
  /**
   * Stores each record whose event id is not stored yet, with its count (`counter`) in the same
   * atomic write, and returns the ids this call stored. A record stored before (a redelivery, or
   * the same event in a concurrent batch) is left as it is, not counted again, and its id is not
   * returned. A record the table refuses for good is reported in `refused`, not thrown.
   */
  putNew(records: readonly AuditRecord[], counter?: RecordCounter): Promise<PutOutcome>;
  /** Records matching the query, newest first, each once. */
  query(query: AuditQuery): Promise<AuditRecord[]>;
}

/** Under which secrets, principal and tenants a record is found. */
export interface AuditIndexEntries {
  secrets: string[];
  principal: string;
  /**
   * The tenants owning the secrets it names; when none of them belongs to a tenant, the
   * principal's tenant (so a tenant's ListSecrets calls are found under it too).
   */
  tenants: string[];
}

/**
 * DynamoDB's key limits: an index's partition key at most 2,048 bytes, a table's sort key at most
 * 1,024. Normalisation already bounds ids below these; the store bounds again, so no record can
 * make a write fail on a key whatever produced it.
 */
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;

/** The one definition of what a record is indexed under, shared by every store. */
export function auditIndexEntries(record: AuditRecord): AuditIndexEntries {
  const tenants = [...new Set(record.secrets.flatMap((s) => (s.tenant ? [boundedText(s.tenant, MAX_PARTITION_KEY_BYTES)] : [])))];
  if (tenants.length === 0 && record.principal.tenant) tenants.push(boundedText(record.principal.tenant, MAX_PARTITION_KEY_BYTES));
  // A secret of another account than the deployment's is kept under `<account>:<name>` (its
  // tenant already carries the account, member-accounts.ts); the deployment's own keep their keys.
  const secrets = record.secrets.map((s) => boundedText(s.account === undefined ? s.name : `${s.account}:${s.name}`, MAX_SORT_KEY_BYTES));
  return { secrets, principal: boundedText(record.principal.key, MAX_PARTITION_KEY_BYTES), tenants };
}

/** A query's value bounded as the stored keys are, so a long name finds its records. */
export function boundedQueryValue(query: AuditQuery): string {
  return boundedText(query.value, query.by === 'secret' ? MAX_SORT_KEY_BYTES : MAX_PARTITION_KEY_BYTES);
}

/** Whether a record answers a query (the memory store's filter; DynamoDB's indexes do the same). */
export function matchesAuditQuery(record: AuditRecord, query: AuditQuery): boolean {
  if (record.time < query.since || record.time > query.until) return false;
  const entries = auditIndexEntries(record);
  const value = boundedQueryValue(query);
  switch (query.by) {
    case 'secret':
      return entries.secrets.includes(value);
    case 'principal':
      return entries.principal === value;
    case 'tenant':
      return entries.tenants.includes(value);
  }
}

/** Newest first; ties broken by event id so the order is stable. */
export function newestFirst(a: AuditRecord, b: AuditRecord): number {
  if (a.time !== b.time) return a.time < b.time ? 1 : -1;
  return a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0;
}
