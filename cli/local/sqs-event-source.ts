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
 * The demo and the tests drain with `retryDelaySeconds` 0 (a failed message is visible again at
 * once, so a test of redelivery does not wait minutes); `keywarden local up`'s runner passes
 * `'queue'`, leaving it invisible for the queue's visibility timeout, as Lambda does.
 */

/** Options for {@link drainQueue} and {@link startQueuePoller}. */
export interface SqsEventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  /** For the records' eventSourceARN; derived from the URL when absent. */
  queueArn?: string;
  /** The function: a built bundle's handler, say. */
  invoke: (event: SQSEvent) => Promise<unknown>;
  /** Messages per invocation. Default 10; above 10 the batch is gathered from several receives. */
  batchSize?: number;
  /** Seconds to keep gathering a batch once its first message is in (Lambda's MaximumBatchingWindowInSeconds). Default 0. */
  batchingWindowSeconds?: number;
  /**
   * Seconds a failed message stays invisible before it can be received again. Default 0;
   * `'queue'` leaves it invisible for the rest of the queue's own visibility timeout, as Lambda does.
   */
  retryDelaySeconds?: number | 'queue';
  /** Visibility timeout while the function runs. Default 120 s; `'queue'` uses the queue's own. */
  visibilityTimeoutSeconds?: number | 'queue';
  /**
   * Whether the function's `batchItemFailures` count (the mapping's FunctionResponseTypes has
   * ReportBatchItemFailures). Default true; false ignores the response, as Lambda does then
   * (only a thrown error retries, and it retries the whole batch).
   */
  reportBatchItemFailures?: boolean;
  /** Each receive, before the function is invoked (the local runner logs it). */
  onBatch?: (messages: readonly Message[]) => void;
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
  const messages = await receiveBatch(options, waitSeconds);
  if (messages.length === 0) return false;
  options.onBatch?.(messages);
  report.batches += 1;
  report.received += messages.length;
  const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options)) };
  let failed: Set<string>;
  try {
    const response = (await options.invoke(event)) as SQSBatchResponse | undefined;
    failed = options.reportBatchItemFailures === false ? new Set() : new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
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
  const retryDelay = options.retryDelaySeconds ?? 0;
  if (retry.length > 0 && retryDelay !== 'queue') {
    await options.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: retry.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: retryDelay })),
      }),
    );
  }
  report.deleted += succeeded.length;
  report.retried += retry.length;
  return true;
}

/**
 * One batch as Lambda gathers it: a first receive (long-polling `waitSeconds`), then, while the
 * batch is short of `batchSize` and the batching window is open, more receives.
 */
async function receiveBatch(options: SqsEventSourceOptions, waitSeconds: number): Promise<Message[]> {
  const batchSize = options.batchSize ?? 10;
  const messages = await receive(options, Math.min(10, batchSize), waitSeconds);
  if (messages.length === 0) return messages;
  const windowEnds = Date.now() + (options.batchingWindowSeconds ?? 0) * 1000;
  while (messages.length < batchSize) {
    const left = windowEnds - Date.now();
    const more = await receive(options, Math.min(10, batchSize - messages.length), left > 0 ? Math.min(20, Math.ceil(left / 1000)) : 0);
    messages.push(...more);
    if (more.length === 0 && Date.now() >= windowEnds) break;
  }
  return messages;
}

async function receive(options: SqsEventSourceOptions, max: number, waitSeconds: number): Promise<Message[]> {
  const visibility = options.visibilityTimeoutSeconds ?? 120;
  const received = await options.client.send(
    new ReceiveMessageCommand({
      QueueUrl: options.queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitSeconds,
      ...(visibility !== 'queue' && { VisibilityTimeout: visibility }),
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return received.Messages ?? [];
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
