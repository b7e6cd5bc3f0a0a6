import type { PrincipalDetector, WindowMeasure } from '../detector';
import { activityEvidence, isValueRead, secretNames } from './common';

const NONE: readonly string[] = [];

const secretsRead: WindowMeasure = {
  tag: 'h',
  values: (record) => (!isValueRead(record) ? NONE : record.secrets.length === 1 ? [record.secrets[0]!.name] : record.secrets.map((s) => s.name)),
};

/**
 * One principal reads the values of many distinct secrets in a short time: the signature of a
 * stolen credential being used to collect everything it can reach (Stratus Red Team's
 * secretsmanager-retrieve-secrets). Applications read the few secrets they need, over and over.
 */
export const secretHarvesting: PrincipalDetector = {
  kind: 'principal',
  name: 'secret-harvesting',
  title: 'Secret harvesting: one principal read many distinct secrets',
  severity: 'high',
  description:
    'A principal read the values of at least KEYWARDEN_HARVEST_THRESHOLD distinct secrets within two burst windows (KEYWARDEN_BURST_WINDOW_MINUTES each). Applications read the same few secrets repeatedly; a sweep across many is how a stolen credential is turned into every credential it can reach.',
  runbook:
    'Find who holds this principal: for a role, which workload or person assumed it (the session names and source IPs in the evidence); for a user, whose access key it is. If the sweep is not explained by a deploy or a migration, disable the access key or revoke the role sessions (attach an explicit deny with aws:TokenIssueTime), then rotate every secret it read (`keywarden emergency` per secret) and review what those credentials could reach. Run `keywarden audit query --principal <arn> --since 24h` for the full list.',
  measures: [secretsRead],
  evaluate(activity, config) {
    const distinct = activity.measures.h ?? 0;
    const reads = activity.records.filter(isValueRead);
    if (distinct < config.harvestDistinctSecrets || reads.length === 0) return undefined;
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
