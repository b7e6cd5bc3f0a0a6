import { VALUE_READ_EVENTS } from '../../audit/actions';
import type { FindingDraft, RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { secretKeyOf } from '../../audit/record';

/** Secrets Manager's refusal to read a secret scheduled for deletion. */
const PENDING_DELETION = /marked for deletion|scheduled for deletion|pending deletion/i;

/**
 * Something still reads a secret that is scheduled for deletion. Secrets Manager refuses the read,
 * so either an application is about to break for good when the window ends (restore the secret),
 * or someone is looking for a credential that was meant to be gone.
 */
export const pendingDeletionRead: RecordDetector = {
  kind: 'record',
  name: 'pending-deletion-read',
  events: VALUE_READ_EVENTS,
  title: 'Read of a secret pending deletion',
  severity: 'high',
  description:
    'A value read was refused because the secret is scheduled for deletion (InvalidRequestException: "...marked for deletion"). The reader still depends on it, or is looking for it.',
  runbook:
    'Identify the reader (principal, source IP, user agent). If it is an application that still needs the secret, restore it before the recovery window ends (`aws secretsmanager restore-secret --secret-id <name>`) and plan the migration properly. If nothing should still use it, find out who holds a configuration pointing at it; an unknown caller may be hunting for retired credentials.',
  inspect(record, ctx) {
    if (!record.readsValue || !record.errorCode || !PENDING_DELETION.test(record.errorMessage ?? '')) return undefined;
    const drafts: FindingDraft[] = record.secrets.map((secret) => ({
      title: `${record.principal.key} tried to read ${secret.name}, which is pending deletion`,
      record,
      secret: { name: secret.name, arn: secret.arn },
      tenant: secret.tenant,
      evidence: recordEvidence(record),
      dedupParts: [record.principal.key, secretKeyOf(secret)],
      occurrenceParts: [record.principal.key, secretKeyOf(secret), ctx.windowOf(record)],
    }));
    return drafts;
  },
};
