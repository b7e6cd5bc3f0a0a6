import type { Alert, AlertChannel, ChannelName } from './channel';
import { configuredChannels, type ChannelConfig } from './channel-config';
import type { AwsDeployment } from './console-link';
import type { Finding } from '../finding';
import { channelsFor } from './routing';
import { ChannelDeliveryError, InvalidRequestError } from '../errors';

/**
 * Sends one finding through the routing and the channels right now, with no dedup and no
 * retry across receives: what `keywarden alert send` does so a team can test its setup. The
 * channels are the same classes the alert function uses, so a payload that works here works
 * there.
 */

/** One channel's result. */
export interface SendResult {
  channel: ChannelName;
  ok: boolean;
  /** Why it failed, and whether the function would retry it. */
  error?: string;
  retryable?: boolean;
  ms: number;
}

/** Options for {@link sendNow}. */
export interface SendNowOptions {
  stage: string;
  /** Only these channels (each must be configured); default: the finding's route. */
  only?: ChannelName[];
  /** How long each channel may take, retries included. Default 60 s. */
  timeoutMs?: number;
  /** Where keywarden runs: console links only for its secrets. */
  deployment?: AwsDeployment;
}

/** The channels a finding would go to, and the results of sending it there. */
export async function sendNow(
  finding: Finding,
  config: ChannelConfig,
  channels: Map<ChannelName, AlertChannel>,
  options: SendNowOptions,
): Promise<{ routed: ChannelName[]; results: SendResult[] }> {
  const routed = channelsFor(finding, config.routes);
  if (options.only) {
    const missing = options.only.filter((name) => !configuredChannels(config).includes(name));
    if (missing.length > 0) throw new InvalidRequestError(`not configured in the channel configuration: ${missing.join(', ')}`);
  }
  const targets = options.only ?? routed;
  const alert: Alert = { finding, stage: options.stage, deployment: options.deployment, group: { occurrences: 1, firstSeenAt: finding.observedAt, groupedSinceLastAlert: 0 } };
  const results: SendResult[] = [];
  for (const name of targets) {
    const began = performance.now();
    const channel = channels.get(name);
    try {
      if (!channel) throw new ChannelDeliveryError(`${name} is routed but not configured`, { channel: name, retryable: false });
      await channel.deliver(alert, { deadline: Date.now() + (options.timeoutMs ?? 60_000) });
      results.push({ channel: name, ok: true, ms: performance.now() - began });
    } catch (error) {
      const retryable = error instanceof ChannelDeliveryError ? error.retryable : true;
      results.push({ channel: name, ok: false, error: (error as Error).message, retryable, ms: performance.now() - began });
    }
  }
  return { routed, results };
}
