import { ListTopicsCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { TopicMessage, TopicPublisher } from '../alerting/topic';
import { ChannelDeliveryError } from '../errors';

/** Errors SNS answers that a later attempt can get past. */
const RETRYABLE = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'InternalErrorException', 'InternalError', 'ServiceUnavailable', 'KMSThrottlingException']);

/**
 * {@link TopicPublisher} over SNS: one Publish per message, each attribute a String attribute.
 * Throttling, 5xx and network failures are retryable (the SDK has already retried them);
 * a refusal (InvalidParameter, NotFound, AuthorizationError) is not.
 */
export class SnsTopicPublisher implements TopicPublisher {
  constructor(private readonly client: SNSClient) {}

  async publish(message: TopicMessage): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: message.topicArn,
          Subject: message.subject,
          Message: message.message,
          MessageAttributes: Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }])),
        }),
      );
    } catch (error) {
      const err = error as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
      const retryable = RETRYABLE.has(err.name ?? '') || err.$fault === 'server' || err.$metadata?.httpStatusCode === undefined;
      throw new ChannelDeliveryError(`sns: Publish to ${message.topicArn} failed: ${err.name ?? 'Error'}: ${err.message ?? ''}`, { channel: 'sns', retryable, cause: error });
    }
  }
}

/** The ARN of the topic called `name` in this account and region, or undefined. */
export async function findTopicArn(client: SNSClient, name: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const out = await client.send(new ListTopicsCommand({ NextToken: token }));
    const found = out.Topics?.find((t) => t.TopicArn?.endsWith(`:${name}`));
    if (found?.TopicArn) return found.TopicArn;
    token = out.NextToken;
  } while (token);
  return undefined;
}
