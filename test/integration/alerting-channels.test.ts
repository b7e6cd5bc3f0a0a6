import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFinding, type Finding } from '../../shared/finding';
import { invokeBundle } from '../../cli/bundles';
import { eventBridge, sqs } from '../../shared/aws/clients';
import { templateResource } from '../support/local-aws';
import { sampleEvent, sampleFinding } from '../support/alert-samples';
import { queueDepth, restoreAlertFunctionEnv, setAlertFunctionEnv, slackDedupKey, snsDeliveries, startAlertHarness, takeAll, type AlertHarness, type HarnessOptions } from '../support/local-alert-pipeline';

// Each channel through the whole local path: bus → rule → alert queue → built bundle → stand-in
// (Slack, PagerDuty) or SNS → subscribed queue.

let harness: AlertHarness | undefined;
const start = async (options?: HarnessOptions) => (harness = await startAlertHarness(options));

beforeEach(() => setAlertFunctionEnv());
afterAll(() => restoreAlertFunctionEnv());
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const KINDS = ['rotation', 'audit', 'staleness', 'emergency'] as const;
const blockText = (message: { blocks?: unknown[] }) => JSON.stringify(message.blocks);

async function putServiceEvent(name: string): Promise<void> {
  const event = sampleEvent(name);
  const out = await eventBridge().send(
    new PutEventsCommand({ Entries: [{ Source: event.source as string, DetailType: event['detail-type'] as string, Detail: JSON.stringify(event.detail), Time: new Date(event.time as string) }] }),
  );
  expect(out.FailedEntryCount ?? 0).toBe(0);
}

