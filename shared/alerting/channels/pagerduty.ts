import { singleLine } from '../../display-text';
import type { Alert, AlertChannel, DeliveryContext } from '../channel';
import type { EgressPolicy } from '../egress';
import { clipText as clip, fitEvidence } from '../evidence';
import type { Finding, Severity } from '../../finding';
import { floodSentence } from '../flood-presentation';
import { postJson, redactedJson, systemHttpRuntime, type HttpRuntime, type RetryPolicy } from '../http-post';
import { emergencyCommand, groupSentence, headline, secretConsoleUrl, secretNameOf } from '../presentation';
import { resourceNames } from '../../resource-names';

/**
 * PagerDuty through the Events API v2. An open finding triggers with the finding's dedup key,
 * so every repeat of the problem lands on the one incident; a resolved finding with the same key
 * resolves it. 429 and 5xx are retried with backoff and jitter, a 400 never (the event itself is
 * wrong and would be refused again).
 *
 * Record-derived text (titles, secret names, principal ARNs) goes only into plain-text members,
 * on one line without control or bidi characters and clipped to PagerDuty's limits; the event's
 * only link is the console link of a validated ARN of this deployment (console-link.ts).
 */

/** PagerDuty's endpoint; the channel configuration can point elsewhere (a stand-in in tests). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** keywarden's severities in PagerDuty's four. */
export const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/** Events API v2 limits. */
export const PAGERDUTY_LIMITS = {
  summary: 1024,
  dedupKey: 255,
  /** A whole event; custom details get what the rest leaves. */
  eventBytes: 512 * 1024,
  evidenceBytes: 400 * 1024,
  /** `source`, `component`, `group`, `class`: short identifiers in PagerDuty's UI. */
  field: 255,
  /** Each record-derived string of `custom_details` besides the evidence (a principal ARN, a runbook). */
  detail: 8 * 1024,
} as const;

/** A trigger event. */
export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  client: string;
  payload: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component?: string;
    group?: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: Array<{ href: string; text: string }>;
}

/** A resolve event. */
export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

/** The event for an alert: a trigger for an open finding, a resolve for a resolved one. */
export function renderPagerDutyEvent(alert: Alert, routingKey: string): PagerDutyTrigger | PagerDutyResolve {
  const { finding } = alert;
  const dedupKey = finding.dedupKey.slice(0, PAGERDUTY_LIMITS.dedupKey);
  if (finding.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const secret = secretNameOf(finding);
  const consoleUrl = secretConsoleUrl(alert);
  const field = (text: string | undefined) => (text === undefined ? undefined : clip(singleLine(text), PAGERDUTY_LIMITS.field));
  const detail = (text: string | undefined) => (text === undefined ? undefined : clip(text, PAGERDUTY_LIMITS.detail));
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: `keywarden (${alert.stage})`,
    payload: {
      summary: clip(headline(alert), PAGERDUTY_LIMITS.summary),
      source: field(secret) ?? resourceNames(alert.stage).stack,
      severity: PAGERDUTY_SEVERITY[finding.severity],
      timestamp: finding.observedAt,
      component: field(secret),
      group: field(finding.tenant),
      class: field(finding.ruleId)!,
      custom_details: {
        finding_id: detail(finding.id),
        rule: finding.ruleId,
        severity: finding.severity,
        secret: finding.secret && { name: detail(finding.secret.name), arn: detail(finding.secret.arn) },
        tenant: detail(finding.tenant),
        account: finding.account,
        principal: principalDetails(finding, detail),
        observed_at: finding.observedAt,
        occurrences: alert.group.occurrences,
        grouping: groupSentence(alert),
        flood: floodSentence(alert),
        runbook: detail(finding.runbook),
        emergency_command: detail(emergencyCommand(alert)),
        evidence: fitEvidence(finding.evidence, PAGERDUTY_LIMITS.evidenceBytes),
      },
    },
    links: consoleUrl ? [{ href: consoleUrl, text: 'The secret in the AWS console' }] : undefined,
  };
}

function principalDetails(finding: Finding, detail: (text: string | undefined) => string | undefined): Record<string, string | undefined> | undefined {
  const p = finding.principal;
  return p && { arn: detail(p.arn), type: detail(p.type), accessKeyId: detail(p.accessKeyId), tenant: detail(p.tenant) };
}

/** What the PagerDuty channel needs from the channel configuration. */
export interface PagerDutySettings {
  routingKey: string;
  eventsUrl: string;
}

/** The one member of an event that holds a credential, and must, so it is not redacted. */
const ROUTING_KEY: ReadonlySet<string> = new Set(['routing_key']);

/** The PagerDuty channel. */
export class PagerDutyChannel implements AlertChannel {
  readonly name = 'pagerduty' as const;

  constructor(
    private readonly settings: PagerDutySettings,
    /** `egress`: the hosts the events URL may name (egress.ts). */
    private readonly deps: { policy: RetryPolicy; egress: EgressPolicy; runtime?: HttpRuntime },
  ) {}

  async deliver(alert: Alert, context: DeliveryContext): Promise<void> {
    await postJson(
      {
        channel: this.name,
        url: this.settings.eventsUrl,
        egress: this.deps.egress,
        body: redactedJson(renderPagerDutyEvent(alert, this.settings.routingKey), ROUTING_KEY),
        policy: this.deps.policy,
        deadline: context.deadline,
      },
      this.deps.runtime ?? systemHttpRuntime,
    );
  }
}
