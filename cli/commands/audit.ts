import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Finding, FindingPublisher } from '../../shared/finding';
import { dynamoDb, eventBridge } from '../../shared/aws/clients';
import { DynamoDbAuditStore } from '../../shared/aws/dynamodb-audit-store';
import { DynamoDbDetectorState } from '../../shared/aws/dynamodb-detector-state';
import { EventBridgeFindingPublisher } from '../../shared/aws/eventbridge-finding-publisher';
import { MemoryAuditStore } from '../../shared/audit/memory-store';
import { processAuditBatch, type AuditMessage, type AuditPipelineDeps, type RejectedMessage } from '../../shared/detection/process-audit-batch';
import { buildAuditQuery, queryAuditTrail, type AuditQueryRequest } from '../../shared/audit/query';
import type { AuditRecord } from '../../shared/audit/record';
import { auditSettingsFromEnv, auditSettingsSchema, type AuditSettings } from '../../shared/audit/settings';
import { readSettings } from '../../shared/settings/read';
import type { AuditStore } from '../../shared/audit/store';
import { recordsFromFile } from '../../shared/audit/trail-files';
import { systemClock } from '../../shared/clock';
import { detectionConfigFromEnv } from '../../shared/detection/config';
import { detectors } from '../../shared/detection/detectors';
import { MemoryDetectorState } from '../../shared/detection/memory-state';
import { InvalidRequestError } from '../../shared/errors';
import { ExitCode } from '../exit-codes';
import { outputFor, type Output } from '../output';
import { resolveTarget, type Target } from '../target';
import { resolveStage, STAGE_OPTION_HELP } from '../stage';

interface TargetOptions {
  local?: boolean;
  stage?: string;
}

/** The query's flags are the audit query request itself (shared/audit/query.ts), with a limit always set. */
interface QueryOptions extends TargetOptions, AuditQueryRequest {
  limit: number;
}

interface ReplayOptions extends TargetOptions {
  memory?: boolean;
  batchSize: number;
}

/** The audit function's SQS batch size: replay feeds the pipeline the same way. */
const DEFAULT_BATCH = 1000;

/**
 * `keywarden audit query` and `keywarden audit replay`: on-call's questions to the audit trail,
 * and CloudTrail files run through the same pipeline as the audit function (store, detect,
 * publish), against AWS, the local AWS (`--local` or AWS_ENDPOINT_URL), or memory (`--memory`).
 */
export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description('the audit trail of Secrets Manager calls, and anomaly detection over it')
    .addHelpText('after', '\nExit codes: 0 ok, 1 failure (AWS), 2 bad usage, or records that failed for good (counted in the summary; the rest were processed), 3 local AWS not running.');

  audit
    .command('query')
    .description('who touched a secret, what a principal did, what happened in a tenant')
    .option('--secret <name>', 'a secret name or ARN')
    .option('--principal <arn>', 'a role or user ARN (a role session ARN is reduced to its role)')
    .option('--tenant <tenant>', 'a tenant, as secret names carry it')
    .option('--account <id>', "with --secret or --tenant: a member account's (omit for the deployment's own account)")
    .option('--since <when>', 'how far back: 7d, 12h, 30m, 2w, or an ISO time', '7d')
    .option('--until <when>', 'up to when (same forms); default now')
    .option('--limit <n>', 'at most this many records, newest first', parseCount, 100)
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--stage <stage>', `whose audit table: ${STAGE_OPTION_HELP}`)
    .addHelpText('after', '\nExamples:\n  keywarden audit query --secret multitenant-ai-poc/tenant-1/database-password --since 7d\n  keywarden audit query --principal arn:aws:iam::123456789012:role/app-role --since 24h --json')
    .action(async (options: QueryOptions, command: Command) => {
      const out = outputFor(command);
      const query = buildAuditQuery(options, systemClock);
      const target = await resolveTarget(options);
      const settings = settingsFor(target, options.stage);
      const store = new DynamoDbAuditStore(dynamoDb(), settings.auditTable, settings.retentionDays);
      const records = await queryAuditTrail(store, query);
      out.progress(`${records.length} record(s) for ${query.by} ${query.value} from ${query.since} to ${query.until} in ${settings.auditTable}`);
      for (const record of records) out.result(describeRecord(record), { ...record });
    });

  audit
    .command('replay <files...>')
    .description('run CloudTrail files through the audit pipeline (store, detect, publish) and print the findings')
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--memory', 'keep the audit trail and detector state in memory and publish nothing: no AWS at all')
    .option('--stage <stage>', `whose tables and bus: ${STAGE_OPTION_HELP}`)
    .option('--batch-size <n>', 'records per batch, as the audit queue delivers them', parseCount, DEFAULT_BATCH)
    .addHelpText(
      'after',
      '\nFiles: a JSON array, NDJSON, a CloudTrail log file {"Records": [...]} (gzipped or not), raw records or EventBridge events.\n' +
        'Examples:\n  keywarden audit replay --memory trail.json\n  keywarden audit replay --local --json ../shared/datasets/stratus-red-team/*.json',
    )
    .action(async (files: string[], options: ReplayOptions, command: Command) => {
      const out = outputFor(command);
      const messages = files.flatMap((file) => readMessages(file));
      const { deps, where } = await replayPipeline(options, out);
      out.progress(`replaying ${messages.length} record(s) from ${files.length} file(s) through the audit pipeline (${where})`);
      const totals = { stored: 0, duplicates: 0, skipped: 0, failed: 0, findings: 0 };
      for (let start = 0; start < messages.length; start += options.batchSize) {
        const result = await processAuditBatch(messages.slice(start, start + options.batchSize), deps);
        if (result.error) throw result.error;
        totals.stored += result.stored;
        totals.duplicates += result.duplicates;
        totals.skipped += result.skipped;
        totals.failed += result.rejected.length;
        totals.findings += result.findings.length;
        for (const finding of result.findings) out.result(describeFinding(finding), { ...finding });
      }
      out.progress(
        `stored ${totals.stored}, already stored ${totals.duplicates}, not Secrets Manager ${totals.skipped}; ${totals.failed} record(s) failed (each listed above with its reason; the rest were processed); ${totals.findings} finding(s)`,
      );
      if (totals.failed > 0) process.exitCode = ExitCode.Usage;
    });
}

