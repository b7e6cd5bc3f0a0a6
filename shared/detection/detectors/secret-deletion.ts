import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';

/**
 * A secret scheduled for deletion, above all without recovery: whatever uses it breaks when the
 * window ends, and with ForceDeleteWithoutRecovery at once and for good. Destroying credentials
 * is also how an intruder covers tracks or holds a service hostage.
 */
export const secretDeletion: RecordDetector = {
  kind: 'record',
  name: 'secret-deletion',
  events: ['DeleteSecret'],
  title: 'Secret scheduled for deletion',
  severity: 'high',
  description:
    'DeleteSecret was called (allowed or denied). Critical with ForceDeleteWithoutRecovery (no way back); high with a recovery window shorter than KEYWARDEN_MIN_RECOVERY_DAYS; medium otherwise.',
  runbook:
    'Ask the secret\'s owner whether the deletion is planned. If not and a recovery window is running, `aws secretsmanager restore-secret --secret-id <name>` now; applications reading it fail from this moment (reads of a secret pending deletion are refused). After a forced deletion the value is gone: recreate the credential at its target and a new secret. Find who deleted it and how they had secretsmanager:DeleteSecret.',
  inspect(record, ctx) {
    if (record.eventName !== 'DeleteSecret') return undefined;
    const force = record.details.forceDeleteWithoutRecovery === true;
    const window = typeof record.details.recoveryWindowInDays === 'number' ? record.details.recoveryWindowInDays : undefined;
    const short = !force && window !== undefined && window < ctx.config.minRecoveryDays;
    const secret = record.secrets[0];
    const attempted = record.errorCode ? 'Attempted deletion' : 'Deletion';
    const how = force ? 'without recovery' : window !== undefined ? `with a ${window}-day recovery window` : 'with the default 30-day recovery window';
    return {
      title: `${attempted} of ${secret?.name ?? 'a secret'} ${how}`,
      severity: force ? 'critical' : short ? 'high' : 'medium',
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { forceDeleteWithoutRecovery: force, recoveryWindowInDays: window, minRecoveryDays: ctx.config.minRecoveryDays, succeeded: !record.errorCode, ...recordEvidence(record) },
      dedupParts: [secret?.name ?? record.eventId],
      occurrenceParts: [record.eventId],
    };
  },
};
