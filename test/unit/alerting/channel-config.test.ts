import { afterEach, describe, expect, it } from 'vitest';
import { CachedChannelConfig, parseChannelConfig, type ChannelConfigSource } from '../../../shared/alerting/channel-config';
import { PAGERDUTY_EVENTS_URL } from '../../../shared/alerting/channels/pagerduty';
import { DEFAULT_RETRY_POLICY } from '../../../shared/alerting/http-post';
import { ConfigError } from '../../../shared/errors';
import { forgetSecrets, redact } from '../../../shared/redact';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:keywarden-test-alerts';
const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/canaryWebhookToken123';
const KEY = 'canaryRoutingKey0123456789abcdef';
const full = { slack: { webhookUrl: WEBHOOK }, pagerduty: { routingKey: KEY }, sns: { topicArn: TOPIC } };
const parse = (value: unknown, defaultTopicArn?: string) => parseChannelConfig(JSON.stringify(value), { source: 'keywarden/test/alert-channels', defaultTopicArn });

afterEach(() => forgetSecrets());

describe('the channel configuration', () => {
  it('fills in defaults: one Slack message a second, PagerDuty events URL, retry policy, routes', () => {
    const config = parse(full);
    expect(config.slack).toEqual({ webhookUrl: WEBHOOK, minIntervalMs: 1000 });
    expect(config.pagerduty).toEqual({ routingKey: KEY, eventsUrl: PAGERDUTY_EVENTS_URL });
    expect(config.retry).toEqual(DEFAULT_RETRY_POLICY);
    expect(config.routes.severity.critical).toEqual(['pagerduty', 'slack', 'sns']);
  });

  it('uses the stage topic when the secret names none', () => {
    expect(parse({}, TOPIC).sns).toEqual({ topicArn: TOPIC });
    expect(parse({}, TOPIC).routes.severity.critical).toEqual(['sns']);
  });

  it('remembers the webhook URL and routing key so they are redacted wherever they appear', () => {
    parse(full);
    expect(redact(`posting to ${WEBHOOK} with ${KEY}`)).toBe('posting to [REDACTED] with [REDACTED]');
  });

  it('refuses what is wrong, naming fields and never values', () => {
    const bad = { slack: { webhookUrl: 'http://hooks.example.com/services/canaryWebhookToken123' }, pagerduty: { routingKey: 'short-canary' }, routes: { severity: { high: ['pagerduty', 'email'] } } };
    let error: unknown;
    try {
      parse(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('slack.webhookUrl must use https');
    expect(message).toContain('pagerduty.routingKey must be the 32-character integration key');
    expect(message).toContain('routes.severity.high.1');
    expect(message).not.toContain('canary');
  });

  it('accepts plain http only to a loopback stand-in', () => {
    expect(parse({ slack: { webhookUrl: 'http://127.0.0.1:4567/services/x' } }).slack?.webhookUrl).toBe('http://127.0.0.1:4567/services/x');
  });

  it('refuses routes to channels that are not configured, and text that is not JSON', () => {
    expect(() => parse({ routes: { severity: { high: ['slack'] } } }, TOPIC)).toThrow('routes.severity.high names slack, which is not configured');
    expect(() => parseChannelConfig('{"slack": ', { source: 's' })).toThrow('the channel configuration in s is not JSON');
  });

  it('reads the secret once per TTL, and again after a failed read', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const source: ChannelConfigSource = {
      name: 'keywarden/test/alert-channels',
      read: async () => {
        reads += 1;
        if (fail) throw new ConfigError('gone');
        return JSON.stringify(full);
      },
    };
    const cache = new CachedChannelConfig(source, { ttlMs: 60_000, now: () => now });
    await Promise.all([cache.get(), cache.get()]);
    await cache.get();
    expect(reads).toBe(1);
    now = 60_000;
    fail = true;
    await expect(cache.get()).rejects.toThrow('gone');
    fail = false;
    await cache.get();
    expect(reads).toBe(3);
  });
});
