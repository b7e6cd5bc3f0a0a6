import { clientFamilyOf } from '../client-families';
import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { networkGroupOf } from '../network-groups';

/**
 * A known principal's credentials used from a public network and a client it never used: the
 * signature of instance or task credentials lifted off a host and replayed from a laptop.
 * Networks are grouped (every private address one group, public IPv4 by /24, IPv6 by /48) and
 * clients by family (the SDK or tool, without version), per principal (habits.ts).
 */
export const newNetworkClient: RecordDetector = {
  kind: 'record',
  name: 'new-network-client',
  needs: ['habits'],
  title: 'Credentials used from a new network with a new client',
  severity: 'high',
  description:
    'A principal known for at least KEYWARDEN_LEARNING_DAYS made a Secrets Manager call from a public network group (/24 for IPv4, /48 for IPv6) and with a client family (SDK, CLI, tool) that it never used before, after the trail\'s learning period. Either alone is ordinary (a new NAT address, an SDK change); both together is what stolen role credentials look like. Private addresses and VPC endpoints never count as new.',
  runbook:
    'Compare the evidence (source IP, user agent) with where the principal runs. For a role used by instances, tasks or functions, a public address with a laptop client means its session credentials left the host: revoke the role\'s sessions (IAM console: Revoke active sessions), find the host they were taken from, and rotate the secrets the principal read since (`keywarden audit query --principal <arn> --since 24h`). If the use is legitimate (an engineer with the role), the network and client are now remembered.',
  inspect(record, ctx) {
    if (!ctx.isNovelAccess(record)) return undefined;
    const network = networkGroupOf(record).label;
    const client = clientFamilyOf(record.userAgent);
    return {
      title: `${record.principal.key} used from new network ${network} with new client ${client}`,
      record,
      evidence: { network, client, ...recordEvidence(record) },
      dedupParts: [record.principal.key, network, client],
      occurrenceParts: [record.principal.key, network, client],
    };
  },
};
