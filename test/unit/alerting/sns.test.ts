import { describe, expect, it } from 'vitest';
import { renderSnsMessage } from '../../../shared/alerting/channels/sns';
import { SNS_LIMITS, attributeBytes, snsSubject } from '../../../shared/alerting/topic';
import { alertOf, sampleFinding } from '../../support/alert-samples';

describe('the SNS message', () => {
  it('carries severity, tenant, rule, status and source as attributes, and the whole finding', () => {
    const finding = sampleFinding('audit');
    const out = renderSnsMessage(alertOf(finding));
    expect(out.attributes).toEqual({ severity: 'critical', tenant: 'tenant-2', rule: 'audit.secret-harvesting', status: 'open', source: 'audit' });
    const body = JSON.parse(out.message);
    expect(body).toMatchObject({ kind: 'keywarden.alert', stage: 'test', finding });
    expect(body.emergencyCommand).toContain('keywarden emergency --secret');
  });

  it('says tenant none for a finding without a tenant', () => {
    expect(renderSnsMessage(alertOf(sampleFinding('emergency'))).attributes.tenant).toBe('none');
  });

  it('keeps the subject on one line under 100 characters', () => {
    const subject = snsSubject(`line one\nline two\r\t${'y'.repeat(200)}`);
    expect(subject.length).toBeLessThanOrEqual(SNS_LIMITS.subject);
    expect(subject).not.toMatch(/[\r\n\t]/);
    expect(subject.startsWith('line one line two y')).toBe(true);
    const finding = { ...sampleFinding('staleness'), title: `many\nlines ${'z'.repeat(300)}` };
    expect(renderSnsMessage(alertOf(finding)).subject.length).toBeLessThanOrEqual(99);
  });

  it('fits oversized evidence within 256 KB with its attributes, saying it was truncated', () => {
    const finding = { ...sampleFinding('audit'), evidence: { reads: Array.from({ length: 20_000 }, (_, i) => `app/tenant-${i}/secret-é-${i}`) } };
    const out = renderSnsMessage(alertOf(finding));
    expect(Buffer.byteLength(out.message) + attributeBytes(out.attributes)).toBeLessThanOrEqual(SNS_LIMITS.messageBytes);
    const body = JSON.parse(out.message);
    expect(body.finding.evidence.truncated).toMatch(/^evidence truncated: it was [\d,]+ bytes of JSON/);
    expect(body.finding.evidence.preview.length).toBeGreaterThan(100_000);
    expect(body.finding.runbook).toBe(finding.runbook);
  });
});
