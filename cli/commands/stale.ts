import { Option, type Command } from 'commander';
import { InvalidRequestError } from '../../shared/errors';
import { STATUSES, type SecretAssessment, type SecretStatus } from '../../shared/staleness/assess';
import { InventoryTally, NO_TENANT } from '../../shared/staleness/figures';
import { runHygiene, type HygieneIssue } from '../../shared/staleness/hygiene';
import { SECRET_TYPES } from '../../shared/staleness/secret-type';
import { outputFor, type Output } from '../output';
import { loadInventory, parseAsOf, type InventoryOptions, type LoadedInventory } from '../staleness-inventory';
import { scopeLabel } from '../../shared/accounts';
import { SECRET_VERSION_QUOTA, type VersionCount } from '../../shared/staleness/version-watch';
import { ExitCode } from '../exit-codes';

interface StaleOptions extends InventoryOptions {
  status?: string;
  tenant?: string;
  type?: string;
  hygiene?: boolean;
}

/**
 * `keywarden stale`: every secret's status against its rotation policy, as a table (most urgent
 * first) or, with --json, one line per secret. `--as-of DATE` assesses as of a future date: the
 * forecast of what will be stale by then. `--hygiene` also reads values (opt-in) and names
 * secrets holding placeholders or weak values, never the values.
 */
export function registerStaleCommand(program: Command): void {
  program
    .command('stale')
    .description('list every secret with its staleness status (ok, due-soon, stale, unused, schedule-policy, rotation-disabled, rotation-failing)')
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--as-of <date>', 'assess as of this date (YYYY-MM-DD, end of day UTC) or date-time: which secrets will be stale by then')
    .option('--policies <file>', 'policy overrides as JSON (default: $KEYWARDEN_STALENESS_POLICIES)')
    .option('--status <statuses>', `only these statuses, comma-separated (${STATUSES.join(', ')})`)
    .option('--tenant <tenant>', `only this tenant (${NO_TENANT} for secrets owned by none)`)
    .addOption(new Option('--type <type>', 'only this type').choices([...SECRET_TYPES]))
    .option('--hygiene', 'also read each listed value and flag placeholders and weak values (reads values!)')
    .addHelpText(
      'after',
      '\nExamples:\n  keywarden stale --local\n  keywarden stale --as-of 2025-12-31 --status stale --json\n\nWith KEYWARDEN_ACCOUNTS every configured account and region is listed (ACCOUNT and REGION columns);\none that cannot be read is reported (UNREACHABLE) and the others still listed.\n\nExit codes: 0 listed, 1 failure (an AWS call, or an account/region unreachable), 2 bad usage.',
    )
    .action(async (options: StaleOptions, command: Command) => {
      const out = outputFor(command);
      const statuses = parseStatuses(options.status);
      const asOf = options.asOf ? parseAsOf(options.asOf) : undefined;
      const inventory = await loadInventory(options);
      const now = new Date();
      const current = inventory.assess(now);
      const forecast = asOf ? inventory.assess(asOf) : current;
      const rows = forecast
        .map((assessment, i) => ({ assessment, now: current[i]! }))
        .filter(({ assessment: a }) => (!statuses || statuses.has(a.status)) && (!options.tenant || (a.tenant ?? NO_TENANT) === options.tenant) && (!options.type || a.type === options.type))
        .sort((x, y) => STATUSES.indexOf(x.assessment.status) - STATUSES.indexOf(y.assessment.status) || y.assessment.ageDays / y.assessment.policy.maxAgeDays - x.assessment.ageDays / x.assessment.policy.maxAgeDays);
      const hygiene = options.hygiene ? await checkHygiene(rows.map((r) => r.assessment), inventory.values, out) : undefined;
      printRows(out, rows, { asOf, hygiene, inventory });
      printScopes(out, inventory);
      printSummary(out, forecast, current, asOf, inventory);
      // Every other account and region is listed; the exit code says the picture is partial.
      if (inventory.unreachable.length > 0) process.exitCode = ExitCode.Failure;
    });
}

