import { dedupKeyOf, type Finding } from '../finding';
import { redact } from '../redact';
import { singleLine } from '../display-text';
import type { RefreshActionName } from './target';

/** A refresh action that ran and failed: the consumer still holds the old credential. */
export const REFRESH_FAILED_RULE = 'rotation.refresh-failed';
/** A refresh target keywarden would not touch: outside the allow-list, or not a valid name. */
export const REFRESH_REFUSED_RULE = 'rotation.refresh-refused';

const RUNBOOK_FAILED =
  'The secret rotated, but keywarden could not make this consumer pick up the new credential. The rotation itself ' +
  'succeeded and is not undone; the consumer keeps the previous credential until it re-reads the secret, and fails once ' +
  'that credential is revoked or expires. Refresh it by hand now (kubectl annotate externalsecret <name> force-sync=$(date +%s) ' +
  '--overwrite; kubectl rollout restart deployment/<name>; aws ecs update-service --force-new-deployment; or update the ' +
  'Lambda function\'s configuration), then fix the cause the evidence names: a token without the RBAC verb (403), a ' +
  'renamed or deleted target (404), a conflicting update (409), a missing IAM permission.';

const RUNBOOK_REFUSED =
  'A keywarden:refresh-* tag on this secret names a target keywarden refused to touch: outside the administrator\'s ' +
  'allow-list (another tenant\'s service, keywarden\'s own functions, a namespace not listed) or not a valid name. Tags ' +
  'are writable by anyone with secretsmanager:TagResource, so check in CloudTrail (TagResource on this secret) who wrote ' +
  'the tag. If it is legitimate, add the target to the allow-list (KEYWARDEN_REFRESH_* settings and the refresh role\'s ' +
  'resources in deploy/refresh.yml); if not, remove the tag and review that principal\'s access. Nothing was refreshed.';

/** What a refresh finding names. */
export interface RefreshFindingFacts {
  secret: { name: string; arn?: string };
  tenant?: string;
  versionId: string;
  action: RefreshActionName;
  /** `payments/api`, `prod/billing`, `billing-worker`, or the raw (bounded) tag value when it was refused on syntax. */
  target: string;
  tag: string;
  observedAt: Date;
}

/** The finding for an action that failed; `error` is bounded and redacted (never the token). */
export function refreshFailedFinding(facts: RefreshFindingFacts, error: unknown): Finding {
  // Lambda's InvalidParameterValueException for an environment past 4 KB quotes the variables
  // after "String measured": another team's settings, never to be copied into a finding.
  const detail = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split('String measured')[0]!;
  const status = (error as { status?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined) ?? {};
  const httpStatus = typeof status.status === 'number' ? status.status : status.$metadata?.httpStatusCode;
  return base(facts, REFRESH_FAILED_RULE, 'high', `Refresh (${facts.action}) of ${facts.target} after rotating ${facts.secret.name} failed`, RUNBOOK_FAILED, {
    error: singleLine(redact(detail)).slice(0, 500),
    ...(typeof httpStatus === 'number' && { httpStatus }),
  });
}

/**
 * The resolution of an earlier {@link refreshFailedFinding} for the same target (same dedup key,
 * whatever version failed): the target has now been refreshed.
 */
export function refreshResolvedFinding(facts: RefreshFindingFacts): Finding {
  const finding = base(facts, REFRESH_FAILED_RULE, 'high', `Refresh (${facts.action}) of ${facts.target} after rotating ${facts.secret.name} succeeded`, RUNBOOK_FAILED, {});
  return { ...finding, id: `${finding.dedupKey}/resolved/${finding.observedAt}`.slice(0, 200), status: 'resolved' };
}

/** The finding for a target refused before any call: `reason` says which rule it broke. */
export function refreshRefusedFinding(facts: RefreshFindingFacts, reason: string): Finding {
  return base(facts, REFRESH_REFUSED_RULE, 'high', `Refresh (${facts.action}) of ${facts.target} refused for ${facts.secret.name}`, RUNBOOK_REFUSED, { reason });
}

function base(facts: RefreshFindingFacts, ruleId: string, severity: Finding['severity'], title: string, runbook: string, extra: Record<string, unknown>): Finding {
  const target = singleLine(facts.target).slice(0, 200);
  return {
    id: `${ruleId}:${facts.secret.name}:${facts.versionId}:${facts.action}:${target}`.slice(0, 200),
    ruleId,
    title: singleLine(title).slice(0, 300),
    severity,
    status: 'open',
    source: 'rotation',
    secret: facts.secret.arn ? { name: facts.secret.name, arn: facts.secret.arn } : { name: facts.secret.name },
    ...(facts.tenant !== undefined && { tenant: facts.tenant }),
    evidence: { action: facts.action, target, tag: facts.tag, versionId: facts.versionId, ...extra },
    dedupKey: dedupKeyOf(ruleId, facts.secret.name, facts.action, target),
    runbook,
    observedAt: facts.observedAt.toISOString(),
  };
}
