import { afterEach, describe, expect, it } from 'vitest';
import { startPagerDutyStandin, startSlackStandin, type StandinServer } from '../../../cli/standins';

// The stand-ins must refuse what the real services refuse, or the tests that rely on them prove
// nothing.

const running: StandinServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
};

describe('the Slack stand-in', () => {
  it('accepts a valid message and refuses what Slack refuses, with Slack answers', async () => {
    const slack = await startSlackStandin();
    running.push(slack);
    const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    expect(await post(slack.webhookUrl, { text: 'hi', blocks: [section('ok')] })).toMatchObject({ status: 200, text: 'ok' });
    expect(await post(slack.webhookUrl, '{not json')).toMatchObject({ status: 400, text: 'invalid_payload' });
    expect(await post(slack.webhookUrl, {})).toMatchObject({ status: 400, text: 'no_text' });
    expect(await post(slack.webhookUrl, { text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) })).toMatchObject({ status: 400, text: 'invalid_blocks' });
    expect(await post(slack.webhookUrl, { blocks: [section('x'.repeat(3001))] })).toMatchObject({ status: 400, text: 'invalid_blocks' });
    expect(await post(slack.webhookUrl, { blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] })).toMatchObject({ status: 400, text: 'invalid_blocks' });
    expect(await post(slack.webhookUrl, { blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] })).toMatchObject({ status: 400 });
    expect(await post(slack.webhookUrl, { blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] })).toMatchObject({ status: 400 });
    expect(await post(`${slack.origin}/services/T/B/wrong`, { text: 'x' })).toMatchObject({ status: 404, text: 'no_service' });
    expect(slack.messages).toHaveLength(1);
    expect(slack.rejections.map((r) => r[0])).toEqual([
      'blocks holds 51 blocks, more than 50',
      'blocks[0].text.text is 3001 characters, more than 3000',
      'blocks[0].text.text is 151 characters, more than 150',
      'blocks[0].text.type must be plain_text',
      'blocks[0].fields must hold 1 to 10 text objects',
    ]);
  });

  it('fails as told: 429 with Retry-After, 5xx, slow, then answers again', async () => {
    const slack = await startSlackStandin({ faults: { retryAfterSeconds: 7, slowMs: 150 } });
    running.push(slack);
    slack.faults.script('429', '503', 'slow');
    expect(await post(slack.webhookUrl, { text: 'a' })).toMatchObject({ status: 429, retryAfter: '7' });
    expect(await post(slack.webhookUrl, { text: 'a' })).toMatchObject({ status: 503 });
    const began = performance.now();
    expect(await post(slack.webhookUrl, { text: 'a' })).toMatchObject({ status: 200 });
    expect(performance.now() - began).toBeGreaterThanOrEqual(140);
    expect(slack.requests.map((r) => r.fault)).toEqual(['429', '503', 'slow']);
    expect(slack.messages).toHaveLength(1);
  });

  it('fails about the share of requests it is told to, at random', async () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const slack = await startSlackStandin({ faults: { failureRate: 0.3, kinds: ['500'], random } });
    running.push(slack);
    for (let i = 0; i < 200; i += 1) await post(slack.webhookUrl, { text: `m${i}` });
    const failed = slack.requests.filter((r) => r.status === 500).length;
    expect(failed).toBeGreaterThan(40);
    expect(failed).toBeLessThan(80);
    expect(slack.messages).toHaveLength(200 - failed);
  });
});

describe('the PagerDuty stand-in', () => {
  it('checks events as the Events API v2 does and keeps incidents by dedup key', async () => {
    const pd = await startPagerDutyStandin();
    running.push(pd);
    const trigger = { routing_key: pd.routingKey, event_action: 'trigger', dedup_key: 'k1', payload: { summary: 's', source: 'db', severity: 'error' } };
    expect(await post(pd.eventsUrl, trigger)).toMatchObject({ status: 202 });
    expect(JSON.parse((await post(pd.eventsUrl, trigger)).text)).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'k1' });
    const refused = await post(pd.eventsUrl, { ...trigger, payload: { summary: 's'.repeat(1025), source: '', severity: 'high' } });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toEqual({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ["'payload.summary' is longer than 1024 characters", "'payload.source' is missing", "'payload.severity' must be one of critical, error, warning, info"],
    });
    expect((await post(pd.eventsUrl, { ...trigger, routing_key: 'short' })).status).toBe(400);
    expect((await post(pd.eventsUrl, { ...trigger, routing_key: 'b'.repeat(32) })).text).toContain('Invalid routing key');
    expect((await post(pd.eventsUrl, { ...trigger, event_action: 'open' })).status).toBe(400);
    expect((await post(pd.eventsUrl, { routing_key: pd.routingKey, event_action: 'resolve' })).text).toContain("'dedup_key' is required for resolve");
    expect(await post(pd.eventsUrl, { routing_key: pd.routingKey, event_action: 'resolve', dedup_key: 'k1' })).toMatchObject({ status: 202 });
    expect(pd.incidents.get('k1')).toMatchObject({ status: 'resolved', triggers: 2, resolves: 1, opened: 1 });
  });
});
