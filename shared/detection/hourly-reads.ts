import type { AuditRecord } from '../audit/record';
import type { RecordCount, RecordCounter } from '../audit/store';
import { principalIsOneOf, type DetectionConfig } from './config';
import { hourStartMs, principalAttribute, shardOf, shortHash, stateKeys, timeMs } from './keys';
import { expiryAfter } from './phase';

const HOUR_MS = 3_600_000;
/** The attribute tag of a principal's hourly value reads in an hour item (`n.<principal hash>`). */
export const HOURLY_READS_TAG = 'n';
/** Late events still find their hour's counter this long after the baseline stops needing it. */
const LATE_EVENTS_MS = HOUR_MS;

/**
 * The hourly value-read counters (`hour#<start>#<shard>`, attribute `n.<principal hash>`) that
 * read-rate-anomaly judges. They are numbers, so unlike the window sets they are not idempotent
 * by themselves: they are added by the audit store in the same transaction that stores the
 * event, so each event counts exactly once however often SQS or Lambda deliver it. The engine
 * only reads them.
 *
 * Counts value reads (allowed or denied) by principals that are watched: not keywarden's own
 * roles, not AWS services.
 */
export function hourlyReadCounter(config: DetectionConfig, nowMs: number): RecordCounter {
  // A principal reads many times an hour: its count is worked out once per principal and hour
  // (ISO times are fixed-width, so the first 13 characters name the hour).
  const latest = new Map<string, { hour: string; count: RecordCount | undefined }>();
  return (record: AuditRecord) => {
    if (!record.readsValue || record.principal.type === 'AWSService') return undefined;
    const known = latest.get(record.principal.key);
    if (known && record.time.startsWith(known.hour)) return known.count;
    const count = principalIsOneOf(record.principal, config.ownRoles) ? undefined : countOf(record, config, nowMs);
    latest.set(record.principal.key, { hour: record.time.slice(0, 13), count });
    return count;
  };
}

function countOf(record: AuditRecord, config: DetectionConfig, nowMs: number): RecordCount {
  const principalHash = shortHash(record.principal.key);
  const hour = hourStartMs(timeMs(record.time));
  return {
    key: stateKeys.hour(hour, shardOf(principalHash, config.stateShards)),
    attribute: principalAttribute(HOURLY_READS_TAG, principalHash),
    expiresAt: expiryAfter(hour + (config.rateBaselineHours + 1) * HOUR_MS, LATE_EVENTS_MS, nowMs),
  };
}
