import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { secretKeyOf } from '../../audit/record';

const OUTCOMES: Record<string, { what: string; severity: 'high' | 'medium' }> = {
  RotationFailed: { what: 'failed', severity: 'high' },
  RotationAbandoned: { what: 'was abandoned', severity: 'medium' },
};

/**
 * Secrets Manager reported a rotation that failed or was abandoned (service events, not API
 * calls). The old credential stays in use past its schedule; a failure that left AWSPENDING on a
 * version blocks the next rotation too.
 */
export const rotationFailed: RecordDetector = {
  kind: 'record',
  name: 'rotation-failed',
  events: Object.keys(OUTCOMES),
  title: 'Rotation failed or abandoned',
  severity: 'high',
  description:
    'A RotationFailed or RotationAbandoned service event: the rotation function returned an error (or timed out), or a new version put by hand made Secrets Manager give up the rotation in progress.',
  runbook:
    'Read the rotate function\'s logs for the secret around the event time (the step that failed and why: target unreachable, permission, test failed). Fix the cause, then `keywarden rotate <secret>` resumes the unfinished rotation. For an abandoned rotation, confirm the manual PutSecretValue that caused it was intended and that the target accepts the value now current.',
  inspect(record) {
    const outcome = OUTCOMES[record.eventName];
    if (!outcome) return undefined;
    const secret = record.secrets[0];
    return {
      title: `Rotation of ${secret?.name ?? 'a secret'} ${outcome.what}`,
      severity: outcome.severity,
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { eventType: record.eventType, ...recordEvidence(record) },
      dedupParts: [(secret && secretKeyOf(secret)) ?? record.eventId],
      occurrenceParts: [record.eventId],
    };
  },
};
