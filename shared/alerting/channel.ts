import type { AwsDeployment } from './console-link';
import type { Finding } from '../finding';
import type { FloodMark } from './flood-control';

/**
 * What every alert channel is to the pipeline: a name and one `deliver` call. Routing, dedup,
 * retries across SQS receives and the dead-letter path live outside the channels, so a channel
 * only knows how to say one alert to one service, and whether a refusal is worth retrying.
 */

/** The channels keywarden knows, in the order they are tried (the page first). */
export const CHANNEL_NAMES = ['pagerduty', 'slack', 'sns'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** How often the problem behind an alert was seen, so the message can say so. */
export interface GroupSummary {
  /** Occurrences of this dedup key since the problem (re)opened, this one included. */
  occurrences: number;
  /** When the first of them was seen (ISO 8601). */
  firstSeenAt: string;
  /** Repeats that were counted instead of sent since the previous alert for this problem. */
  groupedSinceLastAlert: number;
}

/** One alert: the finding, what is known of its group, and the stage it comes from. */
export interface Alert {
  finding: Finding;
  group: GroupSummary;
  /** The keywarden stage (`prod`, `dev`, ...), shown so nobody confuses a test with production. */
  stage: string;
  /** Where keywarden runs: console links only for secret ARNs of this partition, region and account. */
  deployment?: AwsDeployment;
  /** What flood control made of the finding (flood-control.ts), when it applied. */
  flood?: FloodMark;
}

/** Limits a delivery must keep. */
export interface DeliveryContext {
  /** Epoch ms after which the channel must stop waiting and fail (retryably). */
  deadline: number;
}

/** One output channel. Implementations are one file each in `shared/alerting/channels/`. */
export interface AlertChannel {
  readonly name: ChannelName;
  /**
   * Delivers the alert or throws `ChannelDeliveryError` (`retryable` false when the service
   * refused the payload itself). Must not resolve until the service has accepted it.
   */
  deliver(alert: Alert, context: DeliveryContext): Promise<void>;
}

/** Whether a string names a known channel. */
export function isChannelName(value: string): value is ChannelName {
  return (CHANNEL_NAMES as readonly string[]).includes(value);
}
