import type { Command } from 'commander';
import { dynamoDb, secretsManager } from '../../shared/aws/clients';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { SecretsManagerStore } from '../../shared/aws/secrets-manager-store';
import { auditSettingsFromEnv } from '../../shared/audit/settings';
import { systemClock } from '../../shared/clock';
import type { ConsumerFreshness } from '../../shared/consumers/freshness';
import { consumerSettingsFromEnv } from '../../shared/consumers/settings';
import { consumerReport, type ConsumerReport } from '../../shared/consumers/view';
import { singleLine } from '../../shared/display-text';
import { InvalidRequestError } from '../../shared/errors';
import { outputFor } from '../output';
import { resolveTarget } from '../target';
import { resolveStage, STAGE_OPTION_HELP } from '../stage';

interface ConsumersOptions {
  local?: boolean;
  stage?: string;
  days?: number;
}

/**
 * `keywarden consumers <secret>`: who reads a secret (principal, session issuer, client family,
 * usual interval, last read) and, since its current version became AWSCURRENT, who has read it
 * again and who still holds the previous value. One line per consumer, or JSON lines with --json.
 */
export function registerConsumersCommand(program: Command): void {
  program
    .command('consumers <secret>')
    .description('who reads a secret, how often, and who has not read it since it last rotated')
    .option('--days <n>', 'days of reads before the change (default KEYWARDEN_CONSUMERS_WINDOW_DAYS, 7)', parseDays)
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--stage <stage>', `whose audit table: ${STAGE_OPTION_HELP}`)
    .addHelpText('after', '\nStates: refreshed (read the current version), waiting (within its own interval times the multiple), behind (past it: still holds the previous value), inactive (had stopped reading before the change).\nExample:\n  keywarden consumers multitenant-ai-poc/tenant-1/database-password --local --json')
    .action(async (secret: string, options: ConsumersOptions, command: Command) => {
      const out = outputFor(command);
      const target = await resolveTarget(options);
      const stage = resolveStage(options.stage, target);
      const audit = auditSettingsFromEnv({ ...process.env, KEYWARDEN_STAGE: stage });
      const settings = consumerSettingsFromEnv();
      const metadata = await new SecretsManagerStore(secretsManager()).describe(secret);
      const report = await consumerReport(new DynamoDbAuditStore(dynamoDb(), audit.auditTable, audit.retentionDays), metadata, systemClock.now(), options.days ?? settings.windowDays, settings);
      out.progress(summary(report));
      for (const entry of report.consumers) out.result(describe(entry), { ...entry.consumer, state: entry.state, graceSeconds: entry.graceSeconds });
    });
}

function summary(report: ConsumerReport): string {
  const since = report.currentSince ? `current version ${report.currentVersionId ?? '?'} since ${report.currentSince.at} (from the ${report.currentSince.source})` : 'no time known for the current version';
  const counts = report.counts ? `; ${report.counts.refreshed} refreshed, ${report.counts.waiting} waiting, ${report.counts.behind} behind` : '';
  const cut = report.truncated ? '; the window held more reads than one query reads: the oldest were not seen' : '';
  const omitted = report.omitted > 0 ? `; ${report.omitted} more consumer(s) not listed` : '';
  return `${report.consumers.length} consumer(s) of ${report.secret} read from ${report.since} to ${report.until} (${report.queries} audit query/queries); ${since}${counts}${omitted}${cut}`;
}

function describe(entry: ConsumerFreshness): string {
  const c = entry.consumer;
  const interval = c.intervalSeconds === undefined ? 'once' : `every ${duration(c.intervalSeconds)}`;
  const issuer = c.sessionIssuer && c.sessionIssuer !== c.key ? ` via ${c.sessionIssuer}` : '';
  return singleLine(`${entry.state.padEnd(9)} ${c.key}${issuer} (${c.type}; ${c.families.join(', ') || 'none'}) ${c.reads} read(s), ${interval}, last ${c.lastRead}${c.tenant ? `, tenant ${c.tenant}` : ''}`);
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 30) throw new InvalidRequestError(`--days takes 1 to 30, not "${value}"`);
  return n;
}
