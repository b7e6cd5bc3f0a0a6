import { beforeEach, describe, expect, it } from 'vitest';
import { processAlertMessage, type AlertPipelineDeps } from '../../../shared/alerting/alert-pipeline';
import type { Alert, AlertChannel, ChannelName } from '../../../shared/alerting/channel';
import { parseChannelConfig } from '../../../shared/alerting/channel-config';
import { dedupKeyOf, type Finding } from '../../../shared/finding';
import { decideFlood, floodKeysOf } from '../../../shared/alerting/flood-control';
import { fixedClock } from '../../../shared/clock';
import { MemoryAlertState, sampleFinding } from '../../support/alert-samples';

class RecordingChannel implements AlertChannel {
  readonly received: Alert[] = [];
  constructor(readonly name: ChannelName) {}
  async deliver(alert: Alert): Promise<void> {
    this.received.push(alert);
  }
}

const CONFIG = parseChannelConfig(
  JSON.stringify({ slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' }, pagerduty: { routingKey: 'a'.repeat(32) }, sns: { topicArn: 'arn:aws:sns:us-east-1:123456789012:t' } }),
  { source: 'test' },
);
const PRINCIPAL = 'arn:aws:iam::123456789012:user/intruder';

let state: MemoryAlertState;
let channels: Record<ChannelName, RecordingChannel>;
let clock: ReturnType<typeof fixedClock>;
let deps: AlertPipelineDeps;

beforeEach(() => {
  state = new MemoryAlertState();
  channels = { pagerduty: new RecordingChannel('pagerduty'), slack: new RecordingChannel('slack'), sns: new RecordingChannel('sns') };
  clock = fixedClock('2025-11-20T10:00:00Z');
  deps = {
    state,
    config: { get: async () => CONFIG },
    channels: () => new Map(Object.entries(channels) as Array<[ChannelName, AlertChannel]>),
    deadLetters: { name: 'dlq', send: async () => undefined },
    fallback: { notify: async () => undefined },
    clock,
    settings: { stage: 'test', windowMs: 900_000, maxReceives: 3, reserveMs: 0, flood: { windowMs: 3_600_000, pageCapPerHour: 3, firstUpdateAt: 10 } },
  };
});

/** A denied DeleteSecret on a made-up name, from the intruder. */
function deletion(i: number, ruleId = 'audit.secret-deletion', principal = PRINCIPAL): Finding {
  const name = `made-up/${ruleId}/${i}`;
  return {
    ...sampleFinding('audit'),
    id: `${ruleId}:${i}`,
    ruleId,
    severity: 'critical',
    title: `Attempted deletion of ${name} without recovery`,
    secret: { name },
    principal: { arn: principal, type: 'IAMUser' },
    dedupKey: dedupKeyOf(ruleId, name),
  };
}

const send = (finding: Finding) =>
  processAlertMessage({ messageId: finding.id, body: JSON.stringify({ source: 'keywarden', 'detail-type': 'keywarden.finding', detail: finding }), receiveCount: 1 }, deps, Date.now() + 60_000);

describe('flood control', () => {
  it('attack: forty denied deletions from one principal -> one page, then count updates at 10, 20, 40; every finding on SNS', async () => {
    for (let i = 0; i < 40; i += 1) await send(deletion(i));
    const pages = channels.pagerduty.received;
    expect(pages.map((a) => a.flood?.mode)).toEqual(['page', 'update', 'update', 'update']);
    expect(new Set(pages.map((a) => a.finding.dedupKey))).toEqual(new Set([deletion(0).dedupKey]));
    expect(pages.slice(1).map((a) => a.flood?.count)).toEqual([10, 20, 40]);
    expect(pages[3]!.finding.title).toMatch(/^Update: 40 findings of audit\.secret-deletion from arn:aws:iam::123456789012:user\/intruder since /);
    expect(channels.slack.received).toHaveLength(4);
    expect(channels.sns.received).toHaveLength(40);
    expect(channels.sns.received.filter((a) => a.flood?.mode === 'grouped')).toHaveLength(36);
    expect(state.findings.get(deletion(5).id)!.deliveries).toMatchObject({ pagerduty: { outcome: 'skipped', reason: expect.stringContaining('grouped into the flood group') }, sns: { outcome: 'sent' } });
  });

  it('attack: one principal setting off many rules -> pages up to the cap, then one summary counting the rest', async () => {
    for (let i = 0; i < 6; i += 1) await send(deletion(0, `audit.rule-${i}`));
    const modes = channels.pagerduty.received.map((a) => a.flood?.mode);
    expect(modes).toEqual(['page', 'page', 'page', 'cap-summary']);
    const summary = channels.pagerduty.received[3]!.finding;
    expect(summary).toMatchObject({ ruleId: 'alert.page-cap', severity: 'critical' });
    expect(summary.title).toBe(`Principal ${PRINCIPAL} hit the page cap: 1 finding(s) suppressed, rules audit.rule-3 (1)`);
    const suppressed = channels.sns.received.filter((a) => a.flood?.mode === 'suppressed');
    expect(suppressed.map((a) => a.flood?.cap?.suppressed)).toEqual([2, 3]);
    expect(channels.sns.received).toHaveLength(6);
  });

  it('does not hold back another principal, and pages for the capped one again in the next hour', async () => {
    for (let i = 0; i < 4; i += 1) await send(deletion(0, `audit.rule-${i}`));
    await send(deletion(1, 'audit.rule-0', 'arn:aws:iam::123456789012:user/someone-else'));
    expect(channels.pagerduty.received.map((a) => a.flood?.mode)).toEqual(['page', 'page', 'page', 'cap-summary', 'page']);
    clock.advance(61 * 60_000);
    await send(deletion(2, 'audit.rule-3'));
    expect(channels.pagerduty.received.at(-1)).toMatchObject({ flood: { mode: 'page', leadFindingId: deletion(2, 'audit.rule-3').id } });
  });

  it("never holds back keywarden's own findings, AWS services, or resolves", () => {
    expect(floodKeysOf(sampleFinding('rotation'))).toBeUndefined();
    expect(floodKeysOf(sampleFinding('staleness'))).toBeUndefined();
    expect(floodKeysOf({ ...deletion(0), principal: { type: 'AWSService', arn: 'secretsmanager.amazonaws.com' } })).toBeUndefined();
    expect(floodKeysOf({ ...deletion(0), status: 'resolved' })).toBeUndefined();
  });

  it('agrees under concurrent writers: each write expects the version it read', () => {
    const finding = deletion(0);
    const keys = floodKeysOf(finding)!;
    const first = decideFlood(finding, keys, {}, new Date('2025-11-20T10:00:00Z'), deps.settings.flood!);
    expect(first.flood.expectedVersion).toBeUndefined();
    const second = decideFlood(deletion(1), keys, { flood: first.flood.next, cap: first.cap!.next }, new Date('2025-11-20T10:01:00Z'), deps.settings.flood!);
    expect(second).toMatchObject({ mark: { mode: 'grouped', count: 2 }, flood: { expectedVersion: first.flood.next.version } });
  });
});
