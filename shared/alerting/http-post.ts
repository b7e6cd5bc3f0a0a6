import { ChannelDeliveryError } from '../errors';
import { redact } from '../redact';
import type { ChannelName } from './channel';
import { egressRefusal, type EgressPolicy } from './egress';

/**
 * POSTs JSON to a webhook-style API and retries what retrying can fix: a 429 (waiting what its
 * Retry-After asks), a 408, a 5xx, a timeout or a dropped connection, with exponential backoff
 * and full jitter so that many senders do not retry in step. Never a 400 or another 4xx: the
 * same payload would be refused again. Errors name the channel and the answer, never the URL
 * (a Slack webhook URL is itself a credential).
 *
 * Before any request the URL's host is checked against the egress policy (egress.ts), and
 * redirects are never followed: a 3xx is a delivery failure that says so, since following it
 * would send the alert, evidence and all, wherever the answer points.
 */

/** How hard to try within one delivery attempt (SQS redelivery adds more attempts later). */
export interface RetryPolicy {
  /** Requests per delivery, the first included. */
  attempts: number;
  /** Backoff before retry n is a random wait up to min(maxDelayMs, baseDelayMs × 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per request. */
  timeoutMs: number;
}

/** Three requests, 250 ms doubling to 8 s, 10 s each. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 8_000, timeoutMs: 10_000 };

/** Time and chance as dependencies, so tests can check the waits without waiting. */
export interface HttpRuntime {
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** In [0, 1). */
  random(): number;
  now(): number;
}

/** The real runtime. */
export const systemHttpRuntime: HttpRuntime = {
  fetch: (...args) => fetch(...args),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

/** What the service answered. */
export interface HttpAnswer {
  status: number;
  body: string;
  headers: Headers;
}

/** One POST with its retry rules. */
export interface PostRequest {
  channel: ChannelName;
  url: string;
  /** The hosts `url` may name besides the channel's own. */
  egress: EgressPolicy;
  body: string;
  policy: RetryPolicy;
  /** Epoch ms: no request starts and no wait runs past it. */
  deadline: number;
  /** Awaited before every request (rate pacing). */
  beforeEach?: () => Promise<void>;
}

/** Retry-After as ms (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The backoff before retry number `retry` (1 for the first retry), with full jitter. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** JSON of an outgoing payload with every string passed through `redact()`, except the members named in `keep` (PagerDuty's routing key). */
export function redactedJson(value: unknown, keep: ReadonlySet<string> = NO_KEYS): string {
  return JSON.stringify(value, (key, v: unknown) => (typeof v === 'string' && !keep.has(key) ? redact(v) : v));
}

const NO_KEYS: ReadonlySet<string> = new Set();

/** Whether an HTTP status is worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Sends until a 2xx, a refusal, the last attempt or the deadline.
 *
 * @throws ChannelDeliveryError, `retryable` false for a URL the egress policy refuses, a 3xx,
 *   and a 4xx other than 408 and 429.
 */
export async function postJson(request: PostRequest, runtime: HttpRuntime = systemHttpRuntime): Promise<HttpAnswer> {
  const { channel, policy } = request;
  const refusal = egressRefusal(channel, request.url, request.egress);
  if (refusal) throw new ChannelDeliveryError(refusal, { channel, retryable: false });
  let failure = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt += 1) {
    await request.beforeEach?.();
    const left = request.deadline - runtime.now();
    if (left <= 0) throw outOfTime(channel, attempt - 1, failure);
    let wait: number;
    try {
      const response = await runtime.fetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.min(policy.timeoutMs, left)),
      });
      const answer = { status: response.status, body: await response.text(), headers: response.headers };
      if (answer.status >= 200 && answer.status < 300) return answer;
      if (answer.status >= 300 && answer.status < 400) {
        // The Location is not repeated: it may be anything, and a redirect is not followed anyway.
        throw new ChannelDeliveryError(`${channel} answered HTTP ${answer.status}, a redirect: not followed (alerts go only to the configured host)`, { channel, retryable: false });
      }
      failure = `HTTP ${answer.status}${answerText(answer.body)}`;
      if (!isRetryableStatus(answer.status)) {
        throw new ChannelDeliveryError(`${channel} refused the alert: ${failure}`, { channel, retryable: false });
      }
      const asked = retryAfterMs(answer.headers.get('retry-after'), runtime.now());
      if (asked !== undefined) failure += ` (Retry-After ${Math.ceil(asked / 1000)} s)`;
      wait = asked ?? backoffMs(attempt, policy, runtime.random);
    } catch (error) {
      if (error instanceof ChannelDeliveryError) throw error;
      failure = `no answer (${networkReason(error)})`;
      wait = backoffMs(attempt, policy, runtime.random);
    }
    if (attempt === policy.attempts) break;
    if (runtime.now() + wait >= request.deadline) throw outOfTime(channel, attempt, failure);
    await runtime.sleep(wait);
  }
  throw new ChannelDeliveryError(`${channel} did not take the alert after ${policy.attempts} attempt(s): ${failure}`, { channel, retryable: true });
}

function outOfTime(channel: ChannelName, attempts: number, failure: string): ChannelDeliveryError {
  const last = failure ? `; last answer: ${failure}` : '';
  return new ChannelDeliveryError(`${channel}: out of time for this delivery after ${attempts} attempt(s)${last}`, { channel, retryable: true });
}

/** A short, single-line excerpt of an error body (Slack says `invalid_blocks`, PagerDuty lists errors). */
function answerText(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  return text ? `: ${text}` : '';
}

/** The error's name and code, never its message (undici's can carry the address). */
function networkReason(error: unknown): string {
  const err = error as { name?: string; cause?: { code?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  return [err?.name, err?.cause?.code].filter(Boolean).join(' ') || 'network error';
}
