import { describe, expect, it } from 'vitest';
import { renderSlackMessage, SLACK_LIMITS, splitForSections, type SlackBlock } from '../../../shared/alerting/channels/slack';
import { slackPayloadProblems } from '../../../cli/standins/slack';
import { alertOf, sampleFinding } from '../../support/alert-samples';

const text = (block: SlackBlock) => ('text' in block && block.text ? block.text.text : '');
const allText = (blocks: SlackBlock[]) =>
  blocks.map((b) => [text(b), ...('fields' in b && b.fields ? b.fields.map((f) => f.text) : []), ...('elements' in b ? b.elements.map((e) => e.text) : [])].join('\n')).join('\n');

describe('the Slack message', () => {
  it.each(['rotation', 'audit', 'staleness', 'emergency'] as const)('renders a %s finding with every fact on-call needs, within Slack rules', (kind) => {
    const finding = sampleFinding(kind);
    const message = renderSlackMessage(alertOf(finding));
    expect(slackPayloadProblems(message)).toEqual([]);
    const [header, facts] = message.blocks;
    expect(header).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(text(header!)).toContain(finding.title.slice(0, 60));
    expect(text(header!)).toContain(`[test] ${finding.severity.toUpperCase()}`);
    const fields = (facts as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    expect(fields).toEqual(
      expect.arrayContaining([
        `*Severity*\n${finding.severity.toUpperCase()}`,
        `*Rule*\n${finding.ruleId}`,
        `*Secret*\n${finding.secret!.name}`,
        `*Tenant*\n${finding.tenant ?? '— (no tenant)'}`,
      ]),
    );
    const body = allText(message.blocks);
    if (finding.principal?.arn) expect(body).toContain(finding.principal.arn);
    expect(body).toContain('*Evidence*');
    expect(body).toContain('*Runbook*');
    expect(body).toContain(`keywarden emergency --secret ${finding.secret!.name} --reason "${finding.ruleId} finding ${finding.id}"`);
    expect(body).toContain(`finding ${finding.id}`);
    expect(body).toContain('https://us-east-1.console.aws.amazon.com/secretsmanager/secret?name=');
    expect(message.text).toContain(finding.title);
  });

  it('names the account of a finding from a member account, and shows no account field for one without', () => {
    const fieldsOf = (finding: ReturnType<typeof sampleFinding>) =>
      (renderSlackMessage(alertOf(finding)).blocks[1] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    expect(fieldsOf({ ...sampleFinding('audit'), account: '111111111111' })).toContain('*Account*\n111111111111');
    expect(fieldsOf(sampleFinding('audit')).some((f) => f.startsWith('*Account*'))).toBe(false);
  });

  it('shows evidence values escaped for mrkdwn', () => {
    const finding = { ...sampleFinding('audit'), evidence: { note: 'a <b> & c' } };
    const body = allText(renderSlackMessage(alertOf(finding)).blocks);
    expect(body).toContain('a &lt;b&gt; &amp; c');
  });

  it('truncates oversized evidence with a note, and still sends the rest of the message', () => {
    const reads = Array.from({ length: 4000 }, (_, i) => `multitenant-ai-poc/tenant-${i % 7}/secret-${i}`);
    const finding = { ...sampleFinding('audit'), evidence: { secretsRead: reads.length, reads } };
    const message = renderSlackMessage(alertOf(finding));
    expect(slackPayloadProblems(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const body = allText(message.blocks);
    expect(body).toMatch(/\[evidence truncated to fit Slack's message limits: showing [\d,]+ of [\d,]+ characters\]/);
    expect(body).toContain('"secretsRead": 4000');
    expect(body).toContain(reads[0]);
    expect(body).toContain('*Runbook*');
    expect(body).toContain('keywarden emergency --secret');
    for (const block of message.blocks) expect(text(block).length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  });

  it('keeps a very long title and runbook within the header and section limits', () => {
    const finding = { ...sampleFinding('staleness'), title: 'x'.repeat(300), runbook: 'step & step '.repeat(400) };
    const message = renderSlackMessage(alertOf(finding));
    expect(slackPayloadProblems(message)).toEqual([]);
    expect(text(message.blocks[0]!).length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(allText(message.blocks)).toMatch(/\[runbook truncated to fit Slack's section limit: showing [\d,]+ of 4,800 characters\]/);
  });

  it('says how many repeats were grouped, and marks a resolved finding without an emergency command', () => {
    const finding = { ...sampleFinding('rotation'), status: 'resolved' as const };
    const message = renderSlackMessage(alertOf(finding, { occurrences: 38, groupedSinceLastAlert: 36, firstSeenAt: '2025-11-20T03:00:07.000Z' }));
    expect(text(message.blocks[0]!)).toMatch(/^✅ \[test\] RESOLVED: /);
    const body = allText(message.blocks);
    expect(body).toContain('Resolved after 38 occurrence(s) since 2025-11-20T03:00:07.000Z; 36 repeat(s) were grouped');
    expect(body).not.toContain('keywarden emergency');
  });

  it('quotes a secret name that a shell would not leave alone, and keeps the reason plain', () => {
    const finding = { ...sampleFinding('audit'), id: 'id"; rm -rf /', secret: { name: "app/t 1/it's" } };
    const body = allText(renderSlackMessage(alertOf(finding)).blocks);
    expect(body).toContain(`keywarden emergency --secret 'app/t 1/it'\\''s' --reason "audit.secret-harvesting finding id-- rm -rf /"`);
  });
});

describe('splitForSections', () => {
  it('never lets an escaped piece exceed the size, and loses nothing', () => {
    const raw = '<&>'.repeat(1000) + '\nline\n'.repeat(500);
    const pieces = splitForSections(raw, 100);
    expect(pieces.join('')).toBe(raw);
    for (const piece of pieces) expect(piece.replace(/&/g, '&amp;').replace(/[<>]/g, '&lt;').length).toBeLessThanOrEqual(100);
  });
});
