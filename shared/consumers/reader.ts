import type { AuditRecord } from '../audit/record';
import type { AuditStore } from '../audit/store';
import { currentSince, type CurrentSince } from './current-since';
import { buildConsumerMap, type ConsumerMap } from './map';

/**
 * Reads a secret's consumers from the audit trail: at most two bounded queries on the `bySecret`
 * index. The first reads from a window before the change Secrets Manager dates up to now (newest
 * first), which holds the reads since the change, the record of the change itself and the reads
 * before it; the second, only when the first did not reach back a full window before the change
 * the trail shows (it stopped at its limit, or the trail dates the change earlier), reads the
 * reads before it, so a busy secret's readers from before the change are seen even when reads
 * since then fill the first query.
 */

/** Most records one query reads (newest first); a map built from fewer than all says so. */
export const QUERY_LIMIT = 10_000;

/** What the reader knows of the secret without reading the audit trail (DescribeSecret or ListSecrets). */
export interface SecretFacts {
  name: string;
  currentVersionId?: string;
  lastRotatedDate?: Date;
  lastChangedDate?: Date;
}

/** The map with what it was built from. */
export interface ConsumerReading {
  map: ConsumerMap;
  /** When the current version became AWSCURRENT, when known. */
  currentSince?: CurrentSince;
  /** The records read (rotation events included): the caller may look for more in them. */
  records: AuditRecord[];
  /** Audit-table queries made (1 or 2; each may be several pages). */
  queries: number;
  /** True when a query stopped at {@link QUERY_LIMIT}: the oldest reads were not seen. */
  truncated: boolean;
  since: string;
  until: string;
}

/** Reads the consumers of `secret` over `windowDays` (before the change too), as of `now`. */
export async function readConsumers(store: AuditStore, secret: SecretFacts, now: Date, windowDays: number, limit = QUERY_LIMIT): Promise<ConsumerReading> {
  const windowMs = windowDays * 86_400_000;
  const until = now.toISOString();
  const firstSince = firstQuerySince(secret, now, windowMs);
  const recent = await store.query({ by: 'secret', value: secret.name, since: firstSince, until, limit });
  let records = recent;
  let queries = 1;
  let truncated = recent.length >= limit;
  const since = currentSince(recent, secret.currentVersionId, secret);
  let from = firstSince;
  if (since) {
    const earlier = earlierWindow(since.at, windowMs, truncated ? recent[recent.length - 1]!.time : firstSince);
    if (earlier) {
      const older = await store.query({ by: 'secret', value: secret.name, since: earlier.since, until: earlier.until, limit });
      queries += 1;
      truncated ||= older.length >= limit;
      records = mergeRecords(recent, older);
      from = earlier.since;
    }
  }
  const map = buildConsumerMap(records, { currentVersionId: secret.currentVersionId, currentSince: since?.at });
  return { map, currentSince: since, records, queries, truncated, since: from, until };
}

/**
 * How much earlier than Secrets Manager's date the trail may date the change without a second
 * query: CloudTrail's times are whole seconds, and a rotation's LastRotatedDate can be a little
 * after the label moved.
 */
const DATE_MARGIN_MS = 3_600_000;

/**
 * Where the first query starts: a window before Secrets Manager's date of the change when it has
 * one (so the reads before a recent change come with the first query, and the second is needed
 * only when the trail dates the change earlier or the first stopped at its limit), never more than
 * two windows back, never less than one.
 */
function firstQuerySince(secret: SecretFacts, now: Date, windowMs: number): string {
  const changed = (secret.lastRotatedDate ?? secret.lastChangedDate)?.getTime() ?? now.getTime();
  const since = Math.max(now.getTime() - 2 * windowMs, Math.min(now.getTime() - windowMs, changed - windowMs - DATE_MARGIN_MS));
  return new Date(since).toISOString();
}

/** The part of [change − window, change) the first query did not cover, if any. */
function earlierWindow(changeAt: string, windowMs: number, coveredFrom: string): { since: string; until: string } | undefined {
  const since = new Date(Date.parse(changeAt) - windowMs).toISOString();
  const until = changeAt < coveredFrom ? changeAt : coveredFrom;
  return since < until ? { since, until } : undefined;
}

function mergeRecords(a: readonly AuditRecord[], b: readonly AuditRecord[]): AuditRecord[] {
  const seen = new Set(a.map((r) => r.eventId));
  return [...a, ...b.filter((r) => !seen.has(r.eventId))];
}
