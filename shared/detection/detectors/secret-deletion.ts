import { secretKeyOf, type AuditRecord } from '../../audit/record';
import type { FindingDraft, RecordContext, RecordDetector } from '../detector';
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
    'DeleteSecret succeeded: critical with ForceDeleteWithoutRecovery (no way back); high with a recovery window shorter than KEYWARDEN_MIN_RECOVERY_DAYS; medium otherwise. A denied DeleteSecret deleted nothing: denied attempts are one low finding per principal and burst window, counting the attempts and naming the secrets (anyone can send forty on made-up names).',
  runbook:
    'Ask the secret\'s owner whether the deletion is planned. If not and a recovery window is running, `aws secretsmanager restore-secret --secret-id <name>` now; applications reading it fail from this moment (reads of a secret pending deletion are refused). After a forced deletion the value is gone: recreate the credential at its target and a new secret. Find who deleted it and how they had secretsmanager:DeleteSecret.',
  inspect(record, ctx) {
    if (record.eventName !== 'DeleteSecret') return undefined;
    if (record.errorCode) return deniedAttempt(record, ctx);
    const force = record.details.forceDeleteWithoutRecovery === true;
    const window = typeof record.details.recoveryWindowInDays === 'number' ? record.details.recoveryWindowInDays : undefined;
    const short = !force && window !== undefined && window < ctx.config.minRecoveryDays;
    const secret = record.secrets[0];
    const how = force ? 'without recovery' : window !== undefined ? `with a ${window}-day recovery window` : 'with the default 30-day recovery window';
    return {
      title: `Deletion of ${secret?.name ?? 'a secret'} ${how}`,
      severity: force ? 'critical' : short ? 'high' : 'medium',
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { forceDeleteWithoutRecovery: force, recoveryWindowInDays: window, minRecoveryDays: ctx.config.minRecoveryDays, succeeded: true, ...recordEvidence(record) },
      dedupParts: [(secret && secretKeyOf(secret)) ?? record.eventId],
      occurrenceParts: [record.eventId],
    };
  },
};

/**
 * A denied DeleteSecret: nothing was deleted, and the caller may not even name a real secret. One
 * low finding per principal and burst window (the engine counts the attempts it groups), so a
 * flood of denied calls is one line for on-call, not a page per call.
 */
function deniedAttempt(record: AuditRecord, ctx: RecordContext): FindingDraft {
  const window = ctx.windowOf(record);
  return {
    title: `Denied deletion attempt(s) by ${record.principal.key}`,
    severity: 'low',
    record,
    evidence: { succeeded: false, windowStart: window, windowMinutes: ctx.config.windowMinutes, ...recordEvidence(record) },
    dedupParts: [record.principal.key, 'denied'],
    occurrenceParts: [record.principal.key, window, 'denied'],
  };
}
