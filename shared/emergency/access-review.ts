import type { AuditRecord } from '../audit/record';
import type { AuditStore } from '../audit/store';

/** The most audit records one review reads; the review says when it stopped there. */
export const ACCESS_REVIEW_LIMIT = 5_000;

/** One principal's touches of the secret in the review window. */
export interface PrincipalAccess {
  principal: string;
  arn?: string;
  tenant?: string;
  reads: number;
  denied: number;
  firstAt: string;
  lastAt: string;
  sourceIps: string[];
  versionStages: string[];
}

/** Who read a secret, and who tried, over the last days. */
export interface AccessReview {
  secret: string;
  since: string;
  until: string;
  reads: number;
  denied: number;
  principals: PrincipalAccess[];
  /** True when the window held more records than the review read. */
  truncated: boolean;
}

/** Reads the audit trail for `secret` between `since` and `until` and sums it up by principal. */
export async function reviewAccess(store: AuditStore, secret: string, since: Date, until: Date): Promise<AccessReview> {
  return (await reviewAccessWithRecords(store, secret, since, until)).review;
}

/** {@link reviewAccess}, with the records it read (the emergency builds its consumer list from the same query). */
export async function reviewAccessWithRecords(store: AuditStore, secret: string, since: Date, until: Date): Promise<{ review: AccessReview; records: AuditRecord[] }> {
  const records = await store.query({ by: 'secret', value: secret, since: since.toISOString(), until: until.toISOString(), limit: ACCESS_REVIEW_LIMIT });
  return { review: summariseAccess(records, secret, since, until), records };
}

function summariseAccess(records: readonly AuditRecord[], secret: string, since: Date, until: Date): AccessReview {
  const touches = records.filter((r) => r.readsValue);
  const principals = summariseByPrincipal(touches);
  return {
    secret,
    since: since.toISOString(),
    until: until.toISOString(),
    reads: touches.filter((r) => !r.errorCode).length,
    denied: touches.filter((r) => r.errorCode).length,
    principals,
    truncated: records.length >= ACCESS_REVIEW_LIMIT,
  };
}

function summariseByPrincipal(records: readonly AuditRecord[]): PrincipalAccess[] {
  const byKey = new Map<string, PrincipalAccess>();
  for (const record of records) {
    const key = record.principal.key;
    const entry = byKey.get(key) ?? {
      principal: key,
      arn: record.principal.arn,
      tenant: record.principal.tenant,
      reads: 0,
      denied: 0,
      firstAt: record.time,
      lastAt: record.time,
      sourceIps: [],
      versionStages: [],
    };
    if (record.errorCode) entry.denied += 1;
    else entry.reads += 1;
    if (record.time < entry.firstAt) entry.firstAt = record.time;
    if (record.time > entry.lastAt) entry.lastAt = record.time;
    addOnce(entry.sourceIps, record.sourceIp);
    addOnce(entry.versionStages, record.versionStage);
    byKey.set(key, entry);
  }
  return [...byKey.values()].sort((a, b) => b.reads + b.denied - (a.reads + a.denied));
}

function addOnce(list: string[], value: string | undefined): void {
  if (value && !list.includes(value)) list.push(value);
}
