import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sqs } from '../../shared/aws/clients';
import { drainQueue } from '../../cli/local/sqs-event-source';

// The event source mapping as `keywarden local up`'s runner plays it, against this run's moto:
// batches gathered over several receives, and failed messages left to the queue's own
// visibility timeout.
async function queueWith(count: number, visibilityTimeout = 30): Promise<string> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: `kw-localaws-esm-${crypto.randomUUID()}`, Attributes: { VisibilityTimeout: String(visibilityTimeout) } }));
  for (let start = 0; start < count; start += 10) {
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, i) => ({ Id: String(i), MessageBody: `message ${start + i}` }));
    await sqs().send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
  }
  return QueueUrl!;
}

async function depth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes: a = {} } = await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(a.ApproximateNumberOfMessages), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible) };
}

describe('the SQS event source mapping, as the runner plays it', () => {
  it('gathers a batch larger than one receive (BatchSize 1000 with a batching window) into one invocation', async () => {
    const queueUrl = await queueWith(35);
    const batches: number[] = [];
    const report = await drainQueue({
      client: sqs(),
      queueUrl,
      batchSize: 1000,
      batchingWindowSeconds: 1,
      visibilityTimeoutSeconds: 'queue',
      invoke: async (event: SQSEvent) => {
        batches.push(event.Records.length);
        return { batchItemFailures: [] };
      },
    });
    expect(batches).toEqual([35]);
    expect(report).toMatchObject({ batches: 1, received: 35, deleted: 35, retried: 0 });
  });

  it("leaves a reported failure invisible for the queue's visibility timeout, and deletes the rest", async () => {
    const queueUrl = await queueWith(3, 600);
    let invocations = 0;
    const report = await drainQueue({
      client: sqs(),
      queueUrl,
      batchSize: 10,
      visibilityTimeoutSeconds: 'queue',
      retryDelaySeconds: 'queue',
      invoke: async (event: SQSEvent) => {
        invocations += 1;
        return { batchItemFailures: [{ itemIdentifier: event.Records.find((r) => r.body === 'message 1')!.messageId }] };
      },
    });
    // One invocation: the failed message did not come straight back for a second one.
    expect(invocations).toBe(1);
    expect(report).toMatchObject({ received: 3, deleted: 2, retried: 1 });
    expect(await depth(queueUrl)).toEqual({ visible: 0, inFlight: 1 });
  });

  it('retries the whole batch when ReportBatchItemFailures is not declared, whatever the response says', async () => {
    const queueUrl = await queueWith(2, 600);
    const report = await drainQueue({
      client: sqs(),
      queueUrl,
      reportBatchItemFailures: false,
      visibilityTimeoutSeconds: 'queue',
      retryDelaySeconds: 'queue',
      invoke: async (event: SQSEvent) => ({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] }),
    });
    // The response is ignored: both succeeded.
    expect(report).toMatchObject({ received: 2, deleted: 2, retried: 0 });
    const thrown = await queueWith(2, 600);
    const failed = await drainQueue({
      client: sqs(),
      queueUrl: thrown,
      reportBatchItemFailures: false,
      visibilityTimeoutSeconds: 'queue',
      retryDelaySeconds: 'queue',
      invoke: async () => {
        throw new Error('the function failed');
      },
    });
    expect(failed).toMatchObject({ received: 2, deleted: 0, retried: 2, errors: 1 });
    expect(await depth(thrown)).toEqual({ visible: 0, inFlight: 2 });
  });
});
