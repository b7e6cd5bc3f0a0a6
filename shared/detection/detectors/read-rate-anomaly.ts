import type { PrincipalDetector } from '../detector';
import { activityEvidence, isValueRead, secretNames } from './common';

/**
 * A principal reading secret values far above its own usual rate: a credential reused by
 * something that is not its application, or an application stuck in a loop that will run up
 * the bill and the throttling for everyone.
 */
export const readRateAnomaly: PrincipalDetector = {
  kind: 'principal',
  name: 'read-rate-anomaly',
  title: 'Secret reads far above the principal\'s usual rate',
  severity: 'medium',
  description:
    'A principal\'s value reads in an hour reached KEYWARDEN_RATE_FACTOR times its mean hourly reads over the previous KEYWARDEN_RATE_BASELINE_HOURS hours, and at least KEYWARDEN_RATE_MIN_READS. Only principals first seen at least that many hours ago are judged, so a new application does not fire on its first day.',
  runbook:
    'Compare with the principal\'s deploys and traffic: a new release that stopped caching a secret, or a retry loop, explains most of these (fix the caching: reads cost money and are throttled per account). If nothing explains it, find where the reads come from (source IPs, user agents, sessions in the evidence) and treat an unknown source as a stolen credential: revoke it and rotate what it read.',
  measures: [],
  evaluate(activity, config) {
    const { hour } = activity;
    if (hour.added === 0 || !hour.hasHistory || hour.reads < config.rateMinReads) return undefined;
    const limit = Math.max(config.rateMinReads, config.rateFactor * hour.baseline);
    if (hour.reads < limit) return undefined;
    const reads = activity.records.filter(isValueRead);
    const record = reads.at(-1) ?? activity.records.at(-1)!;
    return {
      title: `${activity.principal.key} read secrets ${hour.baseline > 0 ? `${(hour.reads / hour.baseline).toFixed(1)}x` : 'far above'} its usual hourly rate (${hour.reads} this hour)`,
      record,
      evidence: {
        hourStart: hour.start,
        readsThisHour: hour.reads,
        baselinePerHour: Number(hour.baseline.toFixed(2)),
        baselineHours: config.rateBaselineHours,
        factor: config.rateFactor,
        minReads: config.rateMinReads,
        secrets: secretNames(reads),
        ...activityEvidence(activity, reads.length > 0 ? reads : activity.records),
      },
      dedupParts: [activity.principal.key, hour.start],
      occurrenceParts: [activity.principal.key, hour.start],
    };
  },
};
