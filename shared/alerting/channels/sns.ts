import { jsonDisplaySafe } from '../../display-text';
import { redact } from '../../redact';
import type { Alert, AlertChannel } from '../channel';
import { fitEvidence, utf8Bytes } from '../evidence';
import { floodSentence } from '../flood-presentation';
import { emergencyCommand, groupSentence, headline, secretConsoleUrl } from '../presentation';
import { attributeBytes, SNS_LIMITS, snsSubject, type TopicMessage, type TopicPublisher } from '../topic';

/**
 * SNS: the whole alert as JSON, with message attributes `severity`, `tenant`, `rule`, `status`
 * and `source` so that each subscriber can filter (a tenant's team subscribes to its tenant
 * only, a ticketing bridge to high and critical only). The subject stays under SNS's 100
 * characters on one line; the message with its attributes within 256 KB, evidence cut to fit.
 *
 * SNS is also the record of what flood control held back: a finding grouped into a flood group
 * or suppressed by the page cap still comes here, with attribute `flood` (`grouped`,
 * `suppressed`; `page`, `update`, `cap-summary`, `cap-update` for those sent everywhere) and the
 * count in the body. The message's JSON carries control and bidi characters as escapes, and
 * passes through `redact()` like every notice.
 */

/** The message attributes every alert carries; `tenant` is `none` for a finding without one; `flood` when flood control applied. */
export function snsAttributes(alert: Alert): Record<string, string> {
  const { finding } = alert;
  const attributes: Record<string, string> = { severity: finding.severity, tenant: finding.tenant ?? 'none', rule: finding.ruleId, status: finding.status, source: finding.source };
  if (alert.flood) attributes.flood = alert.flood.mode;
  return attributes;
}

/** Room left for headers SNS adds and JSON escaping of the evidence preview. */
const MARGIN_BYTES = 4 * 1024;

/** The SNS message for an alert (without the topic). */
export function renderSnsMessage(alert: Alert): Omit<TopicMessage, 'topicArn'> {
  const { finding } = alert;
  const attributes = snsAttributes(alert);
  const body = (evidence: Record<string, unknown>) =>
    jsonBody({
      kind: 'keywarden.alert',
      stage: alert.stage,
      headline: headline(alert),
      status: finding.status,
      group: { ...alert.group, sentence: groupSentence(alert) },
      flood: alert.flood && { ...alert.flood, sentence: floodSentence(alert) },
      emergencyCommand: emergencyCommand(alert),
      consoleUrl: secretConsoleUrl(alert),
      finding: { ...finding, evidence },
    });
  let message = body(finding.evidence);
  const limit = SNS_LIMITS.messageBytes - attributeBytes(attributes) - MARGIN_BYTES;
  if (utf8Bytes(message) > limit) {
    const rest = utf8Bytes(body({}));
    message = body(fitEvidence(finding.evidence, limit - rest));
  }
  return { subject: redact(snsSubject(headline(alert))), message, attributes };
}

function jsonBody(value: Record<string, unknown>): string {
  return redact(jsonDisplaySafe(JSON.stringify(value)));
}

/** The SNS channel. */
export class SnsChannel implements AlertChannel {
  readonly name = 'sns' as const;

  constructor(
    private readonly topicArn: string,
    private readonly publisher: TopicPublisher,
  ) {}

  async deliver(alert: Alert): Promise<void> {
    await this.publisher.publish({ topicArn: this.topicArn, ...renderSnsMessage(alert) });
  }
}
