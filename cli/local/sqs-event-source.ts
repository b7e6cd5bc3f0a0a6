import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Plays Lambda's SQS event source mapping against the local AWS: receives batches from a queue,
 * hands each to a function as the `SQSEvent` Lambda would build, deletes what succeeded, and
 * makes what failed (the response's `batchItemFailures`, or the whole batch when the function
 * throws) visible again for another receive. The queue's own redrive policy moves a message to
 * its dead-letter queue after maxReceiveCount receives, as in AWS.
 *
 * One deliberate difference: Lambda leaves a failed message invisible for the queue's
 * visibility timeout (minutes); locally it is visible again after `retryDelaySeconds`
 * (default 0), so a test of redelivery does not wait minutes for it.
 */

/** Options for {@link drainQueue} and {@link startQueuePoller}. */
export interface SqsEventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  /** For the records' eventSourceARN; derived from the URL when absent. */
  queueArn?: string;
  /** The function: a built bundle's handler, say. */
  invoke: (event: SQSEvent) => Promise<unknown>;
  /** Messages per batch, 1 to 10. Default 10. */
  batchSize?: number;
  /** Seconds a failed message stays invisible before it can be received again. Default 0. */
  retryDelaySeconds?: number;
  /** Visibility timeout while the function runs. Default 120 s. */
  visibilityTimeoutSeconds?: number;
}

/** What a drain did. */
export interface DrainReport {
  batches: number;
  received: number;
  deleted: number;
  retried: number;
  /** Invocations that threw (their whole batch was retried). */
  errors: number;
}

/**
 * Receives and invokes until the queue gives nothing back (including messages handed back for
 * a retry, which are received again at once). Stops after `maxBatches` as a safety net.
 */
export async function drainQueue(options: SqsEventSourceOptions & { maxBatches?: number }): Promise<DrainReport> {
  const report: DrainReport = { batches: 0, received: 0, deleted: 0, retried: 0, errors: 0 };
  const max = options.maxBatches ?? 10_000;
  while (report.batches < max) {
    const done = await pollOnce(options, 0, report);
    if (!done) break;
  }
  return report;
}

/** A poller running in the background. */
export interface QueuePoller {
  /** Stops after the batch under way; resolves when it has. */
  stop(): Promise<DrainReport>;
}

/** Long-polls the queue until stopped, invoking the function for each batch (the local demo, the benchmark). */
export function startQueuePoller(options: SqsEventSourceOptions & { waitSeconds?: number; onError?: (error: unknown) => void }): QueuePoller {
  const report: DrainReport = { batches: 0, received: 0, deleted: 0, retried: 0, errors: 0 };
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      try {
        await pollOnce(options, options.waitSeconds ?? 1, report);
      } catch (error) {
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return report;
    },
  };
}

/** One receive and its invocation; false when the receive returned nothing. */
async function pollOnce(options: SqsEventSourceOptions, waitSeconds: number, report: DrainReport): Promise<boolean> {
  const received = await options.client.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: options.batchSize ?? 10,
      WaitTimeSeconds: waitSeconds,
      VisibilityTimeout: options.visibilityTimeoutSeconds ?? 120,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return false;
  report.batches += 1;
  report.received += messages.length;
  const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options)) };
  let failed: Set<string>;
  try {
    const response = (await options.invoke(event)) as SQSBatchResponse | undefined;
    failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch {
    report.errors += 1;
    failed = new Set(messages.map((m) => m.MessageId!));
  }
  const succeeded = messages.filter((m) => !failed.has(m.MessageId!));
  const retry = messages.filter((m) => failed.has(m.MessageId!));
  if (succeeded.length > 0) {
    await options.client.send(
      new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: succeeded.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
  if (retry.length > 0) {
    await options.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: retry.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: options.retryDelaySeconds ?? 0 })),
      }),
    );
  }
  report.deleted += succeeded.length;
  report.retried += retry.length;
  return true;
}

function toRecord(message: Message, options: SqsEventSourceOptions): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, { dataType: value.DataType ?? 'String', stringValue: value.StringValue }]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn ?? arnFromUrl(options.queueUrl),
    awsRegion: process.env.AWS_REGION ?? 'us-east-1',
  };
}

/** `http://host/123456789012/name` → `arn:aws:sqs:<region>:123456789012:name`. */
function arnFromUrl(url: string): string {
  const [account, name] = new URL(url).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:aws:sqs:${process.env.AWS_REGION ?? 'us-east-1'}:${account}:${name}`;
}