describe('Slack', () => {
  it('renders each finding type (rotation, audit, staleness, emergency) in a message the Slack stand-in accepts', async () => {
    const h = await start();
    const findings = KINDS.map((kind) => sampleFinding(kind));
    await h.publish(findings);
    await h.drain();
    expect(h.slack.rejections).toEqual([]);
    expect(h.slack.messages).toHaveLength(4);
    for (const finding of findings) {
      const message = h.slack.messages.find((m) => slackDedupKey(m) === finding.dedupKey)!;
      const header = (message.blocks![0] as { type: string; text: { text: string } });
      expect(header.type).toBe('header');
      expect(header.text.text).toContain(`[ci] ${finding.severity.toUpperCase()}:`);
      const text = blockText(message);
      expect(text).toContain(`*Rule*\\n${finding.ruleId}`);
      expect(text).toContain(`*Secret*\\n${finding.secret!.name}`);
      expect(text).toContain('*Evidence*');
      expect(text).toContain('*Runbook*');
      expect(text).toContain(`keywarden emergency --secret ${finding.secret!.name} --reason \\"${finding.ruleId} finding ${finding.id}\\"`);
    }
  });

  it('waits out a 429 Retry-After and sends at most about one message a second per webhook', async () => {
    const h = await start({ faults: { retryAfterSeconds: 1 }, slackIntervalMs: 1000 });
    h.slack.faults.script('429');
    const base = sampleFinding('staleness');
    await h.publish([0, 1, 2].map((i) => ({ ...base, id: `paced-${i}`, dedupKey: `staleness.stale-secret:00000000000000000000000${i}` })));
    await h.drain();
    const requests = h.slack.requests;
    expect(requests.map((r) => r.status)).toEqual([429, 200, 200, 200]);
    // Lower bounds only: the 429 asked for a second, the pacing allows one message a second.
    for (let i = 1; i < requests.length; i += 1) expect(requests[i]!.receivedAt - requests[i - 1]!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(h.slack.messages).toHaveLength(3);
  });

  it('never retries a 400: the alert is dead-lettered at once with the reason', async () => {
    const h = await start();
    h.slack.faults.script('400');
    await h.publish([sampleFinding('staleness')]);
    await h.drain();
    expect(h.slack.requests).toHaveLength(1);
    const [letter] = await takeAll(templateResource('AlertDeadLetterQueue'));
    expect(letter!.MessageAttributes!.reason!.StringValue).toBe('slack refused the alert: HTTP 400: invalid_payload');
    expect(letter!.MessageAttributes!.receiveCount!.StringValue).toBe('1');
    expect(snsDeliveries(await takeAll(h.alertsSubscriptionUrl))).toHaveLength(1);
  });
});

describe('PagerDuty', () => {
  it('triggers on a failed rotation and resolves the same incident when a rotation succeeds', async () => {
    const h = await start();
    // Secrets Manager's own RotationFailed on the default bus, and keywarden's rotation finding
    // for the same secret on the keywarden bus: one problem, one incident.
    await putServiceEvent('secretsmanager-rotation-failed.json');
    await h.publish([sampleFinding('rotation')]);
    await h.drain();
    const key = sampleFinding('rotation').dedupKey;
    expect(h.pagerduty.incidents.get(key)).toMatchObject({ status: 'triggered', triggers: 1, opened: 1 });
    expect(h.pagerduty.events).toHaveLength(1);
    expect(h.pagerduty.events[0]).toMatchObject({ event_action: 'trigger', dedup_key: key, payload: { severity: 'error', source: 'multitenant-ai-poc/tenant-1/database-password' } });

    await putServiceEvent('secretsmanager-rotation-succeeded.json');
    await h.drain();
    expect(h.pagerduty.incidents.get(key)).toMatchObject({ status: 'resolved', resolves: 1 });
    expect(h.pagerduty.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(h.slack.messages.map((m) => (m.blocks![0] as { text: { text: string } }).text.text)).toEqual([
      expect.stringMatching(/^🟠 \[ci\] HIGH: Rotation of multitenant-ai-poc\/tenant-1\/database-password failed/),
      '✅ [ci] RESOLVED: Rotation of multitenant-ai-poc/tenant-1/database-password succeeded',
    ]);
    expect(blockText(h.slack.messages[1]!)).toContain('Resolved after 2 occurrence(s)');

    // A second success has nothing left to resolve: no message anywhere.
    const again = sampleEvent('secretsmanager-rotation-succeeded.json');
    await eventBridge().send(new PutEventsCommand({ Entries: [{ Source: 'aws.secretsmanager', DetailType: again['detail-type'] as string, Detail: JSON.stringify({ ...(again.detail as object), eventID: 'another-success' }) }] }));
    await h.drain();
    expect(h.pagerduty.events).toHaveLength(2);
    expect(h.slack.messages).toHaveLength(2);
  });

  it('dead-letters after the last receive when PagerDuty keeps failing, tells the fallback, and a redrive sends only PagerDuty', async () => {
    const h = await start();
    h.pagerduty.faults.set({ failureRate: 1, kinds: ['503'] });
    const finding = sampleFinding('audit');
    await h.publish([finding]);
    const report = await h.drain();
    expect(report.received).toBe(5);
    expect(h.pagerduty.requests).toHaveLength(10);
    expect(h.slack.messages).toHaveLength(1);
    expect(await queueDepth(templateResource('AlertQueue'))).toBe(0);
    const [letter] = await takeAll(templateResource('AlertDeadLetterQueue'));
    expect(letter!.MessageAttributes).toMatchObject({
      reason: { StringValue: 'pagerduty did not take the alert after 2 attempt(s): HTTP 503: service unavailable (injected)' },
      kind: { StringValue: 'undeliverable' },
      findingId: { StringValue: finding.id },
      receiveCount: { StringValue: '5' },
    });
    const [notice] = snsDeliveries(await takeAll(h.fallbackSubscriptionUrl));
    expect(notice!.subject).toMatch(/^\[ci\] alert delivery failed: audit\.secret-harvesting on multitenant-ai-poc\/tenant-2\/data/);
    expect(notice!.subject!.length).toBeLessThanOrEqual(99);
    expect(notice!.message).toContain('Reason: pagerduty did not take the alert after 2 attempt(s)');
    expect(notice!.attributes).toMatchObject({ kind: 'delivery-failed', severity: 'critical', tenant: 'tenant-2' });

    // Fixed: move it back to the alert queue, as `aws sqs start-message-move-task` would.
    h.pagerduty.faults.set({});
    await sqs().send(new SendMessageCommand({ QueueUrl: templateResource('AlertQueue'), MessageBody: letter!.Body! }));
    await h.drain();
    expect(h.pagerduty.events).toHaveLength(1);
    expect(h.slack.messages).toHaveLength(1);
    expect(snsDeliveries(await takeAll(h.alertsSubscriptionUrl))).toHaveLength(1);
  });
});

describe('SNS', () => {
  it('publishes severity, tenant, rule, status and source attributes that a subscription filter policy can use', async () => {
    const h = await start({ filterPolicy: { tenant: ['tenant-1'] } });
    await h.publish(KINDS.map((kind) => sampleFinding(kind)));
    await h.drain();
    const delivered = snsDeliveries(await takeAll(h.alertsSubscriptionUrl));
    expect(delivered.map((d) => d.attributes).sort((a, b) => (a.rule ?? '').localeCompare(b.rule ?? ''))).toEqual([
      { severity: 'high', tenant: 'tenant-1', rule: 'rotation.failed', status: 'open', source: 'rotation' },
      { severity: 'medium', tenant: 'tenant-1', rule: 'staleness.stale-secret', status: 'open', source: 'staleness' },
    ]);
    for (const d of delivered) {
      expect(d.subject!.length).toBeLessThanOrEqual(99);
      expect(d.subject).not.toMatch(/\n/);
      const body = JSON.parse(d.message) as { finding: Finding };
      expect(parseFinding(body.finding)).toEqual(body.finding);
    }
  });
});

describe('the handler', () => {
  it('takes the sample SQS batch (events/alert/sqs-batch.json) and reports no failures', async () => {
    const h = await start();
    const out = await invokeBundle('alert', sampleEvent('sqs-batch.json'));
    expect(out).toEqual({ batchItemFailures: [] });
    expect(h.pagerduty.events).toHaveLength(1);
    expect(h.slack.messages).toHaveLength(1);
  });
});

describe('evidence and bad input', () => {
  it('truncates oversized evidence for Slack with a note, and still delivers everything else', async () => {
    const h = await start();
    const reads = Array.from({ length: 3000 }, (_, i) => `multitenant-ai-poc/tenant-${i % 9}/secret-${i}`);
    const finding: Finding = { ...sampleFinding('audit'), id: 'big-evidence', evidence: { secretsRead: reads.length, reads } };
    await h.publish([finding]);
    await h.drain();
    expect(h.slack.rejections).toEqual([]);
    const text = blockText(h.slack.messages[0]!);
    expect(text).toMatch(/\[evidence truncated to fit Slack's message limits: showing [\d,]+ of [\d,]+ characters\]/);
    expect(text).toContain(reads[0]);
    expect(text).toContain('keywarden emergency --secret');
    const sns = JSON.parse(snsDeliveries(await takeAll(h.alertsSubscriptionUrl))[0]!.message) as { finding: Finding };
    expect(sns.finding.evidence).toEqual(finding.evidence);
    expect((h.pagerduty.events[0] as { payload: { custom_details: { evidence: unknown } } }).payload.custom_details.evidence).toEqual(finding.evidence);
  });

  it('sends a malformed finding to the dead-letter queue with its reason, and tells the fallback', async () => {
    const h = await start();
    const broken = { ...sampleFinding('staleness'), severity: 'urgent', observedAt: 'yesterday' };
    await eventBridge().send(new PutEventsCommand({ Entries: [{ EventBusName: templateResource('FindingsBus'), Source: 'keywarden', DetailType: 'keywarden.finding', Detail: JSON.stringify(broken) }] }));
    await h.drain();
    const letters = await takeAll(templateResource('AlertDeadLetterQueue'));
    expect(letters).toHaveLength(1);
    expect(letters[0]!.MessageAttributes!.kind!.StringValue).toBe('malformed');
    expect(letters[0]!.MessageAttributes!.reason!.StringValue).toMatch(/^not a valid finding: severity: Invalid enum value.*; observedAt: Invalid datetime$/);
    expect(JSON.parse(letters[0]!.Body!).detail).toEqual(broken);
    const [notice] = snsDeliveries(await takeAll(h.fallbackSubscriptionUrl));
    expect(notice!.subject).toBe('[ci] alert delivery failed: a malformed message');
    expect(h.slack.requests).toHaveLength(0);
    expect(h.pagerduty.requests).toHaveLength(0);
    expect(await queueDepth(templateResource('AlertQueue'))).toBe(0);
  });
});
