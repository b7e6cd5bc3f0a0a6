import { z } from 'zod';
import { ConfigError } from '../errors';
import { rememberSecret } from '../redact';
import { CHANNEL_NAMES, type ChannelName } from './channel';
import { PAGERDUTY_EVENTS_URL, type PagerDutySettings } from './channels/pagerduty';
import type { SlackSettings } from './channels/slack';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http-post';
import { resolveRoutes, routesSchema, unavailableChannels, type Routes } from './routing';

/**
 * The channel configuration: where alerts go (Slack webhook URL, PagerDuty routing key and
 * events URL, SNS topic) and which findings go where (routes). A webhook URL and a routing key
 * are credentials, so the whole configuration lives in one Secrets Manager secret whose NAME
 * is the function's only setting (`KEYWARDEN_ALERT_CHANNELS_SECRET`); it is read on first use
 * and cached for a TTL, and its credential values are remembered for redaction.
 */

/** A URL keywarden may send to: https, or http to a loopback stand-in (tests, the local demo). */
const endpointUrl = (what: string) =>
  z
    .string()
    .url(`${what} must be a URL`)
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname));
    }, `${what} must use https (plain http is accepted only for a loopback address)`);

/** The secret's JSON. Documented in docs/alerting.md; keep the two in step. */
export const channelConfigSchema = z
  .object({
    slack: z
      .object({
        webhookUrl: endpointUrl('slack.webhookUrl'),
        /** Pause between two messages to the webhook; Slack allows about one a second. */
        minIntervalMs: z.number().int().min(0).max(60_000).default(1_000),
      })
      .strict()
      .optional(),
    pagerduty: z
      .object({
        routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, 'pagerduty.routingKey must be the 32-character integration key'),
        eventsUrl: endpointUrl('pagerduty.eventsUrl').default(PAGERDUTY_EVENTS_URL),
      })
      .strict()
      .optional(),
    sns: z
      .object({ topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'sns.topicArn must be an SNS topic ARN') })
      .strict()
      .optional(),
    routes: routesSchema.optional(),
    /** How hard Slack and PagerDuty are tried within one delivery. */
    retry: z
      .object({
        attempts: z.number().int().min(1).max(10),
        baseDelayMs: z.number().int().min(0).max(60_000),
        maxDelayMs: z.number().int().min(0).max(300_000),
        timeoutMs: z.number().int().min(100).max(60_000),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

/** The secret's JSON as written. */
export type ChannelConfigInput = z.input<typeof channelConfigSchema>;

/** The configuration, checked and filled in. */
export interface ChannelConfig {
  slack?: SlackSettings;
  pagerduty?: PagerDutySettings;
  sns?: { topicArn: string };
  routes: Routes;
  retry: RetryPolicy;
}

/** Options for {@link parseChannelConfig}. */
export interface ParseOptions {
  /** Names the secret in error messages. */
  source: string;
  /** The stage's alert topic, used when the secret names none (from `KEYWARDEN_ALERT_TOPIC_ARN`). */
  defaultTopicArn?: string;
}

/**
 * Checks the secret's text and fills in defaults. Error messages name the fields that are wrong,
 * never their values.
 *
 * @throws ConfigError listing every problem.
 */
export function parseChannelConfig(raw: string, options: ParseOptions): ChannelConfig {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError(`the channel configuration in ${options.source} is not JSON`);
  }
  rememberCredentials(json);
  const parsed = channelConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`the channel configuration in ${options.source} is invalid: ${problems.join('; ')}`);
  }
  const input = parsed.data;
  const topicArn = input.sns?.topicArn ?? options.defaultTopicArn;
  const available = CHANNEL_NAMES.filter((name) => (name === 'sns' ? Boolean(topicArn) : Boolean(input[name])));
  const routes = resolveRoutes(input.routes, available);
  const problems = unavailableChannels(routes, available);
  if (problems.length > 0) throw new ConfigError(`the channel configuration in ${options.source} is invalid: ${problems.join('; ')}`);
  return {
    slack: input.slack,
    pagerduty: input.pagerduty,
    sns: topicArn ? { topicArn } : undefined,
    routes,
    retry: { ...DEFAULT_RETRY_POLICY, ...input.retry },
  };
}

/** The channels a configuration can deliver to. */
export function configuredChannels(config: ChannelConfig): ChannelName[] {
  return CHANNEL_NAMES.filter((name) => Boolean(config[name]));
}

/**
 * Remembers the webhook URL and routing key (even in an otherwise invalid config) for
 * redaction, and the URL's path and last segment too: a Slack webhook's secret is its path, and
 * a service or proxy that echoes a request may quote the path or the token alone.
 */
function rememberCredentials(json: unknown): void {
  const config = json as { slack?: { webhookUrl?: unknown }; pagerduty?: { routingKey?: unknown } } | null;
  for (const value of [config?.slack?.webhookUrl, config?.pagerduty?.routingKey]) {
    if (typeof value === 'string') rememberSecret(value);
  }
  const url = config?.slack?.webhookUrl;
  if (typeof url !== 'string' || !URL.canParse(url)) return;
  const path = new URL(url).pathname;
  const token = path.slice(path.lastIndexOf('/') + 1);
  if (path.length >= MIN_TOKEN) rememberSecret(path);
  if (token.length >= MIN_TOKEN) rememberSecret(token);
}

/** Shorter path parts are not tokens (`/services`); Slack's are 24 characters. */
const MIN_TOKEN = 16;

/** Where the configuration's text comes from (a Secrets Manager secret). */
export interface ChannelConfigSource {
  /** What to call it in messages: the secret's name. */
  readonly name: string;
  /** The current text. @throws ConfigError when it is missing or unreadable. */
  read(): Promise<string>;
}

/** Options for {@link CachedChannelConfig}. */
export interface CacheOptions {
  ttlMs: number;
  now?: () => number;
  defaultTopicArn?: string;
}

/**
 * The configuration, read from its source at most once per TTL. A change to the secret takes
 * effect within the TTL without a deploy. A failed read is not cached: the next delivery tries
 * again. Concurrent callers share one read.
 */
export class CachedChannelConfig {
  private cached?: { config: ChannelConfig; at: number };
  private pending?: Promise<ChannelConfig>;

  constructor(
    private readonly source: ChannelConfigSource,
    private readonly options: CacheOptions,
  ) {}

  /** The configuration, from the cache while it is fresh. */
  async get(): Promise<ChannelConfig> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached && now - this.cached.at < this.options.ttlMs) {
      // Each invocation starts with an empty redaction set (shared/middleware/forget-secrets.ts).
      rememberCredentials(this.cached.config);
      return this.cached.config;
    }
    this.pending ??= this.load(now).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async load(now: number): Promise<ChannelConfig> {
    const raw = await this.source.read();
    rememberSecret(raw);
    const config = parseChannelConfig(raw, { source: this.source.name, defaultTopicArn: this.options.defaultTopicArn });
    this.cached = { config, at: now };
    return config;
  }
}
