import type { Finding } from '../finding';
import { dedupKeyOf } from '../finding';
import type { AuditStore } from '../audit/store';
import { secretTenant, type TenancyConfig } from '../tenancy';
import { mapBounded } from '../concurrency';
import { AWSCURRENT } from '../secrets-store';
import type { OpenFindingRecord } from './finding-state';
import type { SecretSummary } from './inventory';
import { judgeFreshness } from '../consumers/freshness';
import { UNREFRESHED_RULE, unrefreshedFinding, unrefreshedResolved } from '../consumers/finding';
import { readConsumers } from '../consumers/reader';
import type { ConsumerSettings } from '../consumers/settings';

/**
 * The freshness check the hourly staleness scan runs: for each secret whose version changed
 * within the window (ListSecrets' dates, no extra call) and each secret with an open finding, read
 * its consumers and open `consumers.unrefreshed` naming those behind (once a UTC day while it
 * lasts), or resolve it when they have all read the current version, when the watch of that
 * version ended (the window passed) or when the secret is gone. Its open findings live in the
 * staleness scan's state table under their own rule id.
 */

/** Most secrets one scan checks (the most recently changed first); the rest wait for the next scan. */
export const MAX_CHECKED_PER_SCAN = 500;
const CONCURRENCY = 8;

/** What the check needs. */
export interface ConsumerCheckDeps {
  audit: AuditStore;
  settings: ConsumerSettings;
  tenancy?: TenancyConfig;
}

/** What the check decided: findings to send, state to save and to forget, and its counts. */
export interface ConsumerCheckPlan {
  publish: Finding[];
  save: OpenFindingRecord[];
  remove: string[];
  counts: { checked: number; behind: number; opened: number; resolved: number; queries: number; deferred: number };
}

/** Whether an open-finding record is this check's (the staleness planner must leave it alone). */
export function isConsumerRecord(record: OpenFindingRecord): boolean {
  return record.ruleId === UNREFRESHED_RULE;
}

/** Plans the check over the listed inventory and this check's open records. */
export async function planConsumerCheck(listed: readonly SecretSummary[], open: readonly OpenFindingRecord[], now: Date, deps: ConsumerCheckDeps): Promise<ConsumerCheckPlan> {
  const windowMs = deps.settings.windowDays * 86_400_000;
  const openByArn = new Map(open.map((r) => [r.secretArn, r]));
  const byArn = new Map(listed.filter((s) => s.kind !== 'parameter').map((s) => [s.arn, s]));
  const recent = [...byArn.values()].filter((s) => changedWithin(s, now, windowMs) || openByArn.has(s.arn)).sort((a, b) => changedMs(b) - changedMs(a));
  const checked = recent.slice(0, MAX_CHECKED_PER_SCAN);
  const plan: ConsumerCheckPlan = { publish: [], save: [], remove: [], counts: { checked: checked.length, behind: 0, opened: 0, resolved: 0, queries: 0, deferred: recent.length - checked.length } };
  const outcomes = await mapBounded(checked, CONCURRENCY, (secret) => checkSecret(secret, now, deps));
  const day = now.toISOString().slice(0, 10);
  for (const [i, outcome] of outcomes.entries()) {
    const secret = checked[i]!;
    plan.counts.queries += outcome.queries;
    const record = openByArn.get(secret.arn);
    if (outcome.finding) {
      plan.counts.behind += outcome.behind;
      if (record?.lastPublishedDay === day) continue;
      plan.counts.opened += 1;
      plan.publish.push(outcome.finding);
      plan.save.push(recordOf(outcome.finding, secret, record?.openedAt ?? now.toISOString(), day, now));
    } else if (record) {
      plan.counts.resolved += 1;
      plan.publish.push(unrefreshedResolved(findingSecret(secret, deps), outcome.cleared ?? 'every consumer has read the current version', now));
      plan.remove.push(record.dedupKey);
    }
  }
  for (const record of open) {
    if (byArn.has(record.secretArn)) continue;
    plan.counts.resolved += 1;
    plan.publish.push(unrefreshedResolved({ name: record.secretName, arn: record.secretArn, tenant: record.tenant }, 'the secret is no longer listed', now));
    plan.remove.push(record.dedupKey);
  }
  return plan;
}

interface SecretOutcome {
  queries: number;
  behind: number;
  finding?: Finding;
  /** Why an open finding clears, when it does for another reason than every consumer refreshing. */
  cleared?: string;
}

async function checkSecret(secret: SecretSummary, now: Date, deps: ConsumerCheckDeps): Promise<SecretOutcome> {
  const versionId = Object.entries(secret.versions).find(([, stages]) => stages.includes(AWSCURRENT))?.[0];
  const reading = await readConsumers(deps.audit, { name: secret.name, currentVersionId: versionId, lastRotatedDate: secret.lastRotatedDate, lastChangedDate: secret.lastChangedDate }, now, deps.settings.windowDays);
  const since = reading.currentSince;
  if (!since) return { queries: reading.queries, behind: 0, cleared: 'no time is known for the current version' };
  if (now.getTime() - Date.parse(since.at) > deps.settings.windowDays * 86_400_000) {
    return { queries: reading.queries, behind: 0, cleared: `the current version became AWSCURRENT over ${deps.settings.windowDays} days ago; its watch ended` };
  }
  const view = judgeFreshness(reading.map, since.at, now, deps.settings);
  const behind = view.consumers.filter((c) => c.state === 'behind');
  if (behind.length === 0) return { queries: reading.queries, behind: 0 };
  return { queries: reading.queries, behind: behind.length, finding: unrefreshedFinding(findingSecret(secret, deps), view, behind, versionId, now) };
}

function findingSecret(secret: SecretSummary, deps: ConsumerCheckDeps) {
  return { name: secret.name, arn: secret.arn, tenant: secretTenant(secret.name, deps.tenancy) };
}

function recordOf(finding: Finding, secret: SecretSummary, openedAt: string, day: string, now: Date): OpenFindingRecord {
  const record: OpenFindingRecord = {
    dedupKey: dedupKeyOf(UNREFRESHED_RULE, secret.arn),
    ruleId: UNREFRESHED_RULE,
    severity: finding.severity,
    secretArn: secret.arn,
    secretName: secret.name,
    openedAt,
    lastPublishedDay: day,
    expiresAt: Math.floor(now.getTime() / 1000) + 7 * 86_400,
  };
  if (finding.tenant !== undefined) record.tenant = finding.tenant;
  return record;
}

function changedMs(secret: SecretSummary): number {
  return Math.max(secret.lastRotatedDate?.getTime() ?? 0, secret.lastChangedDate?.getTime() ?? 0);
}

function changedWithin(secret: SecretSummary, now: Date, windowMs: number): boolean {
  const changed = changedMs(secret);
  return changed > 0 && now.getTime() - changed <= windowMs;
}
