import { singleLine } from '../display-text';
import { redact } from '../redact';
import type { Finding } from '../finding';
import { snsSubject, type TopicPublisher } from './topic';

/**
 * Where an alert goes when it cannot be delivered, and who hears about it: the message goes to
 * the dead-letter queue with its reason (as message attributes, the body untouched so it can be
 * redriven), and a fallback topic, independent of the channel configuration, gets a "delivery
 * failed" notice.
 */

/** Why a message was dead-lettered: unreadable, or readable but not deliverable. */
export type DeadLetterKind = 'malformed' | 'undeliverable';

/** One message for the dead-letter queue. */
export interface DeadLetter {
  /** The original body, unchanged, so a redrive replays it. */
  body: string;
  reason: string;
  kind: DeadLetterKind;
  /** The alert queue's message id and how often it was received. */
  messageId: string;
  receiveCount: number;
  findingId?: string;
  dedupKey?: string;
}

/** The dead-letter queue. */
export interface DeadLetterSink {
  /** Its name, for notices and logs. */
  readonly name: string;
  send(letter: DeadLetter): Promise<void>;
}

/** The "delivery failed" notice. */
export interface FallbackNotice {
  kind: DeadLetterKind;
  reason: string;
  messageId: string;
  receiveCount: number;
  deadLetterQueue: string;
  finding?: Finding;
}

/** Whoever hears that an alert was dead-lettered. */
export interface FallbackNotifier {
  notify(notice: FallbackNotice): Promise<void>;
}

/**
 * The notice as a person reads it (an email subscription to the fallback topic). Like every
 * notice it passes through `redact()` (the reason can quote a service's answer, which can echo
 * what it was sent), and its record-derived text is one line without control characters.
 */
export function renderFallbackNotice(notice: FallbackNotice, stage: string): { subject: string; message: string; attributes: Record<string, string> } {
  const f = notice.finding;
  const what = f ? `${f.ruleId} on ${f.secret?.name ?? f.secret?.arn ?? 'no secret'}` : 'a malformed message';
  const lines = [
    `keywarden (${stage}) could not deliver an alert; the message is in the dead-letter queue ${notice.deadLetterQueue}.`,
    '',
    `Reason: ${singleLine(notice.reason)}`,
    ...(f
      ? [
          `Finding: ${singleLine(f.id)} (${f.ruleId}, ${f.severity}, ${f.status})`,
          `Title: ${singleLine(f.title)}`,
          `Secret: ${singleLine(f.secret?.name ?? f.secret?.arn ?? '-')}   Tenant: ${singleLine(f.tenant ?? '-')}`,
          `Dedup key: ${singleLine(f.dedupKey)}`,
        ]
      : ['The message could not be read as a finding; fix its producer.']),
    `Queue message ${notice.messageId}, received ${notice.receiveCount} time(s).`,
    '',
    'Fix the cause (the channel configuration secret, the channel service, or the producer), then move the messages',
    'from the dead-letter queue back to the alert queue (aws sqs start-message-move-task --source-arn <dead-letter queue ARN>).',
    'Channels that already have the alert are not sent it again.',
  ];
  return {
    subject: redact(snsSubject(`[${stage}] alert delivery failed: ${what}`)),
    message: redact(lines.join('\n')),
    attributes: {
      kind: 'delivery-failed',
      severity: f?.severity ?? 'high',
      tenant: redact(f?.tenant ?? 'none'),
      rule: f?.ruleId ?? 'malformed',
    },
  };
}

/** The fallback notice on an SNS topic of its own. */
export class TopicFallbackNotifier implements FallbackNotifier {
  constructor(
    private readonly topicArn: string,
    private readonly publisher: TopicPublisher,
    private readonly stage: string,
  ) {}

  async notify(notice: FallbackNotice): Promise<void> {
    await this.publisher.publish({ topicArn: this.topicArn, ...renderFallbackNotice(notice, this.stage) });
  }
}
