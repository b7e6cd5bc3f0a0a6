import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CHANNEL_NAMES, isChannelName, type ChannelName } from '../../shared/alerting/channel';
import { parseChannelConfig, type ChannelConfigInput } from '../../shared/alerting/channel-config';
import { buildChannels } from '../../shared/alerting/channels';
import { deploymentFromArn } from '../../shared/alerting/console-link';
import { EGRESS_ALLOW_ENV, withExtraHosts } from '../../shared/alerting/egress';
import { alertSettingsSchema } from '../../shared/alerting/settings';
import { readSettings } from '../../shared/settings/read';
import { interpretEvent } from '../../shared/alerting/envelope';
import { MemoryPacer } from '../../shared/alerting/pacing';
import { sendNow } from '../../shared/alerting/send-now';
import { secretsManager, sns } from '../../shared/aws/clients';
import { putChannelConfig, SecretsManagerChannelConfigSource } from '../../shared/aws/secrets-manager-channel-config';
import { findTopicArn, SnsTopicPublisher } from '../../shared/aws/sns-topic-publisher';
import { InvalidRequestError } from '../../shared/errors';
import { rememberSecret } from '../../shared/redact';
import { CliExit, ExitCode } from '../exit-codes';
import { outputFor } from '../output';
import { LOCAL_STANDIN_HOSTS, startPagerDutyStandin, startSlackStandin, type FaultKind } from '../standins';
import { resolveTarget } from '../target';
import { resourceNames } from '../../shared/resource-names';
import { resolveStage, STAGE_OPTION_HELP } from '../stage';

interface SendOptions {
  local?: boolean;
  stage?: string;
  configSecret?: string;
  only?: ChannelName[];
}

interface StandinsOptions {
  slackPort: number;
  pagerdutyPort: number;
  failRate: number;
  faults: FaultKind[];
  retryAfter: number;
  configure?: string | boolean;
  stage?: string;
}

/**
 * `keywarden alert send <finding.json>`: sends a finding through the configured routing and
 * channels now (no dedup), so a team can test its setup end to end. `keywarden alert standins`:
 * runs the Slack and PagerDuty stand-ins locally and prints what they receive.
 */
