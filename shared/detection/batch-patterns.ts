import { secretKeyOf, type AuditRecord } from '../audit/record';
import { shortHash } from './keys';

/**
 * What a BatchGetSecretValue call asked for, as a short hash: its filters (keys and values,
 * order ignored) or the secrets it named. External Secrets Operator asks the same question every
 * hour; the same hash in several hours is that principal's own schedule.
 */
export function batchPatternOf(record: AuditRecord): string {
  // Habits, batch-retrieval and harvesting each ask for the same record's pattern.
  let pattern = patterns.get(record);
  if (pattern === undefined) patterns.set(record, (pattern = patternOf(record)));
  return pattern;
}

const patterns = new WeakMap<AuditRecord, string>();

function patternOf(record: AuditRecord): string {
  if (record.filters && record.filters.length > 0) {
    const parts = record.filters.map((f) => `${f.key}=${[...f.values].sort().join('\u0001')}`).sort();
    return shortHash(`f\u0000${parts.join('\u0000')}`);
  }
  return shortHash(`n\u0000${record.secrets.map(secretKeyOf).sort().join('\u0000')}`);
}

/** Whether the record is a successful BatchGetSecretValue call. */
export function isBatchCall(record: AuditRecord): boolean {
  return record.eventName === 'BatchGetSecretValue' && !record.errorCode;
}
