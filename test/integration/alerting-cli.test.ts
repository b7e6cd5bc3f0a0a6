import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putChannelConfig } from '../../shared/aws/secrets-manager-channel-config';
import { startPagerDutyStandin, startSlackStandin, type PagerDutyStandin, type SlackStandin } from '../../cli/standins';
import { secretsManager } from '../../shared/aws/clients';
import { captureOutput } from '../support/capture-output';
import { localAwsEnv, templateResource } from '../support/local-aws';
import { sampleFinding } from '../support/alert-samples';
import { CHANNELS_SECRET, restoreAlertFunctionEnv, setAlertFunctionEnv, snsDeliveries, startAlertHarness, takeAll } from '../support/local-alert-pipeline';

// `keywarden alert send` as a person runs it, and the canary: the channel credentials (a Slack
// webhook URL, a PagerDuty routing key) never appear in anything keywarden prints or sends.

const ROOT = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'keywarden-alert-cli-'));

async function keywarden(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...localAwsEnv(), KEYWARDEN_STAGE: 'ci' };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'keywarden.mjs'), ...args], { cwd: ROOT, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let slack: SlackStandin | undefined;
let pagerduty: PagerDutyStandin | undefined;

beforeEach(() => setAlertFunctionEnv());
afterAll(() => restoreAlertFunctionEnv());
afterEach(async () => {
  await Promise.all([slack?.close(), pagerduty?.close()]);
  slack = pagerduty = undefined;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function standins(token?: string, routingKey?: string): Promise<void> {
  slack = await startSlackStandin({ token });
  pagerduty = await startPagerDutyStandin({ routingKey });
  await putChannelConfig(secretsManager(), CHANNELS_SECRET, 'ci', {
    slack: { webhookUrl: slack.webhookUrl, minIntervalMs: 0 },
    pagerduty: { routingKey: pagerduty.routingKey, eventsUrl: pagerduty.eventsUrl },
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 10 },
  });
}

describe('keywarden alert send', () => {
  it('sends a finding file through the configured routing to every channel, and says so', async () => {
    await standins();
    const run = await keywarden('alert', 'send', 'events/alert/finding-audit.json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/routed to: pagerduty, slack, sns\n {2}pagerduty +delivered \(\d+ ms\)\n {2}slack +delivered \(\d+ ms\)\n {2}sns +delivered \(\d+ ms\)/);
    expect(slack!.messages).toHaveLength(1);
    expect(pagerduty!.events[0]).toMatchObject({ event_action: 'trigger', dedup_key: sampleFinding('audit').dedupKey });
  });

  it('sends only to the channels asked for, with --json, and reads a Secrets Manager event too', async () => {
    await standins();
    const run = await keywarden('--json', 'alert', 'send', 'events/alert/secretsmanager-rotation-failed.json', '--only', 'slack');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ routed: ['pagerduty', 'slack', 'sns'], results: [{ channel: 'slack', ok: true }], ok: true, secret: CHANNELS_SECRET });
    expect(slack!.messages).toHaveLength(1);
    expect(pagerduty!.events).toHaveLength(0);
  });

  it('exits 1 naming the channel that refused, and 2 for a file that is not a finding', async () => {
    await standins();
    pagerduty!.faults.script('400');
    const refused = await keywarden('alert', 'send', 'events/alert/finding-rotation.json');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('pagerduty  FAILED (refused; the function would dead-letter it): pagerduty refused the alert: HTTP 400');
    expect(refused.stdout).toMatch(/slack +delivered/);

    const file = join(scratch, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...sampleFinding('audit'), severity: 'urgent', runbook: '' }));
    const bad = await keywarden('alert', 'send', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error: not a valid finding: severity: Invalid enum value.*; runbook: /);
  });
});

describe('the channel credentials', () => {
  it('never appear in logs, CLI output, dead-letter reasons or fallback notices', async () => {
    const token = `CANARY${randomBytes(8).toString('hex')}`;
    const routingKey = `CANARY${randomBytes(13).toString('hex')}`;
    const harness = await startAlertHarness({ slackToken: token, routingKey });
    slack = harness.slack;
    pagerduty = harness.pagerduty;
    pagerduty.faults.set({ failureRate: 1, kinds: ['503'] });
    slack.faults.script('400');

    const file = join(scratch, 'finding.json');
    writeFileSync(file, JSON.stringify(sampleFinding('staleness')));
    const { printed } = await captureOutput(async () => {
      await harness.publish([sampleFinding('audit'), sampleFinding('rotation')]);
      await harness.drain();
    });
    const cli = await keywarden('--verbose', 'alert', 'send', file, '--only', 'pagerduty,slack');
    const cliJson = await keywarden('--json', 'alert', 'send', file);
    const letters = await takeAll(templateResource('AlertDeadLetterQueue'));
    const notices = snsDeliveries(await takeAll(harness.fallbackSubscriptionUrl));

    // The runs did go through the paths that report failures.
    expect(printed).toContain('alert dead-lettered');
    expect(letters.length).toBe(2);
    expect(notices.length).toBe(2);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('pagerduty did not take the alert');

    const everything = [printed, cli.stdout, cli.stderr, cliJson.stdout, cliJson.stderr, JSON.stringify(letters), JSON.stringify(notices)].join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(routingKey);
    expect(everything).not.toContain('CANARY');
  });
});
