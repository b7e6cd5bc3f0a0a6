import { principalIsOneOf } from '../config';
import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { secretKeyOf } from '../../audit/record';

/**
 * AWSCURRENT moved by hand: only the rotation function should promote a version. Whoever moves the
 * label chooses the value every application reads next: a way to plant a credential the intruder
 * knows, or to roll back to one that was retired.
 */
export const awsCurrentMoved: RecordDetector = {
  kind: 'record',
  name: 'awscurrent-moved',
  events: ['UpdateSecretVersionStage'],
  title: 'AWSCURRENT moved outside rotation',
  severity: 'high',
  description:
    'UpdateSecretVersionStage moved the AWSCURRENT label, and the caller is not a rotation function (KEYWARDEN_ROTATION_ROLES; keywarden\'s rotate role by default) nor an AWS service rotating on its own.',
  runbook:
    'Ask the caller why. A manual rollback after a failed rotation is legitimate but should be rare and announced. Otherwise the value applications now read was chosen by someone else: compare the version ids in the evidence with `aws secretsmanager list-secret-version-ids`, then rotate the secret (`keywarden rotate <secret>`) so a value nobody outside the rotation function knows becomes current, and find how the caller had secretsmanager:UpdateSecretVersionStage.',
  inspect(record, ctx) {
    if (record.eventName !== 'UpdateSecretVersionStage' || record.versionStage !== 'AWSCURRENT' || record.errorCode) return undefined;
    if (record.principal.type === 'AWSService' || principalIsOneOf(record.principal, ctx.config.rotationRoles)) return undefined;
    const secret = record.secrets[0];
    return {
      title: `AWSCURRENT of ${secret?.name ?? 'a secret'} moved by ${record.principal.key}, not the rotation function`,
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { moveToVersionId: record.details.moveToVersionId, removeFromVersionId: record.details.removeFromVersionId, rotationRoles: ctx.config.rotationRoles, ...recordEvidence(record) },
      dedupParts: [(secret && secretKeyOf(secret)) ?? record.eventId],
      occurrenceParts: [record.eventId],
    };
  },
};
