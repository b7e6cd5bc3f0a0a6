import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSEvent } from 'aws-lambda';
import { invokeBundle } from '../cli/bundles';
import { putChannelConfig } from '../shared/aws/secrets-manager-channel-config';
import { localEnv, SDK_NODE_WARNING_OFF } from '../cli/local/env';
import { createResources } from '../cli/local/resources';
import { startServer, stopServer } from '../cli/local/server';
import { startQueuePoller } from '../cli/local/sqs-event-source';
import { packageTemplate } from '../cli/local/template';
import { ensureVenv } from '../cli/local/venv';
import { allowStandinEgress, startSlackStandin } from '../cli/standins';
import type { Alert } from '../shared/alerting/channel';
import { renderPagerDutyEvent } from '../shared/alerting/channels/pagerduty';
import { renderSlackMessage } from '../shared/alerting/channels/slack';
import { renderSnsMessage } from '../shared/alerting/channels/sns';
import { parseFinding, type Finding } from '../shared/finding';
import { channelsFor, resolveRoutes } from '../shared/alerting/routing';
import { eventBridge, resetClients, secretsManager, sqs } from '../shared/aws/clients';
import { sampleEvent } from '../test/support/alert-samples';
import { median } from './stats';
import { resourceNames } from '../shared/resource-names';

const RENDER_FINDINGS = 5_000;
const RENDER_ROUNDS = 5;
const LATENCY_SAMPLES = 200;
const STAGE = 'ci';

/**
 * Two figures for the alert path:
 * 1. findings per second through routing and rendering for all three channels (no network),
 *    against JSON.stringify of the same findings measured in the same run;
 * 2. the time from PutEvents of a finding on the keywarden bus to the Slack stand-in receiving
 *    the webhook request, on loopback through the local AWS, p50 and p99, against one PutEvents
 *    round trip to the same local AWS.
 */
export async function printAlertingFigures(): Promise<void> {
  printRenderingFigures();
  await printLatencyFigures();
}

function benchFindings(): Finding[] {
  const kinds = ['audit', 'staleness', 'emergency', 'rotation'].map((kind) => parseFinding(sampleEvent(`finding-${kind}.json`).detail));
  return Array.from({ length: RENDER_FINDINGS }, (_, i) => {
    const base = kinds[i % kinds.length]!;
    // One in ten carries evidence too long for one Slack section, as a harvesting finding does.
    const evidence = i % 10 === 0 ? { ...base.evidence, reads: Array.from({ length: 300 }, (_, j) => `app/tenant-${j % 7}/secret-${j}`) } : base.evidence;
    return { ...base, id: `${base.id}-${i}`, evidence };
  });
}

function printRenderingFigures(): void {
  const findings = benchFindings();
  const routes = resolveRoutes(undefined, ['pagerduty', 'slack', 'sns']);
  const alerts: Alert[] = findings.map((finding) => ({ finding, stage: 'bench', group: { occurrences: 1, firstSeenAt: finding.observedAt, groupedSinceLastAlert: 0 } }));
  let sink = 0;
  const baseline = () => {
    for (const finding of findings) sink += JSON.stringify(finding).length;
  };
  const render = () => {
    for (const alert of alerts) {
      for (const channel of channelsFor(alert.finding, routes)) {
        if (channel === 'slack') sink += JSON.stringify(renderSlackMessage(alert)).length;
        else if (channel === 'pagerduty') sink += JSON.stringify(renderPagerDutyEvent(alert, 'x'.repeat(32))).length;
        else sink += renderSnsMessage(alert).message.length;
      }
    }
  };
  const timed = (fn: () => void) => {
    const began = performance.now();
    fn();
    return performance.now() - began;
  };
  timed(baseline);
  timed(render);
  const baseMs: number[] = [];
  const renderMs: number[] = [];
  for (let round = 0; round < RENDER_ROUNDS; round += 1) {
    baseMs.push(timed(baseline));
    renderMs.push(timed(render));
  }
  const perSecond = (ms: number) => (RENDER_FINDINGS / ms) * 1000;
  const channelsPerFinding = alerts.reduce((n, a) => n + channelsFor(a.finding, routes).length, 0) / alerts.length;
  console.log(`\n== Alert routing and rendering, no network (${RENDER_FINDINGS} findings of 4 kinds, ${channelsPerFinding.toFixed(2)} channels each on the default routes; median of ${RENDER_ROUNDS})`);
  console.log(
    `route + render Slack/PagerDuty/SNS: ${perSecond(median(renderMs)).toFixed(0)} findings/s; ` +
      `JSON.stringify of the same findings: ${perSecond(median(baseMs)).toFixed(0)} findings/s; ` +
      `rendering costs ${(median(renderMs) / median(baseMs)).toFixed(1)}x the stringify (checksum ${sink % 997})`,
  );
}

