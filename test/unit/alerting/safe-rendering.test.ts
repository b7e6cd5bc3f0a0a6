import { describe, expect, it } from 'vitest';
import { slackPayloadProblems } from '../../../cli/standins/slack';
import { pagerDutyEventProblems } from '../../../cli/standins/pagerduty';
import { renderPagerDutyEvent, type PagerDutyTrigger } from '../../../shared/alerting/channels/pagerduty';
import { renderSlackMessage, type SlackBlock } from '../../../shared/alerting/channels/slack';
import { renderSnsMessage } from '../../../shared/alerting/channels/sns';
import { deploymentFromArn, secretConsoleLink, validatedSecretName } from '../../../shared/alerting/console-link';
import { renderFallbackNotice } from '../../../shared/alerting/dead-letter';
import { emergencyCommand } from '../../../shared/alerting/presentation';
import { forgetSecrets, rememberSecret } from '../../../shared/redact';
import { RAW_CONTROL } from '../../support/control-chars';
import { alertOf, SAMPLE_DEPLOYMENT, sampleFinding } from '../../support/alert-samples';

const OURS = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:multitenant-ai-poc/tenant-2/database-password-AbCdEf';

/** Every text a Slack message shows: the notification text and every text object of every block. */
function slackTexts(message: { text: string; blocks: SlackBlock[] }): string[] {
  const out = [message.text];
  for (const block of message.blocks) {
    if ('text' in block && block.text) out.push(block.text.text);
    if ('fields' in block && block.fields) out.push(...block.fields.map((f) => f.text));
    if ('elements' in block) out.push(...block.elements.map((e) => e.text));
  }
  return out;
}

