import { VALUE_READ_EVENTS } from '../../audit/actions';
import { isIP } from 'node:net';
import { secretApp } from '../../tenancy';
import type { NetworkRule } from '../config';
import type { FindingDraft, RecordDetector } from '../detector';
import { recordEvidence } from '../findings';
import { secretKeyOf } from '../../audit/record';

/**
 * A secret read from outside the networks configured for its tenant or application
 * (KEYWARDEN_NETWORKS: CIDRs and VPC endpoints). A credential used from an unexpected place was
 * most likely copied there.
 */
export const outsideNetworkRead: RecordDetector = {
  kind: 'record',
  name: 'outside-network-read',
  events: VALUE_READ_EVENTS,
  title: 'Secret read from outside its allowed networks',
  severity: 'high',
  description:
    'A value read (allowed or denied) of a secret whose tenant, or else application, has a rule in KEYWARDEN_NETWORKS came neither through one of the rule\'s VPC endpoints nor from one of its CIDRs. Calls made by AWS services on a caller\'s behalf, and calls whose source is not an IP address, cannot be placed and are skipped.',
  runbook:
    'Look up the source IP (evidence): a developer laptop, a CI runner, or an address nobody knows. If the principal is an application role, its credentials are being used outside its network: revoke the sessions, rotate the secret, and add a resource-policy Deny with aws:SourceVpce so the secret cannot be read from elsewhere. If the rule is out of date (a new VPC endpoint or range), update KEYWARDEN_NETWORKS.',
  inspect(record, ctx) {
    if (!record.readsValue || record.principal.via === 'service') return undefined;
    const { tenants, apps } = ctx.config.networks;
    if (tenants.size === 0 && apps.size === 0) return undefined;
    const drafts: FindingDraft[] = [];
    for (const secret of record.secrets) {
      const app = secretApp(secret.name, ctx.config.tenancy);
      const rule = (secret.tenant !== undefined ? tenants.get(secret.tenant) : undefined) ?? (app !== undefined ? apps.get(app) : undefined);
      if (!rule || isInside(rule, record.sourceIp, record.vpcEndpointId) !== false) continue;
      drafts.push({
        title: `${secret.name} read from ${record.sourceIp}, outside its allowed networks`,
        record,
        secret: { name: secret.name, arn: secret.arn },
        tenant: secret.tenant,
        evidence: { allowedCidrs: rule.cidrs, allowedVpcEndpoints: [...rule.vpcEndpoints], ...recordEvidence(record) },
        dedupParts: [record.principal.key, secretKeyOf(secret), record.sourceIp ?? ''],
        occurrenceParts: [record.principal.key, secretKeyOf(secret), record.sourceIp ?? '', ctx.windowOf(record)],
      });
    }
    return drafts;
  },
};

/** Inside the rule's networks, outside, or undefined when the source cannot be placed. */
function isInside(rule: NetworkRule, sourceIp: string | undefined, vpcEndpointId: string | undefined): boolean | undefined {
  if (vpcEndpointId && rule.vpcEndpoints.has(vpcEndpointId)) return true;
  const family = sourceIp ? isIP(sourceIp) : 0;
  if (!family) return vpcEndpointId ? false : undefined;
  return rule.addresses.check(sourceIp!, family === 6 ? 'ipv6' : 'ipv4');
}
