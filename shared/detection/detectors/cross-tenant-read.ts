import { READ_EVENTS, isDenied } from '../../audit/actions';
import { secretKeyOf, type AuditSecretRef } from '../../audit/record';
import type { FindingDraft, RecordDetector } from '../detector';
import { recordEvidence } from '../findings';

/**
 * A principal acting for one tenant reads a secret of another. Tenants' secrets are named
 * `<app>/<tenant>/<name>` and principals carry their tenant in a tag or their role name
 * (DESIGN.md, Tenancy); shared scopes belong to no tenant and never fire. Denied attempts fire
 * too: an application that tries is either misconfigured or compromised.
 */
export const crossTenantRead: RecordDetector = {
  kind: 'record',
  name: 'cross-tenant-read',
  events: READ_EVENTS,
  title: 'Read of another tenant\'s secret',
  severity: 'high',
  description:
    'A principal whose tenant is known (tenant tag, or its role name against KEYWARDEN_PRINCIPAL_NAME_PATTERN) read, or tried to read, a secret owned by another tenant (by KEYWARDEN_SECRET_NAME_PATTERN). Allowed value reads are critical: tenant isolation is broken. Denied attempts and metadata reads are reported too.',
  runbook:
    'If the read was allowed, tenant isolation is broken: find the policy that allowed it (the principal\'s IAM policies, the secret\'s resource policy) and close it now, then rotate the secret (`keywarden emergency <secret>`), since its value left its tenant. If denied, find out why the principal asked: a wrong secret name in configuration, or someone probing with that tenant\'s credentials. Either way check the principal\'s other reads: `keywarden audit query --principal <arn> --since 7d`.',
  inspect(record, ctx) {
    const ownTenant = record.principal.tenant;
    if (record.actionClass !== 'read' || ownTenant === undefined) return undefined;
    if (!namesForeignSecret(record.secrets, ownTenant)) return undefined;
    // Repeated reads of the same foreign secrets are one occurrence per burst window.
    const drafts: FindingDraft[] = [];
    const foreign = new Map<string, typeof record.secrets>();
    for (const secret of record.secrets) {
      if (secret.tenant !== undefined && secret.tenant !== ownTenant) foreign.set(secret.tenant, [...(foreign.get(secret.tenant) ?? []), secret]);
    }
    for (const [tenant, secrets] of foreign) {
      const denied = isDenied(record.errorCode) || record.errorCode !== undefined;
      const severity = denied ? 'medium' : record.readsValue ? 'critical' : 'high';
      drafts.push({
        title: `${denied ? 'Denied read' : 'Read'} of tenant ${tenant}'s secret by a principal of tenant ${ownTenant}`,
        severity,
        record,
        secret: secrets.length === 1 ? { name: secrets[0]!.name, arn: secrets[0]!.arn } : undefined,
        tenant,
        evidence: {
          principalTenant: ownTenant,
          secretTenant: tenant,
          secrets: secrets.map((s) => s.name),
          allowed: !denied,
          ...recordEvidence(record),
        },
        dedupParts: [record.principal.key, tenant],
        occurrenceParts: [record.principal.key, tenant, secrets.map(secretKeyOf).join(','), denied ? 'denied' : 'allowed', ctx.windowOf(record)],
      });
    }
    return drafts;
  },
};

/** Whether any secret belongs to a tenant other than `ownTenant` (a loop: this runs for every read). */
function namesForeignSecret(secrets: readonly AuditSecretRef[], ownTenant: string): boolean {
  for (const secret of secrets) if (secret.tenant !== undefined && secret.tenant !== ownTenant) return true;
  return false;
}
