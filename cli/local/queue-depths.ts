import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { sqs } from '../../shared/aws/clients';

/** One queue of the local AWS and how many messages it holds. */
export interface QueueDepth {
  name: string;
  /** Waiting to be received. */
  visible: number;
  /** Received, not yet deleted (a function has them, or they wait out a failed attempt's visibility timeout). */
  inFlight: number;
  /** Some other queue's redrive policy names this one. */
  deadLetterQueue: boolean;
}

/** Every queue of the local AWS with its depth; dead-letter queues are those another queue's redrive policy names. */
export async function queueDepths(): Promise<QueueDepth[]> {
  const urls = (await sqs().send(new ListQueuesCommand({}))).QueueUrls ?? [];
  const queues = await Promise.all(
    urls.map(async (url) => {
      const { Attributes: a = {} } = await sqs().send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'RedrivePolicy'] }),
      );
      const dlqArn = a.RedrivePolicy ? (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn : undefined;
      return { name: url.split('/').at(-1)!, arn: a.QueueArn, dlqArn, visible: Number(a.ApproximateNumberOfMessages ?? 0), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) };
    }),
  );
  const dlqArns = new Set(queues.map((q) => q.dlqArn).filter(Boolean));
  return queues
    .map(({ name, arn, visible, inFlight }) => ({ name, visible, inFlight, deadLetterQueue: dlqArns.has(arn) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
