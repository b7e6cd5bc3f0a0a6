import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { renderHtml } from '../../shared/staleness/render-html';
import { renderMarkdown } from '../../shared/staleness/render-markdown';
import { buildComplianceReport, type ComplianceReport } from '../../shared/staleness/report';
import { outputFor } from '../output';
import { ExitCode } from '../exit-codes';
import { loadInventory, parseAsOf, type InventoryOptions } from '../staleness-inventory';
import { jsonDisplaySafe, terminalSafe } from '../../shared/display-text';

/** Report formats and how each is written. */
const RENDERERS = {
  html: renderHtml,
  md: renderMarkdown,
  json: (report: ComplianceReport) => `${JSON.stringify(report, null, 2)}\n`,
} as const;
type Format = keyof typeof RENDERERS;

interface ReportOptions extends InventoryOptions {
  format: Format;
  out?: string;
  title?: string;
}

/**
 * `keywarden report --format html|md|json --out FILE`: the compliance report of the whole
 * inventory (score, tables by tenant and type, the oldest, stale, unused and failing secrets; in
 * HTML a chart of ages against each policy). The HTML is one self-contained file that loads
 * nothing from anywhere. Metadata only: no value is read.
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the compliance report (html, md or json) of every secret against its rotation policy')
    .addOption(new Option('--format <format>', 'html, md or json').choices(Object.keys(RENDERERS)).default('html'))
    .option('--out <file>', 'write the report here (default: standard output)')
    .option('--local', 'use the running local AWS (keywarden local up)')
    .option('--as-of <date>', 'assess as of this date (YYYY-MM-DD, end of day UTC) or date-time')
    .option('--policies <file>', 'policy overrides as JSON (default: $KEYWARDEN_STALENESS_POLICIES)')
    .option('--title <title>', 'the report title', 'keywarden compliance report')
    .addHelpText('after', '\nExamples:\n  keywarden report --format html --out compliance.html\n  keywarden report --local --format md --as-of 2025-12-31\n\nExit codes: 0 written, 1 failure, 2 bad usage.')
    .action(async (options: ReportOptions, command: Command) => {
      const out = outputFor(command);
      const asOf = options.asOf ? parseAsOf(options.asOf) : new Date();
      const inventory = await loadInventory(options);
      const report = buildComplianceReport(inventory.assess(asOf), {
        asOf,
        source: inventory.source,
        title: options.title,
        unreachable: inventory.unreachable.map(({ scope, failure }) => ({ account: scope.accountId || 'home', region: scope.region, step: failure.step, code: failure.code })),
        replicas: inventory.replicas.length,
        replicasWithoutPrimary: inventory.orphanReplicas.map((r) => ({ name: r.name, account: r.accountId ?? '', region: r.region ?? '', primaryRegion: r.primaryRegion, primaryArn: r.primaryArn })),
      });
      const text = RENDERERS[options.format](report);
      const t = report.totals;
      const unread = report.unreachable.length > 0 ? `; ${report.unreachable.length} account-region(s) NOT READ: ${report.unreachable.map((u) => `${u.account}/${u.region} (${u.code})`).join(', ')}` : '';
      const summary = `${t.secrets} secrets, compliance ${t.complianceScore.toFixed(1)}%: ${t.stale} stale, ${t.unused} unused, ${t.rotationFailing} rotation failing${unread}`;
      // The report is written either way; the exit code says it is partial.
      if (report.unreachable.length > 0) process.exitCode = ExitCode.Failure;
      if (!options.out) {
        // Secret names are chosen by whoever created the secret: nothing printed may drive the terminal.
        process.stdout.write(options.format === 'json' ? jsonDisplaySafe(text) : terminalSafe(text));
        out.progress(summary);
        return;
      }
      writeFileSync(options.out, text);
      out.result(`wrote the ${options.format} report to ${options.out}: ${summary}`, {
        file: options.out,
        format: options.format,
        bytes: Buffer.byteLength(text),
        listCalls: inventory.listCalls,
        asOf: report.asOf,
        totals: t,
      });
    });
}
