import { dedupKeyOf, type Finding } from '../finding';
import type { ConsumerFreshness, FreshnessView } from './freshness';

/**
 * The consumer findings. Each names the consumers concerned, at most {@link MAX_NAMED} of them
 * (the rest counted), by their bounded principal key and name: text from CloudTrail, which the
 * alert channels escape as they escape every evidence field; titles carry counts, never names.
 */

/** Most consumers a finding or page names. */
export const MAX_NAMED = 20;

/** The hourly check's rule: consumers that did not re-read after a rotation. */
export const UNREFRESHED_RULE = 'consumers.unrefreshed';
/** The rotate function's rule: a rotation that would invalidate a credential still in use. */
export const WOULD_BREAK_RULE = 'rotation.consumers-would-break';

const RUNBOOK_UNREFRESHED =
  'These consumers read the secret before its current version became AWSCURRENT and have not read it since, longer than ' +
  'their own read interval allows: they most likely still hold the previous credential (a pod that read it at start, a cache, ' +
  'an External Secrets refresh interval). Refresh them (restart the deployment, force the ExternalSecret to sync, redeploy the ' +
  'function). The previous credential stops working at the next alternating-users rotation or at an emergency revoke. This ' +
  'finding resolves by itself when each of them has read the current version.';

const RUNBOOK_WOULD_BREAK =
  'An alternating-users rotation gives the previous user a new password, so whoever still holds the previous credential ' +
  'fails to log in once it finishes. With the policy hold, createSecret was refused before anything changed and Secrets ' +
  'Manager retries at its next attempt; it proceeds once the consumers named here have read the current version, or when ' +
  'the hold has lasted its maximum. With warn, the rotation went on: refresh the consumers named here now. Set the policy ' +
  'per secret with the tag keywarden:consumers-unrefreshed (hold, warn, proceed).';

/** A consumer as a finding names it (bounded fields only). */
export function namedConsumer(entry: ConsumerFreshness): Record<string, unknown> {
  const c = entry.consumer;
  return {
    principal: c.key,
    ...(c.name !== undefined && { name: c.name }),
    type: c.type,
    families: c.families,
    lastRead: c.lastRead,
    ...(c.intervalSeconds !== undefined && { intervalSeconds: c.intervalSeconds }),
    state: entry.state,
  };
}

/** Up to {@link MAX_NAMED} consumers, and how many more there are. */
export function namedList(entries: readonly ConsumerFreshness[]): { consumers: Array<Record<string, unknown>>; more: number } {
  return { consumers: entries.slice(0, MAX_NAMED).map(namedConsumer), more: Math.max(0, entries.length - MAX_NAMED) };
}

/** The secret a consumer finding is about. */
export interface FindingSecret {
  name: string;
  arn: string;
  tenant?: string;
}

/** The hourly check's open finding, once a day while it lasts. */
export function unrefreshedFinding(secret: FindingSecret, view: FreshnessView, behind: readonly ConsumerFreshness[], versionId: string | undefined, now: Date): Finding {
  const dedupKey = dedupKeyOf(UNREFRESHED_RULE, secret.arn);
  return withTenant(
    {
      id: `${dedupKey}/${now.toISOString().slice(0, 10)}`,
      ruleId: UNREFRESHED_RULE,
      title: `${behind.length} consumer(s) of ${secret.name} have not read it since it rotated`,
      severity: 'medium',
      status: 'open',
      source: 'staleness',
      secret: { name: secret.name, arn: secret.arn },
      evidence: { versionId, currentSince: view.currentSince, refreshed: view.refreshed, waiting: view.waiting, behind: view.behind, ...namedList(behind) },
      dedupKey,
      runbook: RUNBOOK_UNREFRESHED,
      observedAt: now.toISOString(),
    },
    secret.tenant,
  );
}

/** The resolution: every consumer named has read the current version (or the watch ended). */
export function unrefreshedResolved(secret: FindingSecret, reason: string, now: Date): Finding {
  const dedupKey = dedupKeyOf(UNREFRESHED_RULE, secret.arn);
  return withTenant(
    {
      id: `${dedupKey}/resolved/${now.toISOString()}`,
      ruleId: UNREFRESHED_RULE,
      title: `Consumers of ${secret.name}: ${reason}`,
      severity: 'medium',
      status: 'resolved',
      source: 'staleness',
      secret: { name: secret.name, arn: secret.arn },
      evidence: { reason },
      dedupKey,
      runbook: RUNBOOK_UNREFRESHED,
      observedAt: now.toISOString(),
    },
    secret.tenant,
  );
}

/** What the rotate function decided about a rotation that would break consumers. */
export type GateDecision = 'held' | 'warned' | 'hold-expired';

/** The rotate function's finding for a rotation that would break consumers. */
export function wouldBreakFinding(
  secret: FindingSecret,
  decision: GateDecision,
  details: { token: string; policy: string; policySource: string; currentSince: string; heldSince?: string; truncated: boolean },
  atRisk: readonly ConsumerFreshness[],
  now: Date,
): Finding {
  const titles: Record<GateDecision, string> = {
    held: `Rotation of ${secret.name} held: ${atRisk.length} consumer(s) still hold the credential it would invalidate`,
    warned: `Rotation of ${secret.name} invalidates the credential ${atRisk.length} consumer(s) still hold`,
    'hold-expired': `Rotation of ${secret.name} held to its limit; it proceeds and ${atRisk.length} consumer(s) will break`,
  };
  return withTenant(
    {
      id: `${WOULD_BREAK_RULE}:${secret.arn}:${details.token}:${decision}`.slice(0, 200),
      ruleId: WOULD_BREAK_RULE,
      title: titles[decision].slice(0, 300),
      severity: decision === 'held' ? 'medium' : 'high',
      status: 'open',
      source: 'rotation',
      secret: { name: secret.name, arn: secret.arn },
      evidence: { decision, versionId: details.token, policy: details.policy, policySource: details.policySource, currentSince: details.currentSince, ...(details.heldSince && { heldSince: details.heldSince }), mapTruncated: details.truncated, ...namedList(atRisk) },
      dedupKey: dedupKeyOf(WOULD_BREAK_RULE, secret.arn),
      runbook: RUNBOOK_WOULD_BREAK,
      observedAt: now.toISOString(),
    },
    secret.tenant,
  );
}

function withTenant(finding: Finding, tenant: string | undefined): Finding {
  if (tenant !== undefined) finding.tenant = tenant;
  return finding;
}
