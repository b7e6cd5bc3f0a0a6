import { beforeEach, describe, expect, it } from 'vitest';
import { processAlertBatch, processAlertMessage, type AlertPipelineDeps } from '../../../shared/alerting/alert-pipeline';
import type { Alert, AlertChannel, ChannelName } from '../../../shared/alerting/channel';
import { parseChannelConfig, type ChannelConfig } from '../../../shared/alerting/channel-config';
import type { DeadLetter, FallbackNotice } from '../../../shared/alerting/dead-letter';
import { fixedClock } from '../../../shared/clock';
import { ChannelDeliveryError, ConfigError } from '../../../shared/errors';
import { MemoryAlertState, sampleEvent, sampleFinding } from '../../support/alert-samples';

/** A channel that records what it was given and fails as told. */
class ScriptedChannel implements AlertChannel {
  readonly received: Alert[] = [];
  failures: Array<'retryable' | 'refused'> = [];
  constructor(readonly name: ChannelName) {}
  async deliver(alert: Alert): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw new ChannelDeliveryError(`${this.name} ${failure === 'refused' ? 'refused the alert: HTTP 400' : 'answered HTTP 503'}`, { channel: this.name, retryable: failure === 'retryable' });
    this.received.push(alert);
  }
}

const CONFIG = parseChannelConfig(
  JSON.stringify({ slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' }, pagerduty: { routingKey: 'a'.repeat(32) }, sns: { topicArn: 'arn:aws:sns:us-east-1:123456789012:t' } }),
  { source: 'test' },
);

let state: MemoryAlertState;
let channels: Record<ChannelName, ScriptedChannel>;
let letters: DeadLetter[];
let notices: FallbackNotice[];
let clock: ReturnType<typeof fixedClock>;
let config: { get(): Promise<ChannelConfig> };
let deps: AlertPipelineDeps;

beforeEach(() => {
  state = new MemoryAlertState();
  channels = { pagerduty: new ScriptedChannel('pagerduty'), slack: new ScriptedChannel('slack'), sns: new ScriptedChannel('sns') };
  letters = [];
  notices = [];
  clock = fixedClock('2025-11-20T10:00:00Z');
  config = { get: async () => CONFIG };
  deps = {
    state,
    config: { get: () => config.get() },
    channels: () => new Map(Object.entries(channels) as Array<[ChannelName, AlertChannel]>),
    deadLetters: { name: 'alerts-dlq', send: async (letter) => void letters.push(letter) },
    fallback: { notify: async (notice) => void notices.push(notice) },
    clock,
    settings: { stage: 'test', windowMs: 15 * 60_000, maxReceives: 3, reserveMs: 1000 },
  };
});

const body = (finding: object) => JSON.stringify({ source: 'keywarden', 'detail-type': 'keywarden.finding', detail: finding });
const message = (finding: object, receiveCount = 1, messageId = 'm1') => ({ messageId, body: body(finding), receiveCount });
const run = (m: ReturnType<typeof message>) => processAlertMessage(m, deps, Date.now() + 60_000);
const counts = () => Object.fromEntries(Object.entries(channels).map(([name, c]) => [name, c.received.length]));

describe('the alert pipeline', () => {
  it('delivers a critical finding to PagerDuty, Slack and SNS and records each delivery', async () => {
    const finding = sampleFinding('audit');
    expect(await run(message(finding))).toMatchObject({ result: 'done', note: 'delivered to pagerduty, slack, sns' });
    expect(counts()).toEqual({ pagerduty: 1, slack: 1, sns: 1 });
    expect(Object.values(state.findings.get(finding.id)!.deliveries).map((d) => d!.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(state.groups.get(finding.dedupKey)!.told).toEqual({ pagerduty: 1, slack: 1, sns: 1 });
  });

  it('hands a message back when a channel fails, and resends only that channel next time', async () => {
    const finding = sampleFinding('audit');
    channels.slack.failures = ['retryable'];
    expect(await run(message(finding, 1))).toMatchObject({ result: 'retry', reason: 'slack answered HTTP 503' });
    expect(await run(message(finding, 2))).toMatchObject({ result: 'done' });
    expect(counts()).toEqual({ pagerduty: 1, slack: 1, sns: 1 });
    expect(await run(message(finding, 3))).toMatchObject({ result: 'done', note: 'every channel already has it' });
    expect(counts()).toEqual({ pagerduty: 1, slack: 1, sns: 1 });
  });

  it('dead-letters with the reason on the last receive and tells the fallback', async () => {
    const finding = sampleFinding('audit');
    channels.pagerduty.failures = ['retryable', 'retryable', 'retryable'];
    expect((await run(message(finding, 1))).result).toBe('retry');
    expect((await run(message(finding, 2))).result).toBe('retry');
    expect(await run(message(finding, 3))).toMatchObject({ result: 'done', note: 'dead-lettered (undeliverable): pagerduty answered HTTP 503' });
    expect(letters).toEqual([expect.objectContaining({ kind: 'undeliverable', reason: 'pagerduty answered HTTP 503', receiveCount: 3, findingId: finding.id, body: body(finding) })]);
    expect(notices).toEqual([expect.objectContaining({ kind: 'undeliverable', deadLetterQueue: 'alerts-dlq', finding })]);
    expect(counts()).toEqual({ pagerduty: 0, slack: 1, sns: 1 });
    // A redrive from the dead-letter queue sends only what is missing.
    expect(await run(message(finding, 1, 'm2'))).toMatchObject({ result: 'done' });
    expect(counts()).toEqual({ pagerduty: 1, slack: 1, sns: 1 });
  });

  it('dead-letters at once when a channel refuses the payload, and a redrive retries it', async () => {
    const finding = sampleFinding('audit');
    channels.slack.failures = ['refused'];
    expect(await run(message(finding, 1))).toMatchObject({ result: 'done', note: 'dead-lettered (undeliverable): slack refused the alert: HTTP 400' });
    expect(counts()).toEqual({ pagerduty: 1, slack: 0, sns: 1 });
    expect(state.findings.get(finding.id)!.deliveries.slack).toMatchObject({ outcome: 'rejected' });
    await run(message(finding, 1, 'm2'));
    expect(counts()).toEqual({ pagerduty: 1, slack: 1, sns: 1 });
  });

  it('dead-letters a malformed message at once with what is wrong', async () => {
    const broken = { ...sampleFinding('audit'), severity: 'urgent' };
    expect(await run(message(broken))).toMatchObject({ result: 'done' });
    expect(letters).toEqual([expect.objectContaining({ kind: 'malformed', reason: expect.stringMatching(/^not a valid finding: severity: /) })]);
    expect(notices[0]).toMatchObject({ kind: 'malformed' });
    expect(counts()).toEqual({ pagerduty: 0, slack: 0, sns: 0 });
  });

  it('counts repeats inside the window and sends the group again after it, saying how many', async () => {
    const finding = sampleFinding('staleness');
    for (let i = 0; i < 4; i += 1) await run(message({ ...finding, id: `s${i}` }));
    expect(counts()).toEqual({ pagerduty: 0, slack: 1, sns: 1 });
    expect(state.groups.get(finding.dedupKey)).toMatchObject({ windowCount: 4, episodeCount: 4 });
    clock.advance(16 * 60_000);
    await run(message({ ...finding, id: 's4' }));
    expect(channels.slack.received[1]!.group).toEqual({ occurrences: 5, firstSeenAt: '2025-11-20T10:00:00.000Z', groupedSinceLastAlert: 3 });
  });

  it('resolves to the channels that were told, and not at all when nothing is open', async () => {
    const finding = sampleFinding('rotation');
    const resolved = { ...finding, id: 'ok-1', status: 'resolved', observedAt: '2025-11-20T04:00:00Z' };
    expect(await run(message(resolved))).toMatchObject({ note: `nothing-to-resolve (dedup key ${finding.dedupKey})` });
    channels.sns.failures = ['refused'];
    await run(message(finding));
    await run(message({ ...resolved, id: 'ok-2' }));
    expect(channels.pagerduty.received.map((a) => a.finding.status)).toEqual(['open', 'resolved']);
    expect(channels.slack.received.map((a) => a.finding.status)).toEqual(['open', 'resolved']);
    expect(channels.sns.received).toEqual([]);
  });

  it('turns a Secrets Manager RotationFailed event into a page', async () => {
    const m = { messageId: 'sm', body: JSON.stringify(sampleEvent('secretsmanager-rotation-failed.json')), receiveCount: 1 };
    expect(await processAlertMessage(m, deps, Date.now() + 60_000)).toMatchObject({ result: 'done', note: 'delivered to pagerduty, slack, sns' });
    expect(channels.pagerduty.received[0]!.finding).toMatchObject({ ruleId: 'rotation.failed', title: 'Rotation of multitenant-ai-poc/tenant-1/database-password failed' });
  });

  it('retries when the channel configuration cannot be read, and dead-letters on the last receive', async () => {
    config = { get: async () => Promise.reject(new ConfigError('the channel configuration secret keywarden/test/alert-channels does not exist')) };
    const finding = sampleFinding('audit');
    expect(await run(message(finding, 1))).toMatchObject({ result: 'retry', reason: expect.stringContaining('channel configuration: ConfigError: the channel configuration secret') });
    expect(await run(message(finding, 3))).toMatchObject({ result: 'done', note: expect.stringContaining('dead-lettered') });
    expect(state.findings.size).toBe(0);
  });

  it('hands back what it has no time left for', async () => {
    const out = await processAlertBatch([message(sampleFinding('audit'), 1, 'a'), message(sampleFinding('staleness'), 1, 'b')], deps, () => 500);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }]);
    expect(counts()).toEqual({ pagerduty: 0, slack: 0, sns: 0 });
  });
});