export function registerAlertCommand(program: Command): void {
  const alert = program.command('alert').description('alerting: send a test finding through the configured channels, run local stand-ins');

  alert
    .command('send <finding.json>')
    .description('send a finding (a file, or - for stdin) through the channel configuration secret, now, without dedup')
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--stage <stage>', `whose channel configuration to use: ${STAGE_OPTION_HELP}`)
    .option('--config-secret <name>', 'the channel configuration secret (default keywarden/<stage>/alert-channels)')
    .option('--only <channels>', `send only to these channels, comma-separated (${CHANNEL_NAMES.join(', ')})`, parseChannels)
    .addHelpText(
      'after',
      [
        '',
        'The file holds a finding, a finding event from the keywarden bus, or a Secrets Manager rotation event.',
        'Examples:',
        '  keywarden alert send events/alert/finding-audit.json --stage prod',
        '  keywarden alert send events/alert/finding-staleness.json --local --only slack',
        '',
        'Exit codes: 0 every channel took it, 1 a channel failed, 2 bad finding or options.',
      ].join('\n'),
    )
    .action(async (file: string, options: SendOptions, command: Command) => {
      const out = outputFor(command);
      const finding = readFinding(file);
      const target = await resolveTarget(options);
      const stage = resolveStage(options.stage, target);
      const secretName = options.configSecret ?? resourceNames(stage).secrets.alertChannels;
      const raw = await new SecretsManagerChannelConfigSource(secretsManager(), secretName).read();
      rememberSecret(raw);
      const config = parseChannelConfig(raw, { source: secretName, defaultTopicArn: await findTopicArn(sns(), resourceNames(stage).topics.alerts) });
      const configured = readSettings({ egress: alertSettingsSchema.egress }).egress;
      // Against the local AWS the channels are the stand-ins, on loopback.
      const egress = target.kind === 'local' ? withExtraHosts(configured, LOCAL_STANDIN_HOSTS) : configured;
      const channels = buildChannels(config, { pacer: new MemoryPacer(), publisher: new SnsTopicPublisher(sns()), egress });
      out.progress(`sending finding ${finding.id} (${finding.ruleId}, ${finding.severity}) with the configuration in ${secretName}`);
      const { routed, results } = await sendNow(finding, config, channels, { stage, only: options.only, deployment: deploymentFromArn(config.sns?.topicArn) });
      if (results.length === 0) {
        out.result(`the route for ${finding.severity} findings${finding.tenant ? ` of ${finding.tenant}` : ''} names no channel: nothing sent`, { findingId: finding.id, routed, results });
        return;
      }
      out.result(
        [
          `routed to: ${routed.join(', ') || 'none'}${options.only ? ` (sending only to ${options.only.join(', ')})` : ''}`,
          ...results.map((r) => `  ${r.channel.padEnd(10)} ${r.ok ? 'delivered' : `FAILED${r.retryable ? ' (the function would retry)' : ' (refused; the function would dead-letter it)'}: ${r.error}`} (${r.ms.toFixed(0)} ms)`),
        ],
        { findingId: finding.id, stage, secret: secretName, routed, results, ok: results.every((r) => r.ok) },
      );
      if (results.some((r) => !r.ok)) process.exitCode = ExitCode.Failure;
    });

  alert
    .command('standins')
    .description('run local stand-ins for Slack and PagerDuty until Ctrl-C, printing every request they receive')
    .option('--slack-port <port>', 'port for the Slack stand-in (0: any free port)', parsePort, 0)
    .option('--pagerduty-port <port>', 'port for the PagerDuty stand-in (0: any free port)', parsePort, 0)
    .option('--fail-rate <share>', 'share of requests to fail at random, 0 to 1', parseShare, 0)
    .option('--faults <kinds>', 'what a random failure is: 429, 500, 502, 503, 400, 302, slow (comma-separated)', parseFaults, ['429', '500', '503'] as FaultKind[])
    .option('--retry-after <seconds>', 'the Retry-After of an injected 429', parseSeconds, 1)
    .option('--configure [secret]', 'also write a channel configuration pointing at the stand-ins into the local AWS (default keywarden/<stage>/alert-channels)')
    .option('--stage <stage>', `the stage for --configure: ${STAGE_OPTION_HELP}`)
    .action(async (options: StandinsOptions, command: Command) => {
      const out = outputFor(command);
      const faults = { failureRate: options.failRate, kinds: options.faults, retryAfterSeconds: options.retryAfter };
      const onRequest = (line: string) => out.progress(line);
      const slack = await startSlackStandin({ port: options.slackPort, faults, onRequest });
      const pagerduty = await startPagerDutyStandin({ port: options.pagerdutyPort, faults, onRequest });
      const config: ChannelConfigInput = { slack: { webhookUrl: slack.webhookUrl, minIntervalMs: 1000 }, pagerduty: { routingKey: pagerduty.routingKey, eventsUrl: pagerduty.eventsUrl } };
      out.result(
        [
          `Slack stand-in:     ${slack.origin} (webhook path /services/T0KEYWARDEN/B0STANDIN/<token>)`,
          `PagerDuty stand-in: ${pagerduty.eventsUrl}`,
          `an alert function reaches them only with ${EGRESS_ALLOW_ENV}=${LOCAL_STANDIN_HOSTS.join(',')} (the local tools set it; \`alert send --local\` adds it)`,
          'a channel configuration pointing at them (merge into your secret):',
          JSON.stringify(config, null, 2),
          'Ctrl-C to stop.',
        ],
        { event: 'standins', slack: { origin: slack.origin }, pagerduty: { eventsUrl: pagerduty.eventsUrl }, config },
      );
      // After printing: writing it remembers the text for redaction, which would hide it.
      if (options.configure) {
        const target = await resolveTarget({ local: true });
        const stage = resolveStage(options.stage, target);
        const name = typeof options.configure === 'string' ? options.configure : resourceNames(stage).secrets.alertChannels;
        await putChannelConfig(secretsManager(), name, stage, config);
        out.progress(`wrote the channel configuration to ${name} in the local AWS at ${target.kind === 'local' ? target.endpoint : 'AWS'}`);
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all([slack.close(), pagerduty.close()]);
      out.progress(`stopped: Slack took ${slack.messages.length} message(s), PagerDuty ${pagerduty.events.length} event(s)`);
    });
}

function readFinding(file: string) {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliExit(ExitCode.Usage, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`${file} is not JSON`);
  }
  const parsed = interpretEvent(json);
  if (parsed.kind === 'ignored') throw new InvalidRequestError(`${file}: nothing to send: ${parsed.reason}`);
  return parsed.finding;
}

function parseChannels(value: string): ChannelName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isChannelName(n));
  if (unknown.length > 0 || names.length === 0) throw new InvalidRequestError(`--only takes ${CHANNEL_NAMES.join(', ')}, not "${value}"`);
  return names as ChannelName[];
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidRequestError(`a port is 0 to 65535, not "${value}"`);
  return port;
}

function parseShare(value: string): number {
  const share = Number(value);
  if (!(share >= 0 && share <= 1)) throw new InvalidRequestError(`--fail-rate takes a share from 0 to 1, not "${value}"`);
  return share;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0) throw new InvalidRequestError(`--retry-after takes whole seconds, not "${value}"`);
  return seconds;
}

function parseFaults(value: string): FaultKind[] {
  const kinds = value.split(',').map((s) => s.trim());
  const known: FaultKind[] = ['429', '500', '502', '503', '400', '302', 'slow'];
  const unknown = kinds.filter((k) => !known.includes(k as FaultKind));
  if (unknown.length > 0) throw new InvalidRequestError(`--faults takes ${known.join(', ')}, not "${unknown.join(', ')}"`);
  return kinds as FaultKind[];
}
