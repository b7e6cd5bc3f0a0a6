import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { accountOf } from './common';
import { secretKeyOf } from '../../audit/record';


/**
 * A secret moved to another KMS key (UpdateSecret with KmsKeyId). Whoever controls the key
 * controls who can decrypt every future version; a key in another account puts the secret in
 * that account's hands, and lets its owner make the secret unreadable at will.
 */
export const kmsKeyChanged: RecordDetector = {
  kind: 'record',
  name: 'kms-key-changed',
  events: ['UpdateSecret'],
  title: 'Secret moved to another KMS key',
  severity: 'medium',
  description:
    'UpdateSecret set a KmsKeyId that is not on KEYWARDEN_KMS_KEYS. High when the key ARN names another account than the secret\'s: that account can then decrypt the secret\'s new versions, or withhold them.',
  runbook:
    'Check whether the change was planned (the principal, a change ticket). If the key is approved, add it (as the call named it: ARN, key id or alias) to KEYWARDEN_KMS_KEYS. If not: move the secret back to its key (`aws secretsmanager update-secret --secret-id <secret> --kms-key-id <key>`), and for a key in another account treat every version written since as readable by that account: rotate the secret (`keywarden emergency rotate <secret>`) after moving it back, and disable the principal that made the change.',
  inspect(record, ctx) {
    const key = record.details.kmsKeyId;
    if (typeof key !== 'string' || record.errorCode || record.principal.type === 'AWSService') return undefined;
    if (ctx.config.approvedKmsKeys.has(key)) return undefined;
    const secret = record.secrets[0];
    const secretAccount = accountOf(secret?.arn) ?? record.accountId;
    const keyAccount = accountOf(key);
    const foreign = keyAccount !== undefined && secretAccount !== undefined && keyAccount !== secretAccount;
    return {
      title: `${secret?.name ?? 'A secret'} moved to ${foreign ? `a KMS key in account ${keyAccount}` : 'another KMS key'}`,
      severity: foreign ? 'high' : 'medium',
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { kmsKeyId: key, keyAccount, secretAccount, ...recordEvidence(record) },
      dedupParts: [(secret && secretKeyOf(secret)) ?? '', key],
      occurrenceParts: [record.eventId],
    };
  },
};
