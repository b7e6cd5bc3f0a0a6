import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { secretKeyOf } from '../../audit/record';

/**
 * Rotation cancelled on a secret: the credential stops changing, so a leaked copy stays good.
 * Cancelling mid-rotation can also leave an AWSPENDING version behind.
 */
export const rotationDisabled: RecordDetector = {
  kind: 'record',
  name: 'rotation-disabled',
  events: ['CancelRotateSecret'],
  title: 'Rotation cancelled',
  severity: 'high',
  description: 'CancelRotateSecret succeeded: scheduled rotation is off for the secret until someone turns it on again.',
  runbook:
    'Ask the owner whether rotation was turned off on purpose (a migration, a broken target) and for how long. If not, turn it back on with `keywarden rotate <secret> --every <days>`, which also rotates now. If a rotation was in progress, check the staging labels (`aws secretsmanager describe-secret`) for an AWSPENDING left on a version that is not AWSCURRENT; `keywarden doctor --fix` finishes such a rotation, or removes the label when that is safe.',
  inspect(record) {
    if (record.eventName !== 'CancelRotateSecret' || record.errorCode) return undefined;
    const secret = record.secrets[0];
    return {
      title: `Rotation of ${secret?.name ?? 'a secret'} cancelled by ${record.principal.key}`,
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: recordEvidence(record),
      dedupParts: [(secret && secretKeyOf(secret)) ?? record.eventId],
      occurrenceParts: [record.eventId],
    };
  },
};
