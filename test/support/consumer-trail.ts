import { normaliseCloudTrail } from '../../shared/audit/normalise';
import type { AuditRecord } from '../../shared/audit/record';

export { eventId, readRecord, readsEvery, roleIdentity, rotateSecretRecord, stageMoveRecord } from '../../cli/demo/consumer-trail';

/** CloudTrail records normalised as the audit function does. */
export function normalised(records: readonly unknown[]): AuditRecord[] {
  return records.map((r) => {
    const result = normaliseCloudTrail(r);
    if (result.kind !== 'record') throw new Error(`not a record: ${result.kind === 'unreadable' ? result.reason : 'skipped'}`);
    return result.record;
  });
}
