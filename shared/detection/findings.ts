import { createHash } from 'node:crypto';
import { dedupKeyOf, type Finding } from '../finding';
import type { AuditPrincipal, AuditRecord } from '../audit/record';
import type { DetectorMeta, FindingDraft } from './detector';

/** The finding's `account` field takes only an account id; anything else stays in the evidence. */
const ACCOUNT_ID = /^\d{12}$/;

/** A detector's finding rule id: `audit.<name>`. */
export function ruleIdOf(detector: DetectorMeta): string {
  return `audit.${detector.name}`;
}

/**
 * Turns a detector's draft into the pipeline's one finding type. The id is a hash of the draft's
 * occurrence parts, so the same occurrence always gets the same id (the engine publishes an id
 * once); the dedup key is {@link dedupKeyOf} of its dedup parts.
 */
export function toFinding(detector: DetectorMeta, draft: FindingDraft): Finding {
  const ruleId = ruleIdOf(detector);
  const principal = draft.principal ?? draft.record.principal;
  const finding: Finding = {
    id: `${ruleId}:${createHash('sha256').update(draft.occurrenceParts.join('\u0000')).digest('hex').slice(0, 32)}`,
    ruleId,
    title: clip(draft.title ?? detector.title, 300),
    severity: draft.severity ?? detector.severity,
    status: 'open',
    source: 'audit',
    principal: findingPrincipal(principal),
    evidence: { principalKey: principal.key, ...sessionEvidence(principal), secrets: secretsOf(draft), ...draft.evidence },
    dedupKey: dedupKeyOf(ruleId, ...draft.dedupParts),
    runbook: detector.runbook,
    observedAt: draft.record.time,
  };
  if (draft.secret) finding.secret = draft.secret.arn ? { name: draft.secret.name, arn: draft.secret.arn } : { name: draft.secret.name };
  const tenant = draft.tenant ?? principal.tenant;
  if (tenant) finding.tenant = tenant;
  // Which account it happened in: with member accounts, a name alone is ambiguous.
  if (draft.record.accountId !== undefined) {
    finding.evidence.account = draft.record.accountId;
    if (ACCOUNT_ID.test(draft.record.accountId)) finding.account = draft.record.accountId;
  }
  return finding;
}

/** The facts of one record that most findings show. */
export function recordEvidence(record: AuditRecord): Record<string, unknown> {
  const evidence: Record<string, unknown> = { eventId: record.eventId, eventName: record.eventName, eventTime: record.time, region: record.region };
  if (record.sourceIp) evidence.sourceIp = record.sourceIp;
  if (record.vpcEndpointId) evidence.vpcEndpointId = record.vpcEndpointId;
  if (record.userAgent) evidence.userAgent = record.userAgent;
  if (record.errorCode) evidence.errorCode = record.errorCode;
  if (record.errorMessage) evidence.errorMessage = record.errorMessage;
  if (record.versionStage) evidence.versionStage = record.versionStage;
  if (record.versionId) evidence.versionId = record.versionId;
  if (record.principal.via !== 'programmatic') evidence.via = record.principal.via;
  if (record.principal.mfaAuthenticated !== undefined) evidence.mfaAuthenticated = record.principal.mfaAuthenticated;
  return evidence;
}

/** Up to `max` distinct values, in first-seen order. */
export function sample<T>(values: Iterable<T>, max = 20): T[] {
  const out: T[] = [];
  const seen = new Set<T>();
  for (const value of values) {
    if (seen.has(value)) continue;
    seen.add(value);
    out.push(value);
    if (out.length >= max) break;
  }
  return out;
}

/** Every finding names the secrets it is about, even when it is about one. */
function secretsOf(draft: FindingDraft): string[] {
  if (draft.secret) return [draft.secret.name];
  return sample(draft.record.secrets.map((s) => s.name));
}

/** A finding about a role names the role's ARN; the session it used is in the evidence. */
function findingPrincipal(principal: AuditPrincipal): NonNullable<Finding['principal']> {
  const out: NonNullable<Finding['principal']> = { type: principal.type };
  const arn = principal.key.startsWith('arn:') ? principal.key : principal.arn;
  if (arn) out.arn = arn;
  if (principal.accessKeyId) out.accessKeyId = principal.accessKeyId;
  if (principal.tenant) out.tenant = principal.tenant;
  return out;
}

function sessionEvidence(principal: AuditPrincipal): Record<string, unknown> {
  return principal.arn && principal.arn !== principal.key ? { sessionArn: principal.arn } : {};
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