/** Slack's control sequences: `<` opens a mention or a link; escaped text never holds a raw one. */
const SLACK_MARKUP = /<[!@#]|<https?:|<mailto:|<javascript:/i;

describe('attack: mentions and links in record-derived text', () => {
  const hostile = {
    ...sampleFinding('audit'),
    title: 'Attempted deletion of <!channel> <http://evil.example/login|click to fix> & <@U0BOSS>',
    secret: { name: '<!here>prod/db<https://evil.example|console>' },
    principal: { arn: 'arn:aws:iam::123456789012:user/<!everyone>', type: 'IAMUser' },
    evidence: { userAgent: '<http://evil.example|aws-cli/2.0> <!subteam^S123>', note: '```<!channel>```' },
  };

  it('escapes &, < and > in the notification text and in every block, so nothing is a mention or a link', () => {
    const message = renderSlackMessage(alertOf(hostile));
    expect(slackPayloadProblems(message)).toEqual([]);
    for (const text of slackTexts(message)) expect(text).not.toMatch(SLACK_MARKUP);
    expect(message.text).toContain('&lt;!channel&gt; &lt;http://evil.example/login|click to fix&gt; &amp; &lt;@U0BOSS&gt;');
    const all = slackTexts(message).join('\n');
    expect(all).toContain('&lt;!here&gt;prod/db&lt;https://evil.example|console&gt;');
    expect(all).toContain('&lt;!everyone&gt;');
    expect(all).toContain('&lt;!subteam^S123&gt;');
  });

  it('marks every mrkdwn object verbatim, so Slack does not auto-link bare URLs in it', () => {
    const message = renderSlackMessage(alertOf({ ...hostile, title: 'see http://evil.example/reset' }));
    const mrkdwn = message.blocks.flatMap((b) => [...('fields' in b && b.fields ? b.fields : []), ...('text' in b && b.text ? [b.text] : []), ...('elements' in b ? b.elements : [])]).filter((t) => t.type === 'mrkdwn');
    expect(mrkdwn.length).toBeGreaterThan(5);
    for (const t of mrkdwn) expect(t).toMatchObject({ verbatim: true });
  });

  it('strips control and bidi characters from the header and fields', () => {
    const message = renderSlackMessage(alertOf({ ...hostile, title: 'Read of \u202eevil\u202c \u001b[31mred\u001b[0m', secret: { name: 'app/\u0007db\u200f' } }));
    const all = slackTexts(message).join('\n');
    expect(all).not.toMatch(RAW_CONTROL);
    expect(message.text).toContain('Read of evil red');
  });
});

describe('attack: an ARN-shaped secret id with a foreign host', () => {
  const arns = [
    'arn:aws:secretsmanager:evil.example/phish#:123456789012:secret:x-AbCdEf',
    'arn:aws:secretsmanager:us-east-1:999999999999:secret:other-account-AbCdEf',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-region-AbCdEf',
    'arn:aws-cn:secretsmanager:us-east-1:123456789012:secret:other-partition-AbCdEf',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:javascript:alert(1)-AbCdEf',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:a|b>c-AbCdEf',
    'javascript:alert(1)',
    `${OURS}\n`,
  ];

  it.each(arns)('%s gets no console link in Slack, PagerDuty or SNS', (arn) => {
    const finding = { ...sampleFinding('audit'), secret: { arn } };
    const alert = alertOf(finding);
    expect(secretConsoleLink(arn, SAMPLE_DEPLOYMENT)).toBeUndefined();
    expect(JSON.stringify(renderSlackMessage(alert))).not.toContain('console.aws');
    const event = renderPagerDutyEvent(alert, 'k'.repeat(32)) as PagerDutyTrigger;
    expect(event.links).toBeUndefined();
    expect(JSON.parse(renderSnsMessage(alert).message).consoleUrl).toBeUndefined();
  });

  it('links a secret ARN of this deployment, to the console host and nowhere else', () => {
    const alert = alertOf({ ...sampleFinding('audit'), secret: { arn: OURS } });
    const link = 'https://us-east-1.console.aws.amazon.com/secretsmanager/secret?name=multitenant-ai-poc%2Ftenant-2%2Fdatabase-password&region=us-east-1';
    expect((renderPagerDutyEvent(alert, 'k'.repeat(32)) as PagerDutyTrigger).links).toEqual([{ href: link, text: 'The secret in the AWS console' }]);
    expect(JSON.stringify(renderSlackMessage(alert))).toContain(`<${link}|Open the secret in the AWS console>`);
    expect(validatedSecretName(OURS, undefined)).toBeUndefined();
  });

  it('reads the deployment from one of its own ARNs, and from nothing else', () => {
    expect(deploymentFromArn('arn:aws-us-gov:sns:us-gov-west-1:123456789012:keywarden-prod-alerts-fallback')).toEqual({ partition: 'aws-us-gov', region: 'us-gov-west-1', accountId: '123456789012' });
    expect(deploymentFromArn('arn:aws:sns:evil.example:123456789012:t')).toBeUndefined();
    expect(deploymentFromArn(undefined)).toBeUndefined();
  });
});

describe('PagerDuty within its limits', () => {
  it('keeps summary, source and details within the limits and the event valid, whatever the record held', () => {
    const huge = 'x'.repeat(50_000);
    const finding = { ...sampleFinding('audit'), title: `t${'\u202e'.repeat(5)}${'y'.repeat(299 - 5)}`, secret: { name: huge }, principal: { arn: huge, type: 'IAMUser' }, runbook: huge };
    const event = renderPagerDutyEvent(alertOf(finding), 'k'.repeat(32)) as PagerDutyTrigger;
    expect(pagerDutyEventProblems(event, 'k'.repeat(32))).toEqual([]);
    expect(event.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(event.payload.summary).not.toContain('\u202e');
    expect(event.payload.source.length).toBeLessThanOrEqual(255);
    expect((event.payload.custom_details.principal as { arn: string }).arn.length).toBeLessThanOrEqual(8192);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(512 * 1024);
  });
});

describe('the emergency command for a name with control characters', () => {
  it('shows every unusual character as an escape, so what on-call sees is what the shell runs', () => {
    const command = emergencyCommand(alertOf({ ...sampleFinding('audit'), secret: { name: 'app/db\u001b[2K\u202e' } }))!;
    expect(command).toContain("--secret $'app/db\\x1b\\x5b2K\\u202e'");
    expect(command).not.toMatch(RAW_CONTROL);
  });
});

describe('attack: a foreign-account ARN named like one of our secrets', () => {
  it('names the ARN whole in the emergency command, never the bare name, which would rotate our secret', () => {
    const foreign = 'arn:aws:secretsmanager:us-east-1:999999999999:secret:multitenant-ai-poc/tenant-2/database-password-AbCdEf';
    const command = emergencyCommand(alertOf({ ...sampleFinding('audit'), secret: { name: 'multitenant-ai-poc/tenant-2/database-password', arn: foreign } }))!;
    expect(command).toContain(`--secret ${foreign} --reason`);
    expect(emergencyCommand(alertOf({ ...sampleFinding('audit'), secret: { arn: OURS } }))).toContain('--secret multitenant-ai-poc/tenant-2/database-password --reason');
  });
});

describe('the fallback notice', () => {
  it('passes through redaction: a remembered credential in the reason or the finding is not in it', () => {
    const canary = 'CANARY-fallback-0123456789';
    rememberSecret(canary);
    try {
      const finding = { ...sampleFinding('audit'), title: `echo ${canary}` };
      const notice = renderFallbackNotice({ kind: 'undeliverable', reason: `slack refused the alert: HTTP 400: bad ${canary}`, messageId: 'm', receiveCount: 1, deadLetterQueue: 'dlq', finding }, 'ci');
      expect(JSON.stringify(notice)).not.toContain(canary);
      expect(notice.message).toContain('[REDACTED]');
    } finally {
      forgetSecrets();
    }
  });
});
