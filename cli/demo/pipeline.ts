import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventBridge, secretsManager, sqs } from '../../shared/aws/clients';
import { buildComplianceReport } from '../../shared/staleness/report';
import { renderHtml } from '../../shared/staleness/render-html';
import { invokeBundle } from '../bundles';
import { putChannelConfig } from '../../shared/aws/secrets-manager-channel-config';
import { PROJECT_ROOT } from '../local/paths';
import type { ResourceValues } from '../local/resolve';
import { drainQueue } from '../local/sqs-event-source';
import type { Output } from '../output';
import { loadInventory } from '../staleness-inventory';
import { allowStandinEgress, startPagerDutyStandin, startSlackStandin } from '../standins';
import { putCloudTrail } from '../local/cloudtrail';
import { runDemoConsumers, type DemoConsumers } from './consumers';
import type { DemoEmergency } from './emergency';
import { demoStalenessAsOf, DEMO_LOOK_AHEAD_DAYS, runDemoStalenessScan, type DemoStaleness } from './staleness';
import { ordinaryReads, stratusRecords } from './traffic';
import { resourceNames } from '../../shared/resource-names';

/** What the pipeline part of the demo saw, for the summary. */
export interface PipelineSummary {
  auditEvents: number;
  /** Ordinary reads of the leaked secret among them: the access review must list at least these. */
  leakedSecretReads: number;
  stratusNote?: string;
  emergency: DemoEmergency;
  /** A consumer left behind after a rotation, its finding, the refresh, the finding resolved. */
  consumers: DemoConsumers;
  alertsDelivered: number;
  slackMessages: string[];
  pagerDutyEvents: string[];
  reportFile: string;
  complianceScore: number;
  staleness: DemoStaleness;
}

/**
 * The watching half of keywarden on one machine: CloudTrail traffic (ordinary reads and the
 * Stratus Red Team attack logs) through the default bus and the audit queue into the audit
 * bundle; an emergency rotation of a "leaked" key; the staleness scan; every finding through the
 * alert queue into the alert bundle and on to Slack and PagerDuty stand-ins that print what they
 * receive; the compliance report. Each queue is drained into its built bundle as Lambda's event
 * source mapping would.
 */
export async function runPipeline(
  out: Output,
  stage: string,
  values: Record<string, ResourceValues>,
  secretNames: readonly string[],
  leak: { secretId: string; rotate: () => Promise<DemoEmergency> },
): Promise<PipelineSummary> {
  const print = (line: string) => out.progress(`  ${line}`);
  // The alert bundle runs in this process: let it reach the stand-ins on loopback.
  allowStandinEgress();
  const slack = await startSlackStandin({ onRequest: print });
  const pagerduty = await startPagerDutyStandin({ onRequest: print });
  try {
    const config = { slack: { webhookUrl: slack.webhookUrl, minIntervalMs: 1000 }, pagerduty: { routingKey: pagerduty.routingKey, eventsUrl: pagerduty.eventsUrl } };
    await putChannelConfig(secretsManager(), resourceNames(stage).secrets.alertChannels, stage, config);

    out.progress('replaying CloudTrail: ordinary reads, then the Stratus Red Team attack logs');
    const stratus = stratusRecords();
    if (stratus.note) out.progress(stratus.note);
    const reads = ordinaryReads(secretNames, new Date());
    const traffic = [...reads, ...stratus.records];
    await putCloudTrail(eventBridge(), traffic);
    await drain(values, 'AuditQueue', 'audit');

    out.progress(`emergency rotation of ${leak.secretId}: it "leaked"`);
    const emergency = await leak.rotate();

    const consumers = await runDemoConsumers(secretsManager(), stage, out, { audit: () => drain(values, 'AuditQueue', 'audit'), refresh: () => drain(values, 'RefreshQueue', 'refresh') });

    const asOf = demoStalenessAsOf(new Date());
    out.progress(`running the staleness scan as of ${asOf.toISOString().slice(0, 10)}, ${DEMO_LOOK_AHEAD_DAYS} days ahead (the local AWS cannot age secrets, so the scan looks ahead)`);
    const scan = await runDemoStalenessScan(asOf);

    out.progress('delivering findings to the Slack and PagerDuty stand-ins (Slack is paced at one message a second)');
    const alerts = await drain(values, 'AlertQueue', 'alert');

    const inventory = await loadInventory({ local: true });
    const report = buildComplianceReport(inventory.assess(asOf), { asOf, source: inventory.source, title: `keywarden demo compliance report, ${DEMO_LOOK_AHEAD_DAYS} days ahead` });
    const reportFile = join(PROJECT_ROOT, 'reports', 'compliance.html');
    mkdirSync(join(PROJECT_ROOT, 'reports'), { recursive: true });
    writeFileSync(reportFile, renderHtml(report));
    return {
      auditEvents: traffic.length,
      leakedSecretReads: reads.filter((read) => (read.requestParameters as { secretId?: string }).secretId === leak.secretId).length,
      stratusNote: stratus.note,
      emergency,
      consumers,
      alertsDelivered: alerts,
      slackMessages: slack.messages.map((m) => m.text ?? '(blocks)'),
      pagerDutyEvents: pagerduty.events.map((e) => `${String(e.event_action)} ${String((e.payload as { summary?: string } | undefined)?.summary ?? e.dedup_key ?? '')}`),
      reportFile,
      complianceScore: report.totals.complianceScore,
      staleness: { asOf: asOf.toISOString().slice(0, 10), scan, report: report.totals },
    };
  } finally {
    await Promise.all([slack.close(), pagerduty.close()]);
  }
}

async function drain(values: Record<string, ResourceValues>, queueId: string, functionName: string): Promise<number> {
  const queue = values[queueId];
  if (!queue) throw new Error(`the packaged template has no ${queueId}`);
  const report = await drainQueue({
    client: sqs(),
    queueUrl: queue.ref,
    queueArn: queue.attributes.Arn,
    invoke: (event) => invokeBundle(functionName, event, { timeoutMs: 120_000 }),
  });
  return report.deleted;
}
