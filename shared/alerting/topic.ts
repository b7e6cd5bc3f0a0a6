import { singleLine } from '../display-text';
import { clipText } from './evidence';

/**
 * A topic to publish to (SNS in AWS). The SNS channel and the fallback notice both publish
 * through it; `shared/aws/sns-topic-publisher.ts` implements it.
 */

/** One message for a topic. */
export interface TopicMessage {
  topicArn: string;
  /** At most 99 characters, no line breaks: SNS's rule for subjects. */
  subject: string;
  message: string;
  /** String message attributes, for subscribers' filter policies. */
  attributes: Record<string, string>;
}

/** Publishes messages; throws `ChannelDeliveryError` (`retryable` for throttling and 5xx). */
export interface TopicPublisher {
  publish(message: TopicMessage): Promise<void>;
}

/** SNS's limits: a subject under 100 characters, a message with its attributes within 256 KB. */
export const SNS_LIMITS = { subject: 99, messageBytes: 256 * 1024 } as const;

/** A subject SNS accepts: one line, no control or bidi characters, at most 99 characters. */
export function snsSubject(text: string): string {
  return clipText(singleLine(text).replace(/\s+/g, ' ').trim(), SNS_LIMITS.subject);
}

/** Bytes SNS counts for message attributes: names, types and values. */
export function attributeBytes(attributes: Record<string, string>): number {
  return Object.entries(attributes).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + 'String'.length + Buffer.byteLength(value), 0);
}
