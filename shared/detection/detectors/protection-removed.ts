import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { secretKeyOf } from '../../audit/record';

const REMOVALS: Record<string, string> = {
  DeleteResourcePolicy: 'resource policy deleted',
  RemoveRegionsFromReplication: 'replica region(s) removed',
  StopReplicationToReplica: 'replica promoted to a standalone secret',
};

/**
 * A safeguard taken off a secret: its resource policy (and any explicit Deny in it, such as "only
 * from our VPC endpoint") deleted, or its replicas removed or cut loose (the copy kept for a
 * regional outage, or a standalone copy nobody rotates any more).
 */
export const protectionRemoved: RecordDetector = {
  kind: 'record',
  name: 'protection-removed',
  events: Object.keys(REMOVALS),
  title: 'Protection removed from a secret',
  severity: 'medium',
  description:
    'DeleteResourcePolicy, RemoveRegionsFromReplication or StopReplicationToReplica succeeded. A deleted policy drops its explicit denies; a removed replica loses the regional copy; a promoted replica becomes a separate secret that rotation no longer updates.',
  runbook:
    'Ask the owner whether the change was planned. Restore the resource policy from your infrastructure code if it was not. For a promoted replica, make sure the standalone copy is deleted or rotated on its own schedule: it still holds the credential. For removed replicas, re-add them (`aws secretsmanager replicate-secret-to-regions`) if the region still needs them.',
  inspect(record) {
    const what = REMOVALS[record.eventName];
    if (!what || record.errorCode) return undefined;
    const secret = record.secrets[0];
    return {
      title: `${secret?.name ?? 'A secret'}: ${what} by ${record.principal.key}`,
      record,
      secret: secret ? { name: secret.name, arn: secret.arn } : undefined,
      tenant: secret?.tenant,
      evidence: { change: what, removeReplicaRegions: record.details.removeReplicaRegions, ...recordEvidence(record) },
      dedupParts: [(secret && secretKeyOf(secret)) ?? record.eventId, record.eventName],
      occurrenceParts: [record.eventId],
    };
  },
};
