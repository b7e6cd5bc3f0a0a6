import type { RotationReport } from '../../shared/rotation/driver';
import { exportLines } from '../local';
import type { Output } from '../output';
import { brokenConsumerPromises, consumersLine } from './consumers';
import type { DemoDatabases } from './db';
import type { DemoEmergency } from './emergency';
import type { PipelineSummary } from './pipeline';
import { brokenStalenessPromises, staleFindingMessages, type DemoStaleness } from './staleness';

/** One rotation the demo ran, and for a database credential what the database said after. */
export interface DemoRotation {
  report: RotationReport;
  /** The database's label, for database credentials. */
  database?: string;
  /** Database credentials: the server accepts the rotated credential. */
  newCredentialLogsIn?: boolean;
}

/** What the demo did, for its summary and for tests. */
export interface DemoSummary {
  endpoint: string;
  created: string[];
  rotations: DemoRotation[];
  databases: DemoDatabases;
  pipeline: PipelineSummary;
}

/** Prints where to look and what happened; exit code 1 when anything the demo checks failed. */
export function printDemoSummary(out: Output, summary: DemoSummary, env: Record<string, string>): void {
  const p = summary.pipeline;
  const rotationsOk = summary.rotations.filter(rotationSucceeded).length;
  const broken = brokenPromises(summary);
  out.result(
    [
      '',
      `keywarden demo: ${rotationsOk} of ${summary.rotations.length} secrets rotated through the built rotate bundle`,
      ...summary.rotations.map(rotationLine),
      databasesLine(summary.databases),
      `audit: ${p.auditEvents} CloudTrail events replayed through the default bus, the audit queue and the audit bundle${p.stratusNote ? ` (${p.stratusNote})` : ''}`,
      emergencyLine(p.emergency),
      consumersLine(p.consumers),
      `alerts: ${p.alertsDelivered} finding(s) through the alert queue; Slack stand-in got ${p.slackMessages.length} message(s), PagerDuty stand-in ${p.pagerDutyEvents.length} event(s):`,
      ...p.slackMessages.map((m) => `  slack      ${m.slice(0, 140)}`),
      ...p.pagerDutyEvents.map((e) => `  pagerduty  ${e.slice(0, 140)}`),
      ...stalenessLines(p.staleness, p.slackMessages),
      `compliance report: ${p.reportFile} (as of ${p.staleness.asOf}; score ${p.complianceScore.toFixed(1)}%)`,
      broken.length === 0 ? 'every check of the demo held' : `FAILED checks:\n${broken.map((line) => `  ${line}`).join('\n')}`,
      '',
      `the local AWS is still running at ${summary.endpoint}, with the runner that feeds the queues to their functions, and the PostgreSQL cluster beside it; to look around:`,
      ...exportLines(env).map((line) => `  ${line}`),
      '  node bin/keywarden.mjs local status                # queue depths, DLQs',
      '  node bin/keywarden.mjs local logs -f               # the functions\' log lines',
      '  node bin/keywarden.mjs alert standins --configure  # Slack and PagerDuty stand-ins for what arrives next',
      '  node bin/keywarden.mjs rotate --local multitenant-ai-poc/tenant-1/partner-api-key',
      `  node bin/keywarden.mjs audit query --local --secret ${p.emergency.secretId}`,
      `  node bin/keywarden.mjs consumers --local ${p.consumers.secretId}`,
      'stop them (and remove the demo users from MariaDB, Redis and RabbitMQ) with: node bin/keywarden.mjs local down',
    ],
    { event: 'demo', ...summary, databases: databasesJson(summary.databases), broken },
  );
  if (broken.length > 0) process.exitCode = 1;
}

/**
 * What the demo promises, checked against what happened: every rotation worked and its database
 * accepts the new credential; the emergency rotation worked, the database refuses the leaked
 * credential and accepts the new one, the access review lists the reads that were replayed, and
 * its finding reached both stand-ins. One line per broken promise.
 */
