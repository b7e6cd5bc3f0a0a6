import type { Alert } from './channel';
import { clipText } from './evidence';
import type { Finding } from '../finding';
import type { FloodMark } from './flood-control';

/**
 * How flood control shows in an alert: an update of a flood group is the lead's page again
 * (same dedup key, the count in its title); a page-cap summary is a finding of its own about the
 * principal. The finding that caused either is kept whole in the evidence, so nothing about it
 * is lost from what on-call and SNS subscribers see.
 */

const TITLE_MAX = 300;

/** The finding the channels are given for a finding with this flood mark. */
export function presentFlood(finding: Finding, mark: FloodMark): Finding {
  switch (mark.mode) {
    case 'update':
      return updateFinding(finding, mark);
    case 'cap-summary':
    case 'cap-update':
      return capSummaryFinding(finding, mark);
    default:
      return finding;
  }
}

/** The sentence about flood control a message carries, if any. */
export function floodSentence(alert: Pick<Alert, 'flood'>): string | undefined {
  const mark = alert.flood;
  if (!mark) return undefined;
  const minutes = Math.max(1, Math.round(mark.windowSeconds / 60));
  switch (mark.mode) {
    case 'page':
      return `Further ${mark.ruleId} findings from ${mark.principal} in the next ${minutes} min are grouped into this alert and counted; the count is sent as an update at ${mark.nextUpdateAt}, ${mark.nextUpdateAt * 2}, ${mark.nextUpdateAt * 4}, ... findings.`;
    case 'update':
      return `${mark.count} findings of ${mark.ruleId} from ${mark.principal} since ${mark.since}, grouped into the alert for finding ${mark.leadFindingId}.`;
    case 'grouped':
      return `Grouped into the alert for finding ${mark.leadFindingId}: finding ${mark.count} of ${mark.ruleId} from ${mark.principal} since ${mark.since}; not sent to PagerDuty or Slack.`;
    case 'suppressed':
      return `Suppressed by the page cap: ${mark.principal} had ${mark.cap?.pages ?? 0} pages this hour; ${mark.cap?.suppressed ?? 0} finding(s) suppressed so far; not sent to PagerDuty or Slack.`;
    default:
      return capSentence(mark);
  }
}

function capSentence(mark: FloodMark): string {
  const cap = mark.cap!;
  return `${mark.principal} reached the page cap of ${cap.limit} pages an hour at ${cap.since}: ${cap.suppressed} finding(s) suppressed since (rules ${ruleList(cap.rules)}); each is on the SNS topic with attribute flood=suppressed and in the alert state table.`;
}

function updateFinding(finding: Finding, mark: FloodMark): Finding {
  return {
    ...finding,
    title: clipTitle(`Update: ${mark.count} findings of ${mark.ruleId} from ${mark.principal} since ${mark.since} (latest: ${finding.title})`),
    dedupKey: mark.leadDedupKey,
    evidence: { flood: floodEvidence(mark), latest: latestOf(finding) },
  };
}

function capSummaryFinding(finding: Finding, mark: FloodMark): Finding {
  const cap = mark.cap!;
  const { secret: _secret, ...rest } = finding;
  return {
    ...rest,
    ruleId: 'alert.page-cap',
    severity: cap.severity,
    title: clipTitle(`Principal ${mark.principal} hit the page cap: ${cap.suppressed} finding(s) suppressed, rules ${ruleList(cap.rules)}`),
    dedupKey: cap.summaryDedupKey,
    evidence: { pageCap: { ...cap, principal: mark.principal }, latest: latestOf(finding) },
    runbook:
      `keywarden stopped paging for this principal after ${cap.limit} pages in an hour; its further findings are counted here, kept in the alert state table and published to the SNS topic (attribute flood=suppressed). ` +
      'One principal setting off this many rules is an attack or a broken automation: find out who it is (keywarden audit query --principal <arn>), revoke its access if it should not be acting, and rotate what it touched.',
  };
}

function floodEvidence(mark: FloodMark): Record<string, unknown> {
  return { principal: mark.principal, rule: mark.ruleId, count: mark.count, since: mark.since, windowSeconds: mark.windowSeconds, leadFindingId: mark.leadFindingId };
}

/** The finding that caused an update or a summary, whole. */
function latestOf(finding: Finding): Record<string, unknown> {
  return { id: finding.id, ruleId: finding.ruleId, severity: finding.severity, title: finding.title, secret: finding.secret, dedupKey: finding.dedupKey, observedAt: finding.observedAt, evidence: finding.evidence };
}

function ruleList(rules: Record<string, number>): string {
  return Object.entries(rules)
    .map(([rule, n]) => `${rule} (${n})`)
    .join(', ');
}

function clipTitle(title: string): string {
  return clipText(title, TITLE_MAX);
}
