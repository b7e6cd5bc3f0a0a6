import type { AlertChannel, ChannelName } from '../channel';
import type { ChannelConfig } from '../channel-config';
import type { EgressPolicy } from '../egress';
import type { HttpRuntime } from '../http-post';
import type { SendPacer } from '../pacing';
import type { TopicPublisher } from '../topic';
import { PagerDutyChannel } from './pagerduty';
import { SlackChannel } from './slack';
import { SnsChannel } from './sns';

/** What channels are built with besides their configuration. */
export interface ChannelDeps {
  /** Paces Slack per webhook. */
  pacer: SendPacer;
  /** Publishes to SNS. */
  publisher: TopicPublisher;
  /** The hosts Slack and PagerDuty may be sent to besides their own (egress.ts). */
  egress: EgressPolicy;
  /** HTTP, time and chance for Slack and PagerDuty; the real ones by default. */
  runtime?: HttpRuntime;
}

type ChannelFactory = (config: ChannelConfig, deps: ChannelDeps) => AlertChannel | undefined;

/** Every channel keywarden has: an explicit map, one file per channel. */
export const channelFactories: Record<ChannelName, ChannelFactory> = {
  pagerduty: (config, deps) => config.pagerduty && new PagerDutyChannel(config.pagerduty, { policy: config.retry, egress: deps.egress, runtime: deps.runtime }),
  slack: (config, deps) => config.slack && new SlackChannel(config.slack, { pacer: deps.pacer, policy: config.retry, egress: deps.egress, runtime: deps.runtime }),
  sns: (config, deps) => config.sns && new SnsChannel(config.sns.topicArn, deps.publisher),
};

/** The channels a configuration sets up, by name. */
export function buildChannels(config: ChannelConfig, deps: ChannelDeps): Map<ChannelName, AlertChannel> {
  const channels = new Map<ChannelName, AlertChannel>();
  for (const [name, create] of Object.entries(channelFactories) as Array<[ChannelName, ChannelFactory]>) {
    const channel = create(config, deps);
    if (channel) channels.set(name, channel);
  }
  return channels;
}