function readMessages(file: string): AuditMessage[] {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (error) {
    throw new InvalidRequestError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let values: unknown[];
  try {
    values = recordsFromFile(content);
  } catch (error) {
    throw new InvalidRequestError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  return values.map((body, i) => ({ id: `${file}#${i + 1}`, body }));
}

async function replayPipeline(options: ReplayOptions, out: Output): Promise<{ deps: AuditPipelineDeps; where: string }> {
  const deadLetters = { send: async (rejected: readonly RejectedMessage[]) => reportUnreadable(rejected, out) };
  if (options.memory) {
    if (options.local) throw new InvalidRequestError('--memory and --local exclude each other');
    const publisher: FindingPublisher = { publish: async () => undefined };
    const config = detectionConfigFromEnv({ ...process.env, KEYWARDEN_STAGE: options.stage ?? process.env.KEYWARDEN_STAGE });
    const state = new MemoryDetectorState();
    const { accountId, memberAccounts } = readSettings({ accountId: auditSettingsSchema.accountId, memberAccounts: auditSettingsSchema.memberAccounts });
    const accounts = { home: accountId, members: memberAccounts };
    return { deps: { store: new MemoryAuditStore(state), state, publisher, deadLetters, config, detectors, clock: systemClock, accounts }, where: 'in memory, nothing published' };
  }
  const target = await resolveTarget(options);
  const settings = settingsFor(target, options.stage);
  const store: AuditStore = new DynamoDbAuditStore(dynamoDb(), settings.auditTable, settings.retentionDays, { counterTable: settings.stateTable });
  return {
    deps: {
      store,
      state: new DynamoDbDetectorState(dynamoDb(), settings.stateTable),
      publisher: new EventBridgeFindingPublisher(eventBridge(), settings.findingsBus, settings.ownRegion),
      deadLetters,
      config: detectionConfigFromEnv({ ...process.env, KEYWARDEN_STAGE: settings.stage }),
      detectors,
      clock: systemClock,
      accounts: settings.accounts,
    },
    where: `${target.kind === 'local' ? `local AWS at ${target.endpoint}` : 'AWS'}: ${settings.auditTable}, ${settings.stateTable}, bus ${settings.findingsBus}`,
  };
}

/**
 * Replay has no DLQ: each record that fails for good (unreadable, refused by the audit table, not
 * judged by a detector) is reported with its reason, replay goes on, and the exit code says so.
 */
async function reportUnreadable(rejected: readonly RejectedMessage[], out: Output): Promise<ReadonlySet<string>> {
  for (const message of rejected) out.progress(`failed record ${message.id}: ${message.reason}`);
  return new Set();
}

/**
 * Table and bus names: the stage's (cli/stage.ts), unless a variable names one and no --stage was
 * given. The stage is resolved first: an explicit --stage drops the resource variables from
 * process.env, and the copy must be taken after that.
 */
function settingsFor(target: Target, stage: string | undefined): AuditSettings {
  const resolved = resolveStage(stage, target);
  return auditSettingsFromEnv({ ...process.env, KEYWARDEN_STAGE: resolved });
}

function describeRecord(record: AuditRecord): string {
  const secrets = record.secrets.map((s) => s.name).join(', ') || (record.filters ? `filters ${JSON.stringify(record.filters)}` : '-');
  const version = record.versionStage ?? record.versionId;
  const source = [record.sourceIp && `from ${record.sourceIp}`, record.vpcEndpointId && `via ${record.vpcEndpointId}`].filter(Boolean).join(' ');
  return [record.time, record.accountId ? `[${record.accountId}]` : '', record.eventName, record.principal.key, '->', secrets, version ? `(${version})` : '', source, record.errorCode ? `[${record.errorCode}]` : '']
    .filter(Boolean)
    .join(' ');
}

function describeFinding(finding: Finding): string[] {
  const secrets = (finding.evidence.secrets as string[] | undefined) ?? [];
  const lines = [`[${finding.severity}] ${finding.ruleId}: ${finding.title}`, `  principal: ${finding.principal?.arn ?? '(unknown)'}${finding.tenant ? `  tenant: ${finding.tenant}` : ''}`];
  if (secrets.length > 0) lines.push(`  secrets: ${secrets.join(', ')}`);
  const { secrets: _secrets, principalKey: _key, ...evidence } = finding.evidence;
  lines.push(`  evidence: ${JSON.stringify(evidence)}`);
  lines.push(`  dedup key: ${finding.dedupKey}`);
  return lines;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidRequestError(`expected a whole number from 1 to 10000, not "${value}"`);
  return n;
}
