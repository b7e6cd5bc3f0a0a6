import { VALUE_READ_EVENTS } from '../../audit/actions';
import type { FindingDraft, RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { timeMs } from '../keys';
import { isValueRead } from './common';
import { secretKeyOf } from '../../audit/record';

/**
 * A read of a secret's previous value after a rotation: AWSPREVIOUS, or a version id the trail
 * saw moved off AWSCURRENT. Applications read AWSCURRENT; the old value matters to whoever
 * still holds a credential that the rotation was meant to retire (or wants one that still works
 * somewhere the rotation did not reach). keywarden's own rotate function reads it legitimately
 * and is excluded as own traffic.
 */
export const previousVersionRead: RecordDetector = {
  kind: 'record',
  name: 'previous-version-read',
  events: VALUE_READ_EVENTS,
  title: 'Read of a secret\'s previous version after rotation',
  severity: 'high',
  description:
    'A principal other than keywarden\'s own roles read a secret with VersionStage AWSPREVIOUS, or by a VersionId that an UpdateSecretVersionStage in the trail had moved off AWSCURRENT before the read.',
  runbook:
    'Find out why the principal wants the old value: an application pinned to a version id (fix it to read AWSCURRENT), or someone after a credential that was just retired. If the rotation was an emergency (a leak), make sure the previous credential was revoked at its target (`keywarden emergency` revokes it) and, if not, revoke it now. Check the principal\'s other reads with `keywarden audit query --principal <arn> --since 24h`.',
  inspect(record, ctx) {
    if (!isValueRead(record) || record.principal.type === 'AWSService') return undefined;
    if (record.versionStage !== 'AWSPREVIOUS' && record.versionId === undefined) return undefined;
    const drafts: FindingDraft[] = [];
    const readMs = timeMs(record.time);
    for (const secret of record.secrets) {
      const demotedAt = record.versionId !== undefined ? ctx.secretFacts(secretKeyOf(secret)).demotedVersions.get(record.versionId) : undefined;
      const previousStage = record.versionStage === 'AWSPREVIOUS';
      const oldVersion = demotedAt !== undefined && demotedAt <= readMs;
      if (!previousStage && !oldVersion) continue;
      drafts.push({
        title: `${record.principal.key} read the previous version of ${secret.name}`,
        record,
        secret: { name: secret.name, arn: secret.arn },
        tenant: secret.tenant,
        evidence: {
          asked: previousStage ? { versionStage: 'AWSPREVIOUS' } : { versionId: record.versionId },
          ...(oldVersion ? { versionMovedOffCurrentAt: new Date(demotedAt!).toISOString() } : {}),
          ...recordEvidence(record),
        },
        dedupParts: [record.principal.key, secretKeyOf(secret)],
        occurrenceParts: [record.principal.key, secretKeyOf(secret), record.versionStage ?? record.versionId ?? '', ctx.windowOf(record)],
      });
    }
    return drafts;
  },
};
