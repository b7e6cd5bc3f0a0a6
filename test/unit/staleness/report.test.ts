import { describe, expect, it } from 'vitest';
import { assessSecret } from '../../../shared/staleness/assess';
import { ageChartSvg } from '../../../shared/staleness/age-chart';
import { REPORT_CSP, renderHtml } from '../../../shared/staleness/render-html';
import { renderMarkdown } from '../../../shared/staleness/render-markdown';
import { buildComplianceReport } from '../../../shared/staleness/report';
import { daysAgo, NOW, summary } from '../../support/staleness-summaries';

const secrets = [
  summary({ name: 'acme/tenant-1/db-password', age: 120, lastAccessedDate: daysAgo(1), rotationEnabled: true }), // stale
  summary({ name: 'acme/tenant-1/stripe-api-key', age: 20, lastAccessedDate: daysAgo(100), rotationEnabled: true }), // unused
  summary({ name: 'acme/tenant-2/session-jwt', age: 10, lastAccessedDate: daysAgo(1), rotationEnabled: true, nextRotationDate: daysAgo(2) }), // failing
  summary({ name: 'acme/tenant-2/pii-encryption-key', age: 400, lastAccessedDate: daysAgo(1) }), // stale, rotation off
  summary({ name: 'acme/shared/smtp-password', age: 80, lastAccessedDate: daysAgo(1), rotationEnabled: true }), // due soon
];
const assessments = secrets.map((s) => assessSecret(s, NOW));
const report = buildComplianceReport(assessments, { asOf: NOW, generatedAt: NOW, source: 'AWS us-east-1', listLimit: 1 });

describe('buildComplianceReport', () => {
  it('carries the same figures as the inventory, overall, by tenant, by type and by both', () => {
    expect(report.totals).toMatchObject({ secrets: 5, compliant: 2, complianceScore: 40, stale: 2, dueSoon: 1, unused: 1, rotationDisabled: 1, rotationFailing: 1 });
    expect(report.totals.oldestAgeDays).toBeCloseTo(400, 6);
    expect(report.byTenant.map((r) => [r.tenant, r.secrets, r.stale])).toEqual([
      ['tenant-1', 2, 1],
      ['tenant-2', 2, 1],
      ['no-tenant', 1, 0],
    ]);
    expect(report.byType.map((r) => r.type)).toEqual(['database', 'api-key', 'jwt-signing-key', 'encryption-key', 'password']);
    expect(report.byTenantAndType).toHaveLength(5);
    for (const rows of [report.byTenant, report.byType, report.byTenantAndType]) {
      expect(rows.reduce((sum, r) => sum + r.secrets, 0)).toBe(5);
      expect(rows.reduce((sum, r) => sum + r.stale, 0)).toBe(2);
    }
  });

  it('lists the secrets that need a person, most urgent first, cut at the limit with the total kept', () => {
    // Most over its policy first: 120/90 days before 400/365.
    expect(report.stale).toMatchObject({ total: 2, secrets: [{ name: 'acme/tenant-1/db-password' }] });
    expect(report.unused).toMatchObject({ total: 1, secrets: [{ name: 'acme/tenant-1/stripe-api-key' }] });
    expect(report.failing.secrets[0]).toMatchObject({ name: 'acme/tenant-2/session-jwt', rotationFailure: expect.stringMatching(/has not completed/) });
    expect(report.oldest.secrets[0]!.name).toBe('acme/tenant-2/pii-encryption-key');
  });

  it('groups ages by policy for the chart', () => {
    const database = report.policies.find((p) => p.type === 'database')!;
    expect(database).toMatchObject({ maxAgeDays: 90, warnDays: 14, secrets: 1, stale: 1, histogram: [[120, 1]] });
  });
});

describe('renderHtml', () => {
  const html = renderHtml(report);

  it('is one page that may load nothing: a CSP that allows no request, and no URL to anywhere', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|@import|url\(|src="(?!data:)/i);
  });

  it('shows the score, the tables and the chart', () => {
    expect(html).toContain('<span class="big" id="compliance-score">40.0%</span>');
    expect(html).toContain('<svg class="age-chart"');
    expect(html).toContain('<h2>By tenant and type</h2>');
    expect(html).toContain('acme/tenant-2/pii-encryption-key');
    expect(html).toContain('…and 1 more.');
  });

  it('escapes every name and the source', () => {
    const odd = buildComplianceReport([assessSecret(summary({ name: 'acme/tenant-1/<b>"x"&' }), NOW)], { asOf: NOW, source: '<script>alert(1)</script>' });
    const page = renderHtml(odd);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('acme/tenant-1/&lt;b&gt;&quot;x&quot;&amp;');
  });

  it('draws one chart row per policy, a max-age line each, and colours by zone', () => {
    const svg = ageChartSvg(report.policies);
    expect(svg.match(/<g class="policy-row"/g)).toHaveLength(report.policies.length);
    expect(svg.match(/class="max-line"/g)).toHaveLength(report.policies.length);
    expect(svg).toContain('fill="#d2352b"'); // a stale bar
    expect(svg).toContain('fill="#e0a100"'); // the due-soon password
  });
});

describe('renderMarkdown', () => {
  it('has the score, a table per grouping and the lists, with table-breaking characters escaped', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('**Compliance score: 40.0%** (2 of 5 secrets');
    expect(md).toContain('## By tenant and type');
    expect(md).toContain('| tenant-1 | 2 | 50.0% | 1 | 0 | 1 | 0 | 0 |');
    expect(md).toContain('## Stale secrets (2)');
    const odd = renderMarkdown(buildComplianceReport([assessSecret(summary({ name: 'a/t|x/y_z' }), NOW)], { asOf: NOW, source: 's' }));
    expect(odd).toContain('a/t\\|x/y\\_z');
  });
});
