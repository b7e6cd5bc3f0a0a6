import { describe, expect, it } from 'vitest';
import { backoffMs, postJson, retryAfterMs, type HttpRuntime, type RetryPolicy } from '../../../shared/alerting/http-post';
import { CHANNEL_HOSTS_ONLY } from '../../../shared/alerting/egress';
import { ChannelDeliveryError } from '../../../shared/errors';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 1000 };

/** Answers from a script; records the waits instead of waiting. */
function runtime(answers: Array<number | [number, Record<string, string>] | Error>, random = () => 0.5): HttpRuntime & { waits: number[]; calls: number } {
  let clock = 1_000_000;
  const rt = {
    waits: [] as number[],
    calls: 0,
    random,
    now: () => clock,
    sleep: async (ms: number) => {
      rt.waits.push(ms);
      clock += ms;
    },
    fetch: (async () => {
      const next = answers[rt.calls++];
      if (next instanceof Error) throw next;
      const [status, headers] = Array.isArray(next) ? next : [next ?? 200, {}];
      return new Response(status === 204 ? null : `answer ${status}`, { status, headers });
    }) as typeof fetch,
  };
  return rt;
}

const post = (rt: HttpRuntime, deadline = 1_000_000 + 60_000) =>
  postJson({ channel: 'slack', url: 'https://hooks.slack.com/services/T/B/secret-path', egress: CHANNEL_HOSTS_ONLY, body: '{}', policy, deadline }, rt);

describe('postJson', () => {
  it('waits what a 429 Retry-After asks, then succeeds', async () => {
    const rt = runtime([[429, { 'retry-after': '2' }], 200]);
    await expect(post(rt)).resolves.toMatchObject({ status: 200 });
    expect(rt.waits).toEqual([2000]);
  });

  it('retries 5xx and dropped connections with jittered exponential backoff', async () => {
    const rt = runtime([503, new TypeError('fetch failed'), 500, 202], () => 0.5);
    await expect(post(rt)).resolves.toMatchObject({ status: 202 });
    expect(rt.waits).toEqual([50, 100, 200]);
  });

  it('never retries a 400, and says it is not retryable', async () => {
    const rt = runtime([[400, {}], 200]);
    const error = await post(rt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelDeliveryError);
    expect(error).toMatchObject({ retryable: false, message: 'slack refused the alert: HTTP 400: answer 400' });
    expect(rt.calls).toBe(1);
  });

  it('gives up retryably after the last attempt, without the URL in the message', async () => {
    const rt = runtime([500, 500, 500, 500, 200]);
    const error = (await post(rt).catch((e: unknown) => e)) as ChannelDeliveryError;
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('slack did not take the alert after 4 attempt(s): HTTP 500: answer 500');
    expect(error.message).not.toContain('secret-path');
    expect(rt.calls).toBe(4);
  });

  it('does not wait past the deadline: a long Retry-After fails the attempt for a later redelivery', async () => {
    const rt = runtime([[429, { 'retry-after': '30' }], 200]);
    const error = (await post(rt, 1_000_000 + 10_000).catch((e: unknown) => e)) as ChannelDeliveryError;
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('out of time');
    expect(error.message).toContain('Retry-After 30 s');
    expect(rt.waits).toEqual([]);
  });
});

describe('retryAfterMs and backoffMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3', 0)).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(null, 0)).toBeUndefined();
  });

  it('caps the backoff and spreads it over [0, cap)', () => {
    expect(backoffMs(1, policy, () => 0.999)).toBe(99);
    expect(backoffMs(10, policy, () => 0.999)).toBe(999);
    expect(backoffMs(3, policy, () => 0)).toBe(0);
  });
});
