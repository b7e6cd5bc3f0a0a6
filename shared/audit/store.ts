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

/** The audit table. */
export interface AuditStore {
  /**
   * Stores each record whose event id is not stored yet, and returns the ids this call stored.
   * A record stored before (a redelivery, or the same event in a concurrent batch) is left as it
   * is and its id is not returned, so whoever stored it is the one that counts it.
   */
  putNew(records: readonly AuditRecord[]): Promise<ReadonlySet<string>>;
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

/** The one definition of what a record is indexed under, shared by every store. */
export function auditIndexEntries(record: AuditRecord): AuditIndexEntries {
  const tenants = [...new Set(record.secrets.flatMap((s) => (s.tenant ? [s.tenant] : [])))];
  if (tenants.length === 0 && record.principal.tenant) tenants.push(record.principal.tenant);
  return { secrets: record.secrets.map((s) => s.name), principal: record.principal.key, tenants };
}

/** Whether a record answers a query (the memory store's filter; DynamoDB's indexes do the same). */
export function matchesAuditQuery(record: AuditRecord, query: AuditQuery): boolean {
  if (record.time < query.since || record.time > query.until) return false;
  const entries = auditIndexEntries(record);
  switch (query.by) {
    case 'secret':
      return entries.secrets.includes(query.value);
    case 'principal':
      return entries.principal === query.value;
    case 'tenant':
      return entries.tenants.includes(query.value);
  }
}

/** Newest first; ties broken by event id so the order is stable. */
export function newestFirst(a: AuditRecord, b: AuditRecord): number {
  if (a.time !== b.time) return a.time < b.time ? 1 : -1;
  return a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0;
}