async function printLatencyFigures(): Promise<void> {
  const venv = await ensureVenv({ onProgress: (m) => console.error(m) });
  const moto = await startServer({ python: venv.python, logFile: join(import.meta.dirname, '..', '.keywarden', 'bench-alerting-moto.log'), detached: false });
  const slack = await startSlackStandin();
  let poller: ReturnType<typeof startQueuePoller> | undefined;
  try {
    const env = localEnv(moto.endpoint);
    Object.assign(process.env, env);
    resetClients();
    const pkg = await packageTemplate(STAGE, { env: { ...env, ...SDK_NODE_WARNING_OFF }, onProgress: (m) => console.error(m) });
    const { values } = await createResources(pkg.template, { stackName: pkg.stackName });
    const ref = (id: string) => values[id]!.ref;
    Object.assign(process.env, {
      KEYWARDEN_STAGE: STAGE,
      KEYWARDEN_ALERT_CHANNELS_SECRET: resourceNames(STAGE).secrets.alertChannels,
      KEYWARDEN_ALERT_TABLE: ref('AlertStateTable'),
      KEYWARDEN_ALERT_DLQ_URL: ref('AlertDeadLetterQueue'),
      KEYWARDEN_ALERT_TOPIC_ARN: ref('AlertTopic'),
      KEYWARDEN_ALERT_FALLBACK_TOPIC_ARN: ref('AlertFallbackTopic'),
      KEYWARDEN_ALERT_MAX_RECEIVES: '5',
    });
    allowStandinEgress();
    // Slack only, unpaced: the figure is the pipeline's latency, not Slack's one-a-second pacing.
    await putChannelConfig(secretsManager(), resourceNames(STAGE).secrets.alertChannels, STAGE, {
      slack: { webhookUrl: slack.webhookUrl, minIntervalMs: 0 },
      routes: { severity: { critical: ['slack'], high: ['slack'], medium: ['slack'], low: ['slack'], info: ['slack'] } },
    });
    poller = startQueuePoller({
      client: sqs(),
      queueUrl: ref('AlertQueue'),
      invoke: (event: SQSEvent) => invokeBundle('alert', event),
      waitSeconds: 5,
      onError: (error) => console.error(`poller: ${(error as Error).message}`),
    });
    const base = parseFinding(sampleEvent('finding-staleness.json').detail);
    const put = async (i: number) =>
      eventBridge().send(
        new PutEventsCommand({
          Entries: [{ EventBusName: resourceNames(STAGE).findingsBus, Source: 'keywarden', DetailType: 'keywarden.finding', Detail: JSON.stringify({ ...base, id: `latency-${i}`, dedupKey: `staleness.stale-secret:${String(i).padStart(24, '0')}` }) }],
        }),
      );
    const putMs: number[] = [];
    const endToEnd: number[] = [];
    for (let i = -10; i < LATENCY_SAMPLES; i += 1) {
      const before = slack.requests.length;
      const began = performance.now();
      await put(i);
      const putDone = performance.now();
      while (slack.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 1));
      // The first ten warm the bundle, its clients and the configuration cache.
      if (i >= 0) {
        putMs.push(putDone - began);
        endToEnd.push(slack.requests[before]!.receivedAt - began);
      }
      // Let the poller finish the batch (delete, record) and go back to its long poll.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sorted = [...endToEnd].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    const putP50 = median(putMs);
    console.log(`\n== Finding on the bus to the Slack webhook request, loopback through the local AWS (${LATENCY_SAMPLES} findings one at a time, after 10 to warm up)`);
    console.log(
      `p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; one PutEvents round trip p50 ${putP50.toFixed(1)} ms ` +
        `(end to end p50 = ${(p(0.5) / putP50).toFixed(1)}x one local AWS call). Includes: PutEvents, the rule to SQS, the long poll waking, ` +
        'the bundle reading its state (2 GetItem + 1 TransactWriteItems) and rendering; excludes recording the delivery after the request.',
    );
  } finally {
    await poller?.stop();
    await slack.close();
    await stopServer(moto.pid);
  }
}
