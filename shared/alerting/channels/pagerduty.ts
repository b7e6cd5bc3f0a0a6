import type { Alert, AlertChannel, DeliveryContext } from '../channel';
import { fitEvidence } from '../evidence';
import type { Severity } from '../finding';
import { postJson, systemHttpRuntime, type HttpRuntime, type RetryPolicy } from '../http-post';
import { emergencyCommand, groupSentence, headline, secretConsoleUrl, secretNameOf } from '../presentation';

/**
 * PagerDuty through the Events API v2. An open finding triggers with the finding's dedup key,
 * so every repeat of the problem lands on the one incident; a resolved finding with the same key
 * resolves it. 429 and 5xx are retried with backoff and jitter, a 400 never (the event itself is
 * wrong and would be refused again).
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
  const consoleUrl = secretConsoleUrl(finding);
  const summary = headline(alert);
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: `keywarden (${alert.stage})`,
    payload: {
      summary: summary.length > PAGERDUTY_LIMITS.summary ? `${summary.slice(0, PAGERDUTY_LIMITS.summary - 1)}…` : summary,
      source: secret ?? `keywarden-${alert.stage}`,
      severity: PAGERDUTY_SEVERITY[finding.severity],
      timestamp: finding.observedAt,
      component: secret,
      group: finding.tenant,
      class: finding.ruleId,
      custom_details: {
        finding_id: finding.id,
        rule: finding.ruleId,
        severity: finding.severity,
        secret: finding.secret,
        tenant: finding.tenant,
        principal: finding.principal,
        observed_at: finding.observedAt,
        occurrences: alert.group.occurrences,
        grouping: groupSentence(alert),
        runbook: finding.runbook,
        emergency_command: emergencyCommand(finding),
        evidence: fitEvidence(finding.evidence, PAGERDUTY_LIMITS.evidenceBytes),
      },
    },
    links: consoleUrl ? [{ href: consoleUrl, text: 'The secret in the AWS console' }] : undefined,
  };
}

/** What the PagerDuty channel needs from the channel configuration. */
export interface PagerDutySettings {
  routingKey: string;
  eventsUrl: string;
}

/** The PagerDuty channel. */
export class PagerDutyChannel implements AlertChannel {
  readonly name = 'pagerduty' as const;

  constructor(
    private readonly settings: PagerDutySettings,
    private readonly deps: { policy: RetryPolicy; runtime?: HttpRuntime },
  ) {}

  async deliver(alert: Alert, context: DeliveryContext): Promise<void> {
    await postJson(
      {
        channel: this.name,
        url: this.settings.eventsUrl,
        body: JSON.stringify(renderPagerDutyEvent(alert, this.settings.routingKey)),
        policy: this.deps.policy,
        deadline: context.deadline,
      },
      this.deps.runtime ?? systemHttpRuntime,
    );
  }
}