/** Replicas whose primary's region was not listed, and the account/regions that could not be read. */
function printScopes(out: Output, inventory: LoadedInventory): void {
  for (const r of inventory.orphanReplicas) {
    const record = { kind: 'replica', name: r.name, account: r.accountId ?? null, region: r.region ?? null, arn: r.arn, primaryRegion: r.primaryRegion, primaryArn: r.primaryArn };
    out.result(`replica   ${r.name} in ${scopeLabel({ accountId: r.accountId ?? '', region: r.region ?? '' })}: rotated through its primary in ${r.primaryRegion} (not listed here)`, record);
  }
  for (const { scope, failure } of inventory.unreachable) {
    const record = { unreachable: true, account: scope.accountId || null, region: scope.region, step: failure.step, code: failure.code };
    out.result(`UNREACHABLE ${scopeLabel(scope)}: ${failure.step} failed (${failure.code}); its secrets are not in this list`, record);
  }
}

type Row = { assessment: SecretAssessment; now: SecretAssessment };

function printRows(out: Output, rows: Row[], context: { asOf?: Date; hygiene?: Map<string, HygieneIssue[]>; inventory: LoadedInventory }): void {
  const { asOf, hygiene, inventory } = context;
  if (out.json) {
    for (const { assessment: a, now } of rows) {
      const record: Record<string, unknown> = {
        kind: a.kind,
        name: a.name,
        status: a.status,
        conditions: a.conditions,
        tenant: a.tenant ?? null,
        type: a.type,
        typeSource: a.typeSource,
        ageDays: round1(a.ageDays),
        maxAgeDays: a.policy.maxAgeDays,
        policySource: a.policy.source,
        staleAt: a.staleAt ?? null,
        unreadDays: round1(a.unreadDays),
        lastAccessedDate: a.lastAccessedDate ?? null,
        rotationEnabled: a.rotationEnabled,
        nextRotationDate: a.nextRotationDate ?? null,
        arn: a.arn,
        account: a.accountId ?? null,
        region: a.region ?? null,
        replicas: (a.replicas ?? []).map((r) => ({ region: r.region, arn: r.arn ?? null })),
      };
      const versions = inventory.versions.get(a.arn);
      if (versions) record.versions = versions.more ? `${versions.versions}+` : versions.versions;
      if (a.rotationFailure) record.rotationFailure = a.rotationFailure;
      if (a.rotationSchedule) Object.assign(record, { rotationSchedule: a.rotationSchedule, rotationWindow: a.rotationWindow ?? null });
      if (a.schedulePolicy) record.schedulePolicy = a.schedulePolicy;
      if (a.policy.problem) record.policyProblem = a.policy.problem;
      if (asOf) Object.assign(record, { asOf: asOf.toISOString(), statusNow: now.status, becomesStale: a.conditions.includes('stale') && !now.conditions.includes('stale') });
      if (hygiene?.has(a.arn)) record.hygiene = hygiene.get(a.arn);
      out.result('', record);
    }
    return;
  }
  const where = inventory.multiAccount;
  const header = ['STATUS', 'SECRET', ...(where ? ['ACCOUNT', 'REGION'] : []), 'KIND', 'TENANT', 'TYPE', 'AGE', 'MAX', ...(asOf ? ['NOW'] : []), 'NOTES'];
  const table = rows.map(({ assessment: a, now }) => [
    a.status,
    a.name,
    ...(where ? [a.accountId ?? '', a.region ?? ''] : []),
    a.kind,
    a.tenant ?? NO_TENANT,
    a.type,
    `${Math.floor(a.ageDays)}d`,
    `${a.policy.maxAgeDays}d`,
    ...(asOf ? [now.status] : []),
    notes(a, hygiene?.get(a.arn), inventory.versions.get(a.arn)),
  ]);
  const widths = header.map((h, i) => Math.min(i === 1 ? 70 : 40, Math.max(h.length, ...table.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  out.result([line(header), ...table.map(line)]);
}

function notes(a: SecretAssessment, issues: HygieneIssue[] | undefined, versions: VersionCount | undefined): string {
  const parts = a.conditions.filter((c) => c !== a.status).map((c) => `also ${c}`);
  if (a.replicas?.length) parts.push(`replicas: ${a.replicas.map((r) => r.region).join(', ')}`);
  if (versions) parts.push(`${versions.more ? 'at least ' : ''}${versions.versions} of ${SECRET_VERSION_QUOTA} versions`);
  if (a.rotationFailure) parts.push(a.rotationFailure);
  if (a.schedulePolicy) parts.push(a.schedulePolicy);
  if (a.rotationSchedule && a.nextRotationDate) parts.push(`next window ${a.nextRotationDate}`);
  if (a.conditions.includes('unused')) parts.push(a.lastAccessedDate ? `last read ${a.lastAccessedDate.slice(0, 10)}` : 'never read');
  if (a.policy.problem) parts.push(a.policy.problem);
  if (issues && issues.length > 0) parts.push(`weak value: ${issues.map((i) => `${i.field} ${i.reason}`).join('; ')}`);
  return parts.join('; ');
}

function printSummary(out: Output, forecast: SecretAssessment[], current: SecretAssessment[], asOf: Date | undefined, inventory: LoadedInventory): void {
  const { listCalls } = inventory;
  const tally = new InventoryTally();
  for (const a of forecast) tally.add(a);
  const f = tally.overall.figures();
  const becoming = asOf ? forecast.filter((a, i) => a.conditions.includes('stale') && !current[i]!.conditions.includes('stale')).length : 0;
  const when = asOf ? ` as of ${asOf.toISOString()}` : '';
  out.progress(
    `${f.secrets} secrets${when} (${listCalls} list calls: ListSecrets and DescribeParameters): ${f.stale} stale, ${f.dueSoon} due soon, ${f.unused} unused, ${f.rotationDisabled} rotation disabled, ${f.rotationFailing} rotation failing; compliance ${f.complianceScore.toFixed(1)}%` +
      (asOf ? `; ${becoming} more will be stale by then` : ''),
  );
  if (inventory.multiAccount || inventory.replicas.length > 0 || inventory.versionCalls > 0) {
    out.progress(
      `${inventory.scopes - inventory.unreachable.length} of ${inventory.scopes} account-regions read; ${inventory.replicas.length} replicas shown under their primaries; ` +
        `${inventory.versionCalls} ListSecretVersionIds calls (secrets changed within 24 hours)`,
    );
  }
}

async function checkHygiene(assessments: SecretAssessment[], values: Parameters<typeof runHygiene>[1], out: Output): Promise<Map<string, HygieneIssue[]>> {
  out.progress(`reading ${assessments.length} value(s) for the hygiene check`);
  const results = await runHygiene(assessments, values);
  const skipped = results.filter((r) => r.outcome === 'skipped');
  for (const r of skipped) out.debug(`hygiene skipped ${r.name}: ${r.skippedBecause}`);
  if (skipped.length) out.progress(`hygiene: ${skipped.length} secret(s) could not be read (--verbose lists them)`);
  return new Map(results.filter((r) => r.outcome === 'checked').map((r) => [r.arn, r.issues]));
}

function parseStatuses(value: string | undefined): Set<SecretStatus> | undefined {
  if (!value) return undefined;
  const wanted = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((s) => !(STATUSES as readonly string[]).includes(s));
  if (unknown.length) throw new InvalidRequestError(`--status: unknown status ${unknown.map((s) => `"${s.slice(0, 30)}"`).join(', ')}; known: ${STATUSES.join(', ')}`);
  return new Set(wanted as SecretStatus[]);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
