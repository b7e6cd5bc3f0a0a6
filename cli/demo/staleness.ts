import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupFigures } from '../../shared/staleness/figures';
import type { StalenessScanSummary } from '../../shared/staleness/scan';
import { invokeBundle } from '../bundles';
import { PROJECT_ROOT } from '../local/paths';

/**
 * The local AWS cannot age a secret (moto stamps every version with the time it was made), so
 * the demo's staleness scan looks ahead instead: the scheduled event's `time`, which the staleness
 * function takes as its as-of, is this many days from now. At 170 days the demo's inventory shows
 * every status: API keys (180-day policy, 14 days' warning) due soon, passwords and database
 * credentials (90) stale, JWT signing keys (30) stale twice over (high: paged), the encryption
 * keyring (365) fine by age, and every secret unused (not read for more than 90 days).
 */
export const DEMO_LOOK_AHEAD_DAYS = 170;

/** What the demo's staleness scan found, for the summary and its checks. */
export interface DemoStaleness {
  asOf: string;
  /** The scan's own summary, as the function returned it. */
  scan: StalenessScanSummary;
  /** The report's totals, assessed as of the same date. */
  report: GroupFigures;
}

/** The as-of date of the demo's scan. */
export function demoStalenessAsOf(now: Date): Date {
  return new Date(now.getTime() + DEMO_LOOK_AHEAD_DAYS * 86_400_000);
}

/** Runs the built staleness function on the scheduled event EventBridge would send at `asOf`. */
export async function runDemoStalenessScan(asOf: Date): Promise<StalenessScanSummary> {
  const scheduled = JSON.parse(readFileSync(join(PROJECT_ROOT, 'events', 'staleness-scheduled.json'), 'utf8')) as Record<string, unknown>;
  const event = { ...scheduled, time: asOf.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  return (await invokeBundle('staleness', event, { timeoutMs: 300_000 })) as StalenessScanSummary;
}

/** Slack messages that carry a stale finding (its title: "Secret <name> is N days old; its <type> policy allows M"). */
export function staleFindingMessages(slackMessages: readonly string[]): string[] {
  return slackMessages.filter((text) => / is \d+ days old; its [\w-]+ policy allows \d+/.test(text));
}

/**
 * What the staleness part of the demo promises: stale, due-soon and unused secrets in the scan and
 * in the report, and a stale finding at the Slack stand-in. The scan sends each finding once a
 * day (by its as-of), so a second demo run the same day sends none; then the check is that the
 * earlier run's findings are recorded as sent.
 */
export function brokenStalenessPromises(staleness: DemoStaleness, slackMessages: readonly string[]): string[] {
  const broken: string[] = [];
  const { overall, findings } = staleness.scan;
  for (const [what, count] of [
    ['stale', overall.stale],
    ['due soon', overall.dueSoon],
    ['unused', overall.unused],
  ] as const) {
    if (count < 1) broken.push(`the staleness scan as of ${staleness.asOf} found no ${what} secret`);
  }
  if (staleness.report.stale < 1 || staleness.report.dueSoon < 1 || staleness.report.unused < 1) broken.push('the compliance report does not show stale, due-soon and unused secrets');
  const sentNow = findings.opened + findings.repeated;
  if (sentNow > 0 && staleFindingMessages(slackMessages).length === 0) broken.push('no stale finding reached the Slack stand-in');
  if (sentNow === 0 && findings.alreadySentToday === 0) broken.push('the staleness scan sent no finding and has none on record');
  return broken;
}