function brokenPromises(summary: DemoSummary): string[] {
  const { emergency, leakedSecretReads, slackMessages, pagerDutyEvents } = summary.pipeline;
  const broken = summary.rotations.filter((r) => !rotationSucceeded(r)).map((r) => `the rotation of ${r.report.secretId}`);
  if (!emergency.report.ok) broken.push(`the emergency rotation of ${emergency.secretId}`);
  if (!emergency.leakedRefused) broken.push('the database still accepts the leaked credential');
  if (!emergency.freshAccepted) broken.push('the database refuses the credential the emergency rotation made');
  const reads = emergency.report.secrets[0]?.accessReview?.reads ?? 0;
  if (reads < leakedSecretReads) broken.push(`the access review lists ${reads} read(s) of ${emergency.secretId}; ${leakedSecretReads} were replayed`);
  const title = `Emergency rotation of ${emergency.secretId}`;
  if (!slackMessages.some((m) => m.includes(title))) broken.push('the emergency finding did not reach the Slack stand-in');
  if (!pagerDutyEvents.some((e) => e.includes(title))) broken.push('the emergency finding did not reach the PagerDuty stand-in');
  broken.push(...brokenStalenessPromises(summary.pipeline.staleness, slackMessages));
  broken.push(...brokenConsumerPromises(summary.pipeline.consumers, slackMessages));
  return broken;
}

function stalenessLines(staleness: DemoStaleness, slackMessages: readonly string[]): string[] {
  const { overall, findings } = staleness.scan;
  const again = findings.alreadySentToday > 0 ? `, ${findings.alreadySentToday} already sent today by an earlier run` : '';
  return [
    `staleness as of ${staleness.asOf}: ${overall.secrets} secrets, ${overall.stale} stale, ${overall.dueSoon} due soon, ${overall.unused} unused, ` +
      `${overall.rotationFailing} with a scheduled rotation overdue (nothing rotates them in the months skipped); ` +
      `findings ${findings.opened} opened, ${findings.repeated} repeated${again} (stale to Slack, and PagerDuty when twice over; unused to the SNS topic only)`,
    ...staleFindingMessages(slackMessages)
      .slice(0, 3)
      .map((m) => `  stale      ${m.slice(0, 140)}`),
  ];
}

function rotationSucceeded(rotation: DemoRotation): boolean {
  return rotation.report.ok && rotation.newCredentialLogsIn !== false;
}

function rotationLine({ report, database, newCredentialLogsIn }: DemoRotation): string {
  if (!report.ok) return `  FAILED ${report.secretId} at ${report.failedStep}: ${report.steps.at(-1)?.error}`;
  if (!database) return `  ok     ${report.secretId}`;
  const login = newCredentialLogsIn ? 'the new credential logs in' : `${database} REFUSES the new credential`;
  return `  ${newCredentialLogsIn ? 'ok    ' : 'FAILED'} ${report.secretId} (${database}: ${login})`;
}

function databasesLine(databases: DemoDatabases): string {
  const used = databases.databases.map((d) => `${d.label} at ${d.where}`).join(', ');
  const skipped = databases.skipped.map((s) => `${s.label} (${s.reason})`).join('; ');
  return `databases: ${used}${skipped ? `; not used: ${skipped}` : ''}`;
}

function emergencyLine(emergency: DemoEmergency): string {
  const report = emergency.report;
  const steps = report.secrets[0]?.steps.map((s) => `${s.step} ${s.outcome}`).join(', ');
  const review = report.secrets[0]?.accessReview;
  const checks = `; the leaked credential is ${emergency.leakedRefused ? 'refused' : 'STILL ACCEPTED'} by the database, the new one ${emergency.freshAccepted ? 'logs in' : 'is REFUSED'}`;
  const reads = review ? `; the access review lists ${review.reads} read(s) by ${review.principals.length} principal(s)` : '';
  return `emergency rotation of ${emergency.secretId}: ${report.ok ? 'ok' : 'FAILED'} (${steps})${checks}${reads}`;
}

function databasesJson(databases: DemoDatabases) {
  return {
    used: databases.databases.map((d) => ({ label: d.label, where: d.where, secrets: d.secretNames })),
    skipped: databases.skipped,
    seeded: databases.seeded,
  };
}
