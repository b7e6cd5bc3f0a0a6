import { describe, expect, it } from 'vitest';
import { CHANNEL_HOSTS_ONLY, egressRefusal, parseEgressPolicy } from '../../../shared/alerting/egress';
import { postJson, type HttpRuntime } from '../../../shared/alerting/http-post';
import { ConfigError } from '../../../shared/errors';

const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 1000 };

/** A runtime that counts requests and answers with one status (and a Location). */
function answering(status: number): HttpRuntime & { calls: number } {
  const rt = {
    calls: 0,
    random: () => 0,
    now: () => 0,
    sleep: async () => undefined,
    fetch: (async (_url: string | URL | Request, init?: RequestInit) => {
      rt.calls += 1;
      if (init?.redirect !== 'manual') throw new Error('redirects must not be followed');
      return new Response('moved', { status, headers: { location: 'https://evil.example/collect' } });
    }) as typeof fetch,
  };
  return rt;
}

describe('egress', () => {
  it("lets each channel reach only its service's hosts, over https", () => {
    expect(egressRefusal('slack', 'https://hooks.slack.com/services/T/B/x', CHANNEL_HOSTS_ONLY)).toBeUndefined();
    expect(egressRefusal('slack', 'https://hooks.slack-gov.com/services/T/B/x', CHANNEL_HOSTS_ONLY)).toBeUndefined();
    expect(egressRefusal('pagerduty', 'https://events.eu.pagerduty.com/v2/enqueue', CHANNEL_HOSTS_ONLY)).toBeUndefined();
    expect(egressRefusal('pagerduty', 'https://hooks.slack.com/services/T/B/x', CHANNEL_HOSTS_ONLY)).toMatch(/^pagerduty: refused to send to host hooks\.slack\.com: not one of events\.pagerduty\.com/);
    expect(egressRefusal('slack', 'https://hooks.slack.com.evil.example/services/x', CHANNEL_HOSTS_ONLY)).toMatch(/refused to send to host hooks\.slack\.com\.evil\.example/);
    expect(egressRefusal('slack', 'http://hooks.slack.com/services/T/B/x', CHANNEL_HOSTS_ONLY)).toMatch(/only https/);
    expect(egressRefusal('slack', 'https://user:pw@hooks.slack.com/services/T/B/x', CHANNEL_HOSTS_ONLY)).toMatch(/user name or password/);
  });

  it('allows a listed proxy (any port, or only the listed one) and loopback http only when listed', () => {
    const proxy = parseEgressPolicy(' Alerts-Proxy.internal.example ,127.0.0.1, relay.example:8443');
    expect(egressRefusal('slack', 'https://alerts-proxy.internal.example/slack/T/B/x', proxy)).toBeUndefined();
    expect(egressRefusal('slack', 'https://relay.example:8443/x', proxy)).toBeUndefined();
    expect(egressRefusal('slack', 'https://relay.example/x', proxy)).toMatch(/refused to send to host relay\.example/);
    expect(egressRefusal('slack', 'http://127.0.0.1:4100/services/x', proxy)).toBeUndefined();
    expect(egressRefusal('slack', 'http://127.0.0.1:4100/services/x', CHANNEL_HOSTS_ONLY)).toMatch(/refused to send to host 127\.0\.0\.1/);
    expect(egressRefusal('slack', 'http://alerts-proxy.internal.example/x', proxy)).toMatch(/only https/);
  });

  it('refuses an allow-list entry that is not a host', () => {
    expect(() => parseEgressPolicy('https://proxy.example/')).toThrow(ConfigError);
    expect(() => parseEgressPolicy('*.example.com')).toThrow(/takes host names/);
    // A webhook URL pasted into the allow-list by mistake: its token never reaches the error.
    const token = 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
    expect(() => parseEgressPolicy(`relay.example, https://hooks.slack.com/services/${token}`)).toThrow(/entries 2 are not/);
    const message = (() => {
      try {
        parseEgressPolicy(`https://hooks.slack.com/services/${token}`);
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/entries 1 are not/);
    expect(message).not.toContain('B00000000');
  });

  it('attack: a channel URL outside the allow-list -> refused before any request, not retryable', async () => {
    const rt = answering(200);
    const error = await postJson({ channel: 'slack', url: 'https://collector.evil.example/hook', egress: CHANNEL_HOSTS_ONLY, body: '{}', policy, deadline: 60_000 }, rt).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/^slack: refused to send to host collector\.evil\.example/) });
    expect(rt.calls).toBe(0);
  });

  it('attack: a webhook that answers 302 -> not followed, a failure that says so, not retried', async () => {
    const rt = answering(302);
    const error = await postJson({ channel: 'slack', url: 'https://hooks.slack.com/services/T/B/x', egress: CHANNEL_HOSTS_ONLY, body: '{}', policy, deadline: 60_000 }, rt).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, message: 'slack answered HTTP 302, a redirect: not followed (alerts go only to the configured host)' });
    expect(rt.calls).toBe(1);
  });
});
