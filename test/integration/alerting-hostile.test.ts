import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { startSlackStandin, type SlackStandin } from '../../cli/standins';
import { dedupKeyOf, type Finding } from '../../shared/finding';
import { captureOutput } from '../support/capture-output';
import { RAW_CONTROL } from '../support/control-chars';
import { templateResource } from '../support/local-aws';
import { sampleFinding } from '../support/alert-samples';
import { cloudTrail, USER } from '../support/cloudtrail-records';
import { applyAuditFunctionEnv, putCloudTrailEvents, runAuditQueue } from '../support/local-audit-pipeline';
import { restoreAlertFunctionEnv, setAlertFunctionEnv, slackDedupKey, snsDeliveries, startAlertHarness, takeAll, type AlertHarness, type HarnessOptions } from '../support/local-alert-pipeline';

// Issue 12's attacks on the alert path, each through the bus, the alert queue and the built
// alert bundle on the local AWS, with the Slack and PagerDuty stand-ins. Each asserts that the
// attack fails and that the other findings of the batch are delivered as usual.

let harness: AlertHarness | undefined;
let extra: SlackStandin | undefined;
const start = async (options?: HarnessOptions) => (harness = await startAlertHarness(options));

beforeEach(() => setAlertFunctionEnv());
afterAll(() => restoreAlertFunctionEnv());
afterEach(async () => {
  await Promise.all([harness?.close(), extra?.close()]);
  harness = extra = undefined;
});

const INTRUDER = 'arn:aws:iam::123456789012:user/intruder';
const OTHER_CHANNELS_FINE = [sampleFinding('rotation'), sampleFinding('staleness')];

/** An audit finding as a detector would raise it from one CloudTrail record of `principal`. */
function auditFinding(i: number, overrides: Partial<Finding> = {}, principal = INTRUDER): Finding {
  const name = overrides.secret?.name ?? `made-up/secret-${i}`;
  const ruleId = overrides.ruleId ?? 'audit.secret-deletion';
  return {
    ...sampleFinding('audit'),
    id: `${ruleId}:${randomBytes(8).toString('hex')}-${i}`,
    ruleId,
    severity: 'critical',
    title: `Attempted deletion of ${name} without recovery`,
    secret: { name },
    tenant: undefined,
    principal: { arn: principal, type: 'IAMUser' },
    evidence: { eventName: 'DeleteSecret', errorCode: 'AccessDenied', forceDeleteWithoutRecovery: true },
    dedupKey: dedupKeyOf(ruleId, name),
    ...overrides,
  };
}

