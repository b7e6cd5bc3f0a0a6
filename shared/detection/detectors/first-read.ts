import { VALUE_READ_EVENTS } from '../../audit/actions';
import type { FindingDraft, RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { isValueRead } from './common';
import { secretKeyOf } from '../../audit/record';

/**
 * A principal reads a secret it has never read before, once the learning period is over.
 * Applications read the same secrets for months; a new pair is a new deploy, a changed
 * dependency, or someone using a credential for something it was not issued for.
 */
export const firstRead: RecordDetector = {
  kind: 'record',
  name: 'first-read',
  events: VALUE_READ_EVENTS,
  needs: ['first-reads'],
  title: 'First read of a secret by a principal',
  severity: 'medium',
  description:
    'A principal read the value of a secret it had not read in the last KEYWARDEN_FIRST_READ_MEMORY_DAYS days, after the learning period (KEYWARDEN_LEARNING_DAYS from the earliest event the audit trail saw). During learning, pairs are recorded silently.',
  runbook:
    'Ask the owner of the principal whether it now needs this secret (a new feature, a deploy that day). If yes, nothing to do: the pair is remembered and will not fire again. If nobody expects it, find who used the credential (session, source IP, user agent in the evidence) and whether it read other new secrets: `keywarden audit query --principal <arn> --since 24h`. Rotate the secret if the read is not explained.',
  inspect(record, ctx) {
    if (!isValueRead(record) || record.principal.type === 'AWSService') return undefined;
    let drafts: FindingDraft[] | undefined;
    for (const secret of record.secrets) {
      if (!ctx.isFirstReadAfterLearning(record, secretKeyOf(secret))) continue;
      (drafts ??= []).push({
        title: `${record.principal.key} read ${secret.name} for the first time`,
        record,
        secret: { name: secret.name, arn: secret.arn },
        tenant: secret.tenant,
        evidence: { learningDays: ctx.config.learningDays, ...recordEvidence(record) },
        dedupParts: [record.principal.key, secretKeyOf(secret)],
        occurrenceParts: [record.principal.key, secretKeyOf(secret)],
      });
    }
    return drafts;
  },
};
