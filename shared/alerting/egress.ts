import { ConfigError } from '../errors';
import type { ChannelName } from './channel';

/**
 * Where the alert function may send: a Slack webhook only to Slack's hosts, a PagerDuty event
 * only to PagerDuty's. Whoever can change the channel configuration secret (or a value that
 * slipped into it) must not be able to make the function post alerts, with their evidence, to
 * any host on the internet or inside the VPC. A self-hosted proxy (and the local stand-ins,
 * which run on 127.0.0.1) is allowed by naming its host in `KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS`;
 * production code has no other way around the list. The check runs before every request.
 */

/** The hosts each HTTP channel talks to. */
export const CHANNEL_HOSTS: Record<Exclude<ChannelName, 'sns'>, readonly string[]> = {
  slack: ['hooks.slack.com', 'hooks.slack-gov.com'],
  pagerduty: ['events.pagerduty.com', 'events.eu.pagerduty.com'],
};

/** The environment variable that extends the list. */
export const EGRESS_ALLOW_ENV = 'KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS';

/** What may be sent to besides the channels' own hosts. */
export interface EgressPolicy {
  /** `host` (any port) or `host:port`, lower case. */
  extraHosts: readonly string[];
}

/** Only the channels' own hosts. */
export const CHANNEL_HOSTS_ONLY: EgressPolicy = { extraHosts: [] };

const HOST_ENTRY = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:]+\])(?::\d{1,5})?$/;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * The policy from `KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS` (comma-separated host names, each
 * optionally with `:port`; empty: only the channels' hosts).
 *
 * @throws ConfigError naming an entry that is not a host (a URL, a path, a wildcard).
 */
export function parseEgressPolicy(value: string | undefined): EgressPolicy {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  const bad = entries.filter((entry) => !HOST_ENTRY.test(entry));
  if (bad.length > 0) {
    // Positions, never the entries: a webhook URL pasted here by mistake carries its token.
    const positions = entries.flatMap((entry, index) => (HOST_ENTRY.test(entry) ? [] : [index + 1]));
    throw new ConfigError(`${EGRESS_ALLOW_ENV} takes host names (optionally host:port), comma-separated; entries ${positions.join(', ')} are not (a URL, a path or a wildcard?)`);
  }
  return { extraHosts: entries };
}

/** The same policy with more hosts (the local tools add the stand-ins' 127.0.0.1). */
export function withExtraHosts(policy: EgressPolicy, hosts: readonly string[]): EgressPolicy {
  return { extraHosts: [...new Set([...policy.extraHosts, ...hosts.map((h) => h.toLowerCase())])] };
}

/** Why `channel` may not post to `url`, or undefined when it may. Never repeats the URL (a webhook URL is a credential). */
export function egressRefusal(channel: ChannelName, url: string, policy: EgressPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${channel}: refused to send: its URL is not a URL`;
  }
  if (parsed.username || parsed.password) return `${channel}: refused to send: its URL carries a user name or password`;
  const host = parsed.hostname.toLowerCase();
  const own = channel === 'sns' ? [] : CHANNEL_HOSTS[channel];
  const listed = own.includes(host) || policy.extraHosts.some((entry) => entry === host || entry === `${host}:${parsed.port || defaultPort(parsed.protocol)}`);
  if (!listed) {
    const allowed = [...own, ...policy.extraHosts].join(', ');
    return `${channel}: refused to send to host ${host.slice(0, 253)}: not one of ${allowed} (a proxy of your own goes in ${EGRESS_ALLOW_ENV})`;
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && LOOPBACK.test(host)) return undefined;
  return `${channel}: refused to send to host ${host}: only https (plain http only to a loopback stand-in)`;
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : protocol === 'http:' ? '80' : '';
}