type Trigger = { event_action: string; dedup_key: string; links?: unknown; payload: { summary: string; custom_details: Record<string, unknown> } };
const triggers = (h: AlertHarness) => h.pagerduty.events as unknown as Trigger[];
/** Every text of a Slack message: the notification text and the blocks. */
const slackText = (m: { text?: string; blocks?: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks)}`;

/** The finding's delivery everywhere else: the rotation and staleness samples reached their channels. */
function expectOthersDelivered(h: AlertHarness, sns: Array<{ attributes: Record<string, string> }>): void {
  const rotation = sampleFinding('rotation');
  expect(h.pagerduty.incidents.get(rotation.dedupKey)).toMatchObject({ status: 'triggered', opened: 1 });
  for (const finding of OTHER_CHANNELS_FINE) expect(h.slack.messages.some((m) => slackDedupKey(m) === finding.dedupKey)).toBe(true);
  expect(sns.filter((d) => d.attributes.rule === 'rotation.failed' || d.attributes.rule === 'staleness.stale-secret')).toHaveLength(2);
}

describe('safe rendering', () => {
  it('attack: <!channel> and a link in a secret name -> inert in Slack text and blocks; the batch is delivered', async () => {
    const h = await start();
    const name = 'prod/<!channel> <http://evil.example/login|Reset your password> <@U0ONCALL>';
    const hostile = auditFinding(1, { secret: { name }, title: `Attempted deletion of ${name} <!here>` });
    await h.publish([hostile, ...OTHER_CHANNELS_FINE]);
    await h.drain();
    expect(h.slack.rejections).toEqual([]);
    const message = h.slack.messages.find((m) => slackDedupKey(m) === hostile.dedupKey)!;
    const text = slackText(message);
    // Nothing Slack would read as a mention or a link, in the notification text or any block.
    expect(text).not.toMatch(/<[!@]|<https?:/);
    expect(message.text).toContain('&lt;!channel&gt; &lt;http://evil.example/login|Reset your password&gt;');
    expect(message.text).toContain('&lt;!here&gt;');
    expect(text).toContain('&lt;@U0ONCALL&gt;');
    expect(triggers(h).find((e) => e.dedup_key === hostile.dedupKey)!.payload.summary).toContain('<!channel>');
    expectOthersDelivered(h, snsDeliveries(await takeAll(h.alertsSubscriptionUrl)));
  });

  it('attack: an ARN-shaped secret id with a foreign host -> no console link in Slack or PagerDuty, the emergency command names the ARN whole; a real ARN still gets its link', async () => {
    const h = await start();
    const forged = auditFinding(2, { secret: { name: 'x', arn: 'arn:aws:secretsmanager:evil.example/phish#:123456789012:secret:x-AbCdEf' } });
    const foreignAccount = auditFinding(3, { secret: { name: 'y', arn: 'arn:aws:secretsmanager:us-east-1:999999999999:secret:y-AbCdEf' } }, 'arn:aws:iam::123456789012:user/other');
    const genuine = sampleFinding('audit');
    await h.publish([forged, foreignAccount, genuine, ...OTHER_CHANNELS_FINE]);
    await h.drain();
    for (const finding of [forged, foreignAccount]) {
      const slack = slackText(h.slack.messages.find((m) => slackDedupKey(m) === finding.dedupKey)!);
      expect(slack).not.toContain('console.aws');
      expect(slack).not.toContain('Open the secret');
      // The ARN shows only as text: in no link, and whole in the emergency command.
      expect(slack).not.toMatch(/<[^>]*(evil\.example|999999999999)/);
      const arn = finding.secret!.arn!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(slack).toMatch(new RegExp(`keywarden emergency --secret '?${arn}'? --reason`));
      expect(triggers(h).find((e) => e.dedup_key === finding.dedupKey)!.links).toBeUndefined();
    }
    const link = 'https://us-east-1.console.aws.amazon.com/secretsmanager/secret?name=multitenant-ai-poc%2Ftenant-2%2Fdatabase-password&region=us-east-1';
    expect(triggers(h).find((e) => e.dedup_key === genuine.dedupKey)!.links).toEqual([{ href: link, text: 'The secret in the AWS console' }]);
    expect(slackText(h.slack.messages.find((m) => slackDedupKey(m) === genuine.dedupKey)!)).toContain(`<${link}|Open the secret in the AWS console>`);
    expectOthersDelivered(h, snsDeliveries(await takeAll(h.alertsSubscriptionUrl)));
  });
});

describe('flood control', () => {
  it('attack: forty denied DeleteSecret findings of one principal on made-up names -> one page, then the count updates; none lost', async () => {
    const h = await start();
    const flood = Array.from({ length: 40 }, (_, i) => auditFinding(i));
    await h.publish([...flood, ...OTHER_CHANNELS_FINE]);
    await h.drain();
    const pages = triggers(h).filter((e) => flood.some((f) => f.dedupKey === e.dedup_key));
    // One incident, opened once; its later triggers are the count updates at 10, 20 and 40.
    expect(new Set(pages.map((e) => e.dedup_key)).size).toBe(1);
    expect(h.pagerduty.incidents.get(pages[0]!.dedup_key)).toMatchObject({ opened: 1, triggers: 4, status: 'triggered' });
    expect(pages.slice(1).map((e) => /^\[ci\] CRITICAL: Update: (\d+) findings of audit\.secret-deletion from arn:aws:iam::123456789012:user\/intruder/.exec(e.payload.summary)?.[1])).toEqual(['10', '20', '40']);
    const floodSlack = h.slack.messages.filter((m) => /audit\.secret-deletion/.test(slackText(m)));
    expect(floodSlack).toHaveLength(4);
    const sns = snsDeliveries(await takeAll(h.alertsSubscriptionUrl));
    const floodSns = sns.filter((d) => d.attributes.rule === 'audit.secret-deletion');
    expect(floodSns).toHaveLength(40);
    expect(floodSns.filter((d) => d.attributes.flood === 'grouped')).toHaveLength(36);
    expect(new Set(floodSns.map((d) => (JSON.parse(d.message) as { finding: { secret: { name: string } } }).finding.secret.name)).size).toBe(40);
    expect(await takeAll(templateResource('AlertDeadLetterQueue'))).toEqual([]);
    expectOthersDelivered(h, sns);
  });

  it('attack: one principal sets off eight rules -> five pages, then one page-cap summary; the rest counted on SNS', async () => {
    const h = await start();
    const rules = Array.from({ length: 8 }, (_, i) => auditFinding(i, { ruleId: `audit.probe-${i}` }));
    await h.publish([...rules, ...OTHER_CHANNELS_FINE]);
    await h.drain();
    const intruderPages = triggers(h).filter((e) => e.event_action === 'trigger' && (e.payload.custom_details.principal as { arn?: string } | undefined)?.arn === INTRUDER);
    expect(intruderPages).toHaveLength(6);
    const summaries = intruderPages.filter((e) => e.payload.custom_details.rule === 'alert.page-cap');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.payload.summary).toMatch(/^\[ci\] CRITICAL: Principal arn:aws:iam::123456789012:user\/intruder hit the page cap: 1 finding\(s\) suppressed, rules audit\.probe-\d \(1\)$/);
    const sns = snsDeliveries(await takeAll(h.alertsSubscriptionUrl));
    const modes = sns.filter((d) => (d.attributes.rule ?? '').startsWith('audit.probe-') || d.attributes.rule === 'alert.page-cap').map((d) => d.attributes.flood).sort();
    expect(modes).toEqual(['cap-summary', 'page', 'page', 'page', 'page', 'page', 'suppressed', 'suppressed']);
    const last = sns.filter((d) => d.attributes.flood === 'suppressed').map((d) => (JSON.parse(d.message) as { flood: { cap: { suppressed: number } } }).flood.cap.suppressed);
    expect(last.sort()).toEqual([2, 3]);
    expectOthersDelivered(h, sns);
  });
});

describe('egress', () => {
  it('attack: a webhook answers 302 to another host -> not followed, a delivery failure with the reason; the rest delivered', async () => {
    extra = await startSlackStandin();
    const h = await start();
    h.slack.faults.set({ redirectTo: extra.webhookUrl });
    h.slack.faults.script('302');
    const first = auditFinding(1, {}, 'arn:aws:iam::123456789012:user/a');
    await h.publish([first, ...OTHER_CHANNELS_FINE]);
    await h.drain();
    expect(h.slack.requests[0]!.status).toBe(302);
    expect(extra.requests).toEqual([]);
    const letters = await takeAll(templateResource('AlertDeadLetterQueue'));
    expect(letters).toHaveLength(1);
    expect(letters[0]!.MessageAttributes!.reason!.StringValue).toBe('slack answered HTTP 302, a redirect: not followed (alerts go only to the configured host)');
    const [notice] = snsDeliveries(await takeAll(h.fallbackSubscriptionUrl));
    expect(notice!.message).toContain('Reason: slack answered HTTP 302, a redirect: not followed');
    // Two of the three Slack messages went through; PagerDuty and SNS took everything.
    expect(h.slack.messages).toHaveLength(2);
    expect(triggers(h)).toHaveLength(2);
    expect(snsDeliveries(await takeAll(h.alertsSubscriptionUrl))).toHaveLength(3);
  });

  it('attack: a channel URL outside the allow-list -> refused before any request; PagerDuty and SNS deliver', async () => {
    // 127.0.0.2 is loopback too, so the schema's "https or loopback http" takes it; the allow-list does not.
    extra = await startSlackStandin({ host: '127.0.0.2' });
    const h = await start({ config: { slack: { webhookUrl: extra.webhookUrl, minIntervalMs: 0 } } });
    await h.publish(OTHER_CHANNELS_FINE);
    await h.drain();
    expect(extra.requests).toEqual([]);
    const letters = await takeAll(templateResource('AlertDeadLetterQueue'));
    const refused = /^slack: refused to send to host 127\.0\.0\.2: not one of hooks\.slack\.com, hooks\.slack-gov\.com, 127\.0\.0\.1 \(a proxy of your own goes in KEYWARDEN_ALERT_EGRESS_ALLOWED_HOSTS\)$/;
    expect(letters.map((l) => l.MessageAttributes!.reason!.StringValue)).toEqual([expect.stringMatching(refused), expect.stringMatching(refused)]);
    expect(h.pagerduty.incidents.get(sampleFinding('rotation').dedupKey)).toMatchObject({ status: 'triggered' });
    expect(snsDeliveries(await takeAll(h.alertsSubscriptionUrl))).toHaveLength(2);
  });

  it('attack: a service echoes the webhook token and a finding carries it -> no canary in the fallback notice or the reason', async () => {
    const token = `CANARY${randomBytes(8).toString('hex')}`;
    const h = await start({ slackToken: token });
    h.slack.faults.set({ errorBody: `invalid_payload for ${h.slack.webhookUrl}` });
    h.slack.faults.script('400');
    const planted = auditFinding(1, { title: `Attempted deletion by a tool that logged ${token}` }, 'arn:aws:iam::123456789012:user/b');
    const { printed } = await captureOutput(async () => {
      await h.publish([planted, ...OTHER_CHANNELS_FINE]);
      await h.drain();
    });
    const letters = await takeAll(templateResource('AlertDeadLetterQueue'));
    const notices = snsDeliveries(await takeAll(h.fallbackSubscriptionUrl));
    expect(letters).toHaveLength(1);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.message).toContain('[REDACTED]');
    const told = [printed, JSON.stringify(notices), JSON.stringify(letters.map((l) => l.MessageAttributes))].join('\n');
    expect(told).not.toContain(token);
    expect(told).not.toContain('CANARY');
    // The Slack messages and SNS alerts that did go out carry no canary either.
    expect(JSON.stringify(h.slack.messages)).not.toContain('CANARY');
    expect(h.slack.messages).toHaveLength(2);
    expect(snsDeliveries(await takeAll(h.alertsSubscriptionUrl)).map((d) => d.message).join('')).not.toContain('CANARY');
  });
});

describe('what the CLI prints', () => {
  /** A secret name that clears the screen, sets the terminal title, and reverses what follows. */
  const HOSTILE_NAME = 'app/\u001b[2J\u001b]0;pwned\u0007evil\u202egnp.exe\u009b1A';

  it('attack: control characters in a secret name -> stripped from keywarden audit query and alert send output', async () => {
    applyAuditFunctionEnv();
    await putCloudTrailEvents([cloudTrail('GetSecretValue', { userIdentity: USER, eventTime: new Date(Date.now() - 60_000).toISOString(), requestParameters: { secretId: HOSTILE_NAME } })]);
    await runAuditQueue();
    const human = await captureOutput(() => main(['node', 'keywarden', 'audit', 'query', '--principal', USER.arn, '--since', '1d']));
    expect(human.printed).toMatch(/GetSecretValue arn:aws:iam::\d{12}:user\/alice -> app\/[^\n]*evil/);
    expect(human.printed).not.toMatch(RAW_CONTROL);
    const json = await captureOutput(() => main(['node', 'keywarden', '--json', 'audit', 'query', '--principal', USER.arn, '--since', '1d']));
    expect(json.printed).not.toMatch(RAW_CONTROL);
    const records = json.printed.split('\n').filter((l) => l.startsWith('{"eventId"')).map((l) => JSON.parse(l) as { secrets: Array<{ name: string }> });
    // JSON keeps the value as stored, any control in it as an escape (test/unit/display-text.test.ts checks the round trip).
    expect(records).toHaveLength(1);
    expect(records[0]!.secrets[0]!.name).toContain('evil');

    const h = await start();
    const scratch = mkdtempSync(join(tmpdir(), 'keywarden-hostile-'));
    try {
      const file = join(scratch, 'finding.json');
      writeFileSync(file, JSON.stringify(auditFinding(1, { id: `audit-\u001b[31m${HOSTILE_NAME}`, secret: { name: HOSTILE_NAME } })));
      const send = await captureOutput(() => main(['node', 'keywarden', 'alert', 'send', file, '--only', 'slack']));
      expect(send.printed).toContain('sending finding audit-app/evilgnp.exe');
      expect(send.printed).not.toMatch(RAW_CONTROL);
      expect(h.slack.messages).toHaveLength(1);
      expect(slackText(h.slack.messages[0]!)).not.toMatch(RAW_CONTROL);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
