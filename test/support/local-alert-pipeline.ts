import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import { invokeBundle } from '../../cli/bundles';
import { putChannelConfig } from '../../shared/aws/secrets-manager-channel-config';
import { drainQueue, type DrainReport } from '../../cli/local/sqs-event-source';
import { LOCAL_STANDIN_HOSTS, startPagerDutyStandin, startSlackStandin, type FaultOptions, type PagerDutyStandin, type SlackStandin } from '../../cli/standins';
import type { ChannelConfigInput } from '../../shared/alerting/channel-config';
import type { Finding } from '../../shared/finding';
import { eventBridge, secretsManager, sns, sqs } from '../../shared/aws/clients';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { templateResource } from './local-aws';

/**
 * The alert pipeline as the integration tests drive it: the packaged template's queues, table,
 * topics and rules in the local AWS; the built alert bundle invoked by a local SQS event source
 * (cli/local/sqs-event-source.ts); Slack and PagerDuty stand-ins; SQS queues subscribed to the
 * alert and fallback topics to read what SNS delivered.
 */

export const STAGE = 'ci';
export const CHANNELS_SECRET = `keywarden/${STAGE}/alert-channels`;

/**
 * The alert function's environment, as deploy/alert.yml sets it. The bundle reads it once, on
 * its first invocation in this process, like a Lambda instance, and keeps that instance for the
 * rest of the process, which can outlive one test file. So the names are the same for every
 * file, and the configuration cache is off (TTL 0): each test writes its own channel
 * configuration (stand-ins on new ports), which the function must read.
 */
export function setAlertFunctionEnv(extra: Record<string, string> = {}): void {
  const values: Record<string, string> = {
    KEYWARDEN_STAGE: STAGE,
    KEYWARDEN_ALERT_CHANNELS_SECRET: CHANNELS_SECRET,
    KEYWARDEN_ALERT_TABLE: templateResource('AlertStateTable'),
    KEYWARDEN_ALERT_DLQ_URL: templateResource('AlertDeadLetterQueue'),
    KEYWARDEN_ALERT_TOPIC_ARN: templateResource('AlertTopic'),
    KEYWARDEN_ALERT_FALLBACK_TOPIC_ARN: templateResource('AlertFallbackTopic'),
    KEYWARDEN_ALERT_MAX_RECEIVES: '5',
    KEYWARDEN_ALERT_CONFIG_TTL_SECONDS: '0',
    // The local tooling's allow-list: the stand-ins listen on 127.0.0.1.
    KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS: LOCAL_STANDIN_HOSTS.join(','),
    ...extra,
  };
  for (const name of Object.keys(values)) if (!(name in saved)) saved[name] = process.env[name];
  Object.assign(process.env, values);
}

const saved: Record<string, string | undefined> = {};

/** Puts back what {@link setAlertFunctionEnv} changed, so the next test file in this process starts clean. */
export function restoreAlertFunctionEnv(): void {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    delete saved[name];
  }
}

/** A running harness. */
export interface AlertHarness {
  slack: SlackStandin;
  pagerduty: PagerDutyStandin;
  /** SQS queues subscribed to the alert topic and the fallback topic. */
  alertsSubscriptionUrl: string;
  fallbackSubscriptionUrl: string;
  publish(findings: Finding[]): Promise<void>;
  /** Plays the event source mapping until the alert queue is empty. */
  drain(): Promise<DrainReport>;
  close(): Promise<void>;
}

/** Options for {@link startAlertHarness}. */
export interface HarnessOptions {
  faults?: FaultOptions;
  /** Merged over the default channel configuration (all three channels, Slack unpaced). */
  config?: Partial<ChannelConfigInput>;
  /** A filter policy for the alert topic's subscription queue. */
  filterPolicy?: Record<string, unknown>;
  /** Slack's pacing; 0 (none) by default so the tests do not wait a second per message. */
  slackIntervalMs?: number;
  /** The Slack webhook's token and the PagerDuty routing key (random by default). */
  slackToken?: string;
  routingKey?: string;
}

/** Starts the stand-ins, writes the channel configuration secret, subscribes the reading queues. */
export async function startAlertHarness(options: HarnessOptions = {}): Promise<AlertHarness> {
  const slack = await startSlackStandin({ faults: options.faults, token: options.slackToken });
  const pagerduty = await startPagerDutyStandin({ faults: options.faults, routingKey: options.routingKey });
  await putChannelConfig(secretsManager(), CHANNELS_SECRET, STAGE, {
    slack: { webhookUrl: slack.webhookUrl, minIntervalMs: options.slackIntervalMs ?? 0 },
    pagerduty: { routingKey: pagerduty.routingKey, eventsUrl: pagerduty.eventsUrl },
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 10, timeoutMs: 5_000 },
    ...options.config,
  });
  const alertsSubscriptionUrl = await subscribedQueue('alerts-subscriber', templateResource('AlertTopic'), options.filterPolicy);
  const fallbackSubscriptionUrl = await subscribedQueue('fallback-subscriber', templateResource('AlertFallbackTopic'));
  const publisher = new EventBridgeFindingPublisher(eventBridge(), templateResource('FindingsBus'));
  return {
    slack,
    pagerduty,
    alertsSubscriptionUrl,
    fallbackSubscriptionUrl,
    publish: (findings) => publisher.publish(findings),
    drain: () =>
      drainQueue({
        client: sqs(),
        queueUrl: templateResource('AlertQueue'),
        queueArn: templateResource('AlertQueue', 'Arn'),
        invoke: (event: SQSEvent) => invokeBundle('alert', event),
      }),
    async close() {
      await Promise.all([slack.close(), pagerduty.close()]);
    },
  };
}

async function subscribedQueue(name: string, topicArn: string, filterPolicy?: Record<string, unknown>): Promise<string> {
  const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns().send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes!.QueueArn,
      Attributes: filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : undefined,
    }),
  );
  return QueueUrl!;
}

/** Every message in a queue, removed from it. */
export async function takeAll(queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs().send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await sqs().send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

/** What SNS put on a subscribed queue: the envelope's message (JSON) and attributes. */
export function snsDeliveries(messages: Message[]): Array<{ subject?: string; message: string; attributes: Record<string, string> }> {
  return messages.map((m) => {
    const envelope = JSON.parse(m.Body!) as { Subject?: string; Message: string; MessageAttributes?: Record<string, { Type: string; Value: string }> };
    return {
      subject: envelope.Subject,
      message: envelope.Message,
      attributes: Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value])),
    };
  });
}

/** Visible plus in-flight messages of a queue. */
export async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
}

/** The dedup key a Slack message names in its context line. */
export function slackDedupKey(message: { blocks?: unknown[] }): string | undefined {
  const text = JSON.stringify(message.blocks ?? []);
  return /dedup ([a-z]+\.[a-z0-9-]+:[0-9a-f]{24})/.exec(text)?.[1];
}
