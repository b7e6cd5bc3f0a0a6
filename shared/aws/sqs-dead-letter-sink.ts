import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterSink, RejectedMessage } from '../detection/process-audit-batch';

/** SendMessageBatch takes at most 10 messages. */
const BATCH = 10;
/** SQS message attribute values are kept short; a reason is one sentence. */
const MAX_REASON = 1000;

/**
 * Sends unreadable audit messages straight to the audit queue's DLQ, each with its reason as a
 * message attribute (`reason`) beside the original body, so whoever inspects the DLQ sees why
 * without digging through logs. The SQS redrive policy would only move a message there after
 * maxReceiveCount failed attempts, with no reason attached; that path remains for messages whose
 * processing failed for another cause (DynamoDB or EventBridge unavailable).
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(rejected: readonly RejectedMessage[]): Promise<ReadonlySet<string>> {
    const unsent = new Set<string>();
    for (let start = 0; start < rejected.length; start += BATCH) {
      const batch = rejected.slice(start, start + BATCH);
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((message, i) => ({
              Id: String(i),
              MessageBody: bodyOf(message.body),
              MessageAttributes: {
                reason: { DataType: 'String', StringValue: message.reason.slice(0, MAX_REASON) },
                sourceMessageId: { DataType: 'String', StringValue: message.id },
                rejectedAt: { DataType: 'String', StringValue: this.now().toISOString() },
                rejectedBy: { DataType: 'String', StringValue: 'keywarden-audit' },
              },
            })),
          }),
        );
        for (const failed of out.Failed ?? []) unsent.add(batch[Number(failed.Id)]!.id);
      } catch {
        for (const message of batch) unsent.add(message.id);
      }
    }
    return unsent;
  }
}

function bodyOf(body: unknown): string {
  if (typeof body === 'string') return body.length > 0 ? body : '(empty)';
  try {
    return JSON.stringify(body) ?? String(body);
  } catch {
    return String(body);
  }
}
