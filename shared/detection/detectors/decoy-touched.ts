import type { FindingDraft, RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { DECOY_TAG, isDecoyTagging } from '../secret-facts';
import { secretKeyOf } from '../../audit/record';

/**
 * Any touch of a decoy secret: a secret tagged `keywarden:decoy` that no workload uses, placed
 * where an intruder would look. There are no false positives by construction, so every touch is
 * critical: reads, describes, policy changes, untagging.
 */
export const decoyTouched: RecordDetector = {
  kind: 'record',
  name: 'decoy-touched',
  title: 'Decoy secret touched',
  severity: 'critical',
  description:
    `Any call naming a decoy secret, allowed or denied, except the CreateSecret or TagResource that puts the ${DECOY_TAG} tag on it. Decoys are listed in KEYWARDEN_DECOY_SECRETS, match KEYWARDEN_DECOY_NAME_PATTERN, or were tagged ${DECOY_TAG} in a call the audit trail saw.`,
  runbook:
    'Assume the principal is an intruder, or a tool sweeping everything it can reach. Revoke it now (disable the access key, or deny the role with an aws:TokenIssueTime condition), then follow its other calls: `keywarden audit query --principal <arn> --since 7d`, and rotate every real secret it read. Keep the decoy as it is; it did its job.',
  inspect(record, ctx) {
    if (record.secrets.length === 0 || (isDecoyTagging(record) && !record.errorCode)) return undefined;
    let drafts: FindingDraft[] | undefined;
    for (const secret of record.secrets) {
      if (!ctx.secretFacts(secretKeyOf(secret)).decoy) continue;
      (drafts ??= []).push({
        title: `Decoy secret ${secret.name} touched by ${record.principal.key} (${record.eventName}${record.errorCode ? ', denied' : ''})`,
        record,
        secret: { name: secret.name, arn: secret.arn },
        tenant: secret.tenant,
        evidence: recordEvidence(record),
        dedupParts: [record.principal.key, secretKeyOf(secret)],
        occurrenceParts: [record.principal.key, secretKeyOf(secret), record.eventName, ctx.windowOf(record)],
      });
    }
    return drafts;
  },
};
