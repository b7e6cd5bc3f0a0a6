import { secretKeyOf, type AuditRecord } from '../../audit/record';
import { principalIsOneOf } from '../config';
import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';

/** The stages a write lands on: PutSecretValue's VersionStages, else AWSCURRENT (what Secrets Manager does without them). */
function stagesOf(record: AuditRecord): string[] {
  const stages = record.details.versionStages;
  return Array.isArray(stages) && stages.length > 0 ? (stages as string[]) : ['AWSCURRENT'];
}

/** Whether the call wrote a secret value: every PutSecretValue, an UpdateSecret with SecretString or SecretBinary. */
function writesValue(record: AuditRecord): boolean {
  return record.eventName === 'PutSecretValue' || (record.eventName === 'UpdateSecret' && record.details.valueWritten === true);
}

/**
 * A value written straight into a secret by someone who is not a rotation function: the way to
 * swap a credential for one the writer knows (AWSCURRENT), or to plant a value the next rotation
 * will set on the target (AWSPENDING). Rotation functions write AWSPENDING every rotation; they are
 * named by full role ARN (KEYWARDEN_ROTATION_ROLES), as for awscurrent-moved.
 */
export const valueWritten: RecordDetector = {
  kind: 'record',
  name: 'value-written',
  events: ['PutSecretValue', 'UpdateSecret'],
  title: 'Secret value written outside rotation',
  severity: 'high',
  description:
    'A principal that is not a rotation function (KEYWARDEN_ROTATION_ROLES, full role ARNs) wrote a secret value: PutSecretValue with or without VersionStages (AWSCURRENT when none are given), or UpdateSecret with a new SecretString or SecretBinary. Whoever writes a value knows it: a written AWSCURRENT is a credential the writer can use, a written AWSPENDING is a value the next rotation will set on the database or service. Description, tag and KMS edits write no value and raise nothing here.',
  runbook:
    'Ask the owner of the principal whether it set this value on purpose (a deploy pipeline that writes values belongs in KEYWARDEN_ROTATION_ROLES). If nobody did: treat the value as known to an attacker. Rotate the secret now (`keywarden emergency rotate <secret>`), which replaces AWSCURRENT and revokes the old credential; if the write was to AWSPENDING, cancel the pending rotation first (`aws secretsmanager cancel-rotate-secret`) and remove the AWSPENDING label from the planted version. Then disable the principal\'s keys or sessions and review what else it did: `keywarden audit query --principal <arn> --since 7d`.',
  inspect(record, ctx) {
    if (record.errorCode || !writesValue(record) || record.principal.type === 'AWSService') return undefined;
    if (principalIsOneOf(record.principal, ctx.config.rotationRoles)) return undefined;
    const secret = record.secrets[0];
    const stages = record.eventName === 'UpdateSecret' ? ['AWSCURRENT'] : stagesOf(record);
    return {
      title: `${record.principal.key} wrote a value to ${secret?.name ?? 'a secret'} (${stages.join(', ')})`,
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { stages, ...recordEvidence(record) },
      dedupParts: [record.principal.key, (secret && secretKeyOf(secret)) ?? ''],
      occurrenceParts: [record.eventId],
    };
  },
};
