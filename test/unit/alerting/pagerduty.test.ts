import { describe, expect, it } from 'vitest';
import { PAGERDUTY_SEVERITY, renderPagerDutyEvent } from '../../../shared/alerting/channels/pagerduty';
import { pagerDutyEventProblems } from '../../../cli/standins/pagerduty';
import { alertOf, sampleFinding } from '../../support/alert-samples';

const KEY = 'R0UTINGKEY0123456789abcdefABCDEF';

describe('the PagerDuty event', () => {
  it.each(['rotation', 'audit', 'staleness', 'emergency'] as const)('triggers a %s finding with its dedup key, mapped severity, details and links', (kind) => {
    const finding = sampleFinding(kind);
    const event = renderPagerDutyEvent(alertOf(finding), KEY);
    expect(pagerDutyEventProblems(event, KEY)).toEqual([]);
    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: finding.dedupKey,
      payload: { severity: PAGERDUTY_SEVERITY[finding.severity], source: finding.secret!.name, class: finding.ruleId, timestamp: finding.observedAt },
    });
    if (event.event_action !== 'trigger') throw new Error('expected a trigger');
    expect(event.payload.custom_details).toMatchObject({ finding_id: finding.id, evidence: finding.evidence, runbook: finding.runbook });
    expect(event.payload.custom_details.emergency_command).toContain(`keywarden emergency --secret ${finding.secret!.name}`);
    expect(event.links?.[0]?.href).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/secretsmanager\/secret\?name=/);
  });

  it("carries a member account's id in the custom details", () => {
    const event = renderPagerDutyEvent(alertOf({ ...sampleFinding('audit'), account: '111111111111' }), KEY);
    expect(event).toMatchObject({ payload: { custom_details: { account: '111111111111' } } });
  });

  it('maps keywarden severities onto PagerDuty four', () => {
    expect(PAGERDUTY_SEVERITY).toEqual({ critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' });
  });

  it('resolves with the same dedup key when the finding is resolved', () => {
    const finding = { ...sampleFinding('rotation'), status: 'resolved' as const };
    expect(renderPagerDutyEvent(alertOf(finding), KEY)).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: finding.dedupKey });
  });

  it('keeps the summary within 1024 characters and oversized evidence within the event size', () => {
    const finding = { ...sampleFinding('audit'), title: 't'.repeat(300), evidence: { blob: 'x'.repeat(900_000) } };
    const event = renderPagerDutyEvent(alertOf(finding), KEY);
    expect(pagerDutyEventProblems(event, KEY)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(512 * 1024);
    if (event.event_action !== 'trigger') throw new Error('expected a trigger');
    expect(event.payload.custom_details.evidence).toMatchObject({ truncated: expect.stringMatching(/^evidence truncated: it was 900,011 bytes/) });
  });
});
