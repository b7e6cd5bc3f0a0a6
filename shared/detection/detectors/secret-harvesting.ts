import type { AuditRecord } from '../../audit/record';
import { batchPatternOf, isBatchCall } from '../batch-patterns';
import type { PrincipalActivity, PrincipalDetector, WindowMeasure } from '../detector';
import { activityEvidence, isValueRead, secretNames } from './common';
import { secretKeyOf } from '../../audit/record';

const NONE: readonly string[] = [];

const secretsRead: WindowMeasure = {
  tag: 'h',
  values: (record) => (!isValueRead(record) ? NONE : record.secrets.length === 1 ? [secretKeyOf(record.secrets[0]!)] : record.secrets.map(secretKeyOf)),
};

/**
 * The reads that are the principal's own schedule: its batch calls whose pattern it made in
 * KEYWARDEN_AUTOMATION_REPEATS distinct hours (batch-patterns.ts; External Secrets Operator's
 * hourly sync by tag), any batch call while the trail is learning, and the per-secret
 * GetSecretValue records CloudTrail writes for what such a call returned (habits.ts).
 */
function scheduledReads(activity: PrincipalActivity): Set<AuditRecord> {
  const habits = activity.habits;
  const routine = new Set<AuditRecord>();
  if (!habits) return routine;
  for (const record of activity.records) {
    if (isBatchCall(record) && (!activity.afterLearning || habits.isEstablished(batchPatternOf(record)))) routine.add(record);
    else if (habits.isScheduledRead(record)) routine.add(record);
  }
  return routine;
}

/**
 * One principal reads the values of many distinct secrets in a short time: the signature of a
 * stolen credential being used to collect everything it can reach (Stratus Red Team's
 * secretsmanager-retrieve-secrets). Applications read the few secrets they need, over and over;
 * automation that syncs many secrets on a schedule is its own baseline (scheduledReads), and a
 * sweep beside that schedule still counts.
 */
export const secretHarvesting: PrincipalDetector = {
  kind: 'principal',
  name: 'secret-harvesting',
  needs: ['habits'],
  title: 'Secret harvesting: one principal read many distinct secrets',
  severity: 'high',
  description:
    'A principal read the values of at least KEYWARDEN_HARVEST_THRESHOLD distinct secrets within two burst windows (KEYWARDEN_BURST_WINDOW_MINUTES each). Applications read the same few secrets repeatedly; a sweep across many is how a stolen credential is turned into every credential it can reach.',
  runbook:
    'Find who holds this principal: for a role, which workload or person assumed it (the session names and source IPs in the evidence); for a user, whose access key it is. If the sweep is not explained by a deploy or a migration, disable the access key or revoke the role sessions (attach an explicit deny with aws:TokenIssueTime), then rotate every secret it read (`keywarden emergency` per secret) and review what those credentials could reach. Run `keywarden audit query --principal <arn> --since 24h` for the full list.',
  measures: [secretsRead],
  evaluate(activity, config) {
    // The distinct count below is at most the window's: most principals are far from the threshold,
    // and are passed over before their records are looked at.
    if ((activity.measures.h ?? 0) < config.harvestDistinctSecrets) return undefined;
    const scheduled = scheduledReads(activity);
    const reads = activity.records.filter((r) => isValueRead(r) && !scheduled.has(r));
    if (reads.length === 0) return undefined;
    // The window's distinct count holds the schedule's secrets too: take off those read only by it.
    const readBesides = new Set(reads.flatMap((r) => r.secrets.map(secretKeyOf)));
    const onlyScheduled = new Set([...scheduled].flatMap((r) => (isValueRead(r) ? r.secrets.map(secretKeyOf) : [])).filter((name) => !readBesides.has(name)));
    const distinct = (activity.measures.h ?? 0) - onlyScheduled.size;
    if (distinct < config.harvestDistinctSecrets) return undefined;
    const names = secretNames(reads);
    return {
      title: `Secret harvesting: ${activity.principal.key} read ${distinct} distinct secrets within ${config.windowMinutes * 2} minutes`,
      record: reads.at(-1)!,
      evidence: {
        distinctSecrets: distinct,
        threshold: config.harvestDistinctSecrets,
        windowMinutes: config.windowMinutes,
        secrets: names,
        readsInBatch: reads.length,
        ...activityEvidence(activity, reads),
      },
      dedupParts: [activity.principal.key, activity.windowStart],
      occurrenceParts: [activity.principal.key, activity.windowStart],
    };
  },
};
