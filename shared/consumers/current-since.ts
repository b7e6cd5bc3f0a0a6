import type { AuditRecord } from '../audit/record';
import { AWSCURRENT, type SecretMetadata } from '../secrets-store';

/**
 * When the version that holds AWSCURRENT now got the label: from the audit trail when it recorded
 * the move (exact: the rotation's UpdateSecretVersionStage, or the PutSecretValue that stored the
 * version as current), else from Secrets Manager's own dates. Only successful calls count: a
 * denied call naming the current version, which anyone may make, moves nothing.
 */

/** The time, and where it came from (a finding says which). */
export interface CurrentSince {
  at: string;
  source: 'audit-trail' | 'secrets-manager';
}

/** The move in the audit trail, newest first among `records`, or Secrets Manager's dates. */
export function currentSince(records: readonly AuditRecord[], currentVersionId: string | undefined, metadata: Pick<SecretMetadata, 'lastRotatedDate' | 'lastChangedDate'>): CurrentSince | undefined {
  if (currentVersionId !== undefined) {
    let newest: string | undefined;
    for (const record of records) {
      if (movedCurrentTo(record, currentVersionId) && (newest === undefined || record.time > newest)) newest = record.time;
    }
    if (newest !== undefined) return { at: newest, source: 'audit-trail' };
  }
  // LastRotatedDate is when the last rotation completed, which is when its version became
  // current. LastChangedDate moves with any change (a tag, or RotateSecret starting the next
  // rotation), so it stands in only for a secret that never rotated.
  const date = metadata.lastRotatedDate ?? metadata.lastChangedDate;
  return date ? { at: date.toISOString(), source: 'secrets-manager' } : undefined;
}

/** Whether a record is a successful call that made `versionId` AWSCURRENT. */
export function movedCurrentTo(record: AuditRecord, versionId: string): boolean {
  if (record.errorCode) return false;
  const d = record.details;
  if (record.eventName === 'UpdateSecretVersionStage') return record.versionStage === AWSCURRENT && d.moveToVersionId === versionId;
  if (record.eventName === 'PutSecretValue' || record.eventName === 'CreateSecret') {
    const stages = d.versionStages;
    const asCurrent = stages === undefined || (Array.isArray(stages) && stages.includes(AWSCURRENT));
    return asCurrent && d.responseVersionId === versionId;
  }
  return false;
}
