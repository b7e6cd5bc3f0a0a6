import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterSink } from '../alerting/dead-letter';
import { KeywardenError } from '../errors';
import { redact } from '../redact';

/** Reasons longer than this are cut; the full story is in the function's log. */
const MAX_REASON = 4_000;

/**
 * {@link DeadLetterSink} over the alert queue's dead-letter queue: the original body unchanged
 * (so a redrive replays it), the reason and context as message attributes.
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  readonly name: string;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.name = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  }

  async send(letter: DeadLetter): Promise<void> {
    const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
    const attributes: Record<string, MessageAttributeValue> = {
      reason: text(redact(letter.reason).slice(0, MAX_REASON)),
      kind: text(letter.kind),
      sourceMessageId: text(letter.messageId),
      receiveCount: { DataType: 'Number', StringValue: String(letter.receiveCount) },
    };
    if (letter.findingId) attributes.findingId = text(letter.findingId);
    if (letter.dedupKey) attributes.dedupKey = text(letter.dedupKey);
    try {
      await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: letter.body, MessageAttributes: attributes }));
    } catch (error) {
      throw new KeywardenError(`SendMessage to ${this.name} failed: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
  }
}
