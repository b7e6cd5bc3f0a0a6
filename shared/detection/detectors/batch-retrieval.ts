import type { AuditRecord } from '../../audit/record';
import type { PrincipalDetector, WindowMeasure } from '../detector';
import { batchPatternOf } from '../batch-patterns';
import { sample } from '../findings';
import { activityEvidence, secretNames } from './common';

const isBatch = (record: AuditRecord) => record.eventName === 'BatchGetSecretValue';
const NONE: readonly string[] = [];

const filteredCalls: WindowMeasure = {
  tag: 'b',
  values: (record) => (isBatch(record) && record.filters !== undefined ? [record.eventId] : NONE),
};

const regions: WindowMeasure = {
  tag: 'g',
  values: (record) => (isBatch(record) ? [record.region] : NONE),
};

/**
 * Why a BatchGetSecretValue filter set retrieves secrets its caller does not name, or undefined
 * when it narrows by name. Filters select by attributes any secret may carry: `all` matches every
 * field, a `!` value matches everything but one thing, and tag, description, region and owning
 * service filters pick up whatever carries them, whoever owns it.
 */
export function catchAllReason(filters: ReadonlyArray<{ key: string; values: readonly string[] }>): string | undefined {
  if (filters.length === 0) return 'no filters';
  for (const filter of filters) {
    if (filter.key === 'all') return 'an "all" filter';
    if (filter.values.length === 0 || filter.values.some((v) => v === '' || v === '*')) return `an empty ${filter.key} filter`;
    if (filter.values.some((v) => v.startsWith('!'))) return `a negated ${filter.key} filter`;
  }
  const name = filters.find((f) => f.key === 'name');
  if (!name) return `no name filter (only ${[...new Set(filters.map((f) => f.key))].join(', ')})`;
  if (name.values.some((v) => v.length < 3)) return 'a name prefix shorter than 3 characters';
  return undefined;
}

/** How many times the most asked pattern was asked among `calls`. */
function mostRepeated(calls: readonly AuditRecord[]): number {
  const counts = new Map<string, number>();
  let most = 0;
  for (const call of calls) {
    const pattern = batchPatternOf(call);
    const n = (counts.get(pattern) ?? 0) + 1;
    counts.set(pattern, n);
    if (n > most) most = n;
  }
  return most;
}

/**
 * BatchGetSecretValue used to pull secrets by query rather than by name: catch-all filters,
 * repeated filtered calls, or calls across many regions (Stratus Red Team's
 * secretsmanager-batch-retrieve-secrets). One call can return up to 20 values per page.
 *
 * Automation asks the same question on a schedule (External Secrets Operator reads by tag every
 * hour): a pattern (batch-patterns.ts) a principal made in KEYWARDEN_AUTOMATION_REPEATS distinct
 * hours is its own baseline and raises nothing; a new pattern still does. During the learning
 * period a lone catch-all call is learned silently and only bursts (many calls or regions in a
 * window) raise it; a new catch-all pattern after learning raises it once per principal and pattern.
 */
export const batchRetrieval: PrincipalDetector = {
  kind: 'principal',
  name: 'batch-retrieval',
  needs: ['habits'],
  title: 'Batch retrieval of secrets by query',
  severity: 'high',
  description:
    'A principal called BatchGetSecretValue with catch-all filters (no name filter, an "all" or negated filter, or a very short name prefix), made at least KEYWARDEN_BATCH_CALLS_THRESHOLD filtered calls, or called it in at least KEYWARDEN_BATCH_REGIONS_THRESHOLD regions, within two burst windows. Filters return every secret the caller may read that matches, named or not: a quick way to empty an account. A call pattern the principal repeated in KEYWARDEN_AUTOMATION_REPEATS distinct hours is its baseline and raises nothing; during the learning period (and a named automation role\'s own first KEYWARDEN_LEARNING_DAYS) only bursts raise it.',
  runbook:
    'Check whether the principal is an application that is meant to load its secrets by filter (External Secrets Operator, an agent: its code, its owner). If so, nothing to do: once it repeats the pattern it is its own baseline; name long-lived automation in KEYWARDEN_AUTOMATION_ROLES so a new deployment learns quietly. If not, treat its credentials as stolen: disable the access key or revoke the role sessions, then list what it could read (`keywarden audit query --principal <arn> --since 24h`; the per-secret GetSecretValue records that follow a batch call name each secret) and rotate those secrets. Scope its IAM policy to named secrets and deny secretsmanager:BatchGetSecretValue where it is not needed.',
  measures: [filteredCalls, regions],
  evaluate(activity, config) {
    const habits = activity.habits;
    const calls = activity.records.filter((r) => isBatch(r) && !habits?.isEstablished(batchPatternOf(r)));
    if (calls.length === 0) return undefined;
    if (habits && calls.every((r) => habits.inOwnLearning(r))) return undefined;
    const catchAll = calls.flatMap((r) => {
      const reason = r.filters ? catchAllReason(r.filters) : undefined;
      return reason ? [{ record: r, reason }] : [];
    });
    const filtered = activity.measures.b ?? 0;
    const regionCount = activity.measures.g ?? 0;
    const burst = filtered >= config.batchFilterCalls || regionCount >= config.batchRegions;
    // Learning: lone calls, and one call per store of an operator with many, are a schedule in the
    // making; only the same question asked again and again, or many regions, raise it.
    if (!activity.afterLearning && regionCount < config.batchRegions && mostRepeated(calls) < config.batchFilterCalls) return undefined;
    const reasons: string[] = [];
    if (catchAll.length > 0) reasons.push(`catch-all filters (${catchAll[0]!.reason})`);
    if (filtered >= config.batchFilterCalls) reasons.push(`${filtered} filtered calls`);
    if (regionCount >= config.batchRegions) reasons.push(`${regionCount} regions`);
    if (reasons.length === 0) return undefined;
    const severe = catchAll.length > 0 || regionCount >= config.batchRegions;
    // A lone new pattern is raised once per principal and pattern, not in every hour until it is established.
    const occurrence = burst ? [activity.principal.key, activity.windowStart] : [activity.principal.key, 'pattern', batchPatternOf(catchAll[0]!.record)];
    return {
      title: `Batch retrieval by ${activity.principal.key}: ${reasons.join(', ')}`,
      severity: severe ? 'high' : 'medium',
      record: (catchAll[0]?.record ?? calls.at(-1))!,
      evidence: {
        reasons,
        filteredCalls: filtered,
        callsInBatch: calls.length,
        regionCount,
        filters: sample(calls.flatMap((r) => (r.filters ? [JSON.stringify(r.filters)] : [])), 5).map((f) => JSON.parse(f) as unknown),
        catchAll: catchAll.length > 0,
        secrets: secretNames(calls),
        thresholds: { filteredCalls: config.batchFilterCalls, regions: config.batchRegions, patternRepeats: config.automationRepeats },
        windowMinutes: config.windowMinutes,
        ...activityEvidence(activity, calls),
      },
      dedupParts: [activity.principal.key, activity.windowStart],
      occurrenceParts: occurrence,
    };
  },
};
