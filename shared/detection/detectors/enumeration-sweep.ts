import { secretKeyOf, type AuditRecord } from '../../audit/record';
import type { PrincipalDetector, WindowMeasure } from '../detector';
import { METADATA_READS } from '../habits';
import { activityEvidence, secretNames } from './common';

const NONE: readonly string[] = [];
const isMetadataRead = (record: AuditRecord) => METADATA_READS.has(record.eventName) && !record.errorCode;
const isListSecrets = (record: AuditRecord) => record.eventName === 'ListSecrets';

const described: WindowMeasure = {
  tag: 'm',
  values: (record) => (isMetadataRead(record) ? record.secrets.map(secretKeyOf) : NONE),
};

/**
 * Enumeration: a principal describing many secrets one by one (DescribeSecret, GetResourcePolicy,
 * ListSecretVersionIds) in a window, or calling ListSecrets from code for the first time, when it
 * never did so before. Terraform plans and inventory jobs sweep too, on their own pattern: the
 * principal's largest sweep is its baseline, and only a sweep well beyond it (KEYWARDEN_SWEEP_GROWTH
 * times) raises it again.
 */
export const enumerationSweep: PrincipalDetector = {
  kind: 'principal',
  name: 'enumeration-sweep',
  needs: ['habits'],
  title: 'Enumeration sweep of secrets',
  severity: 'medium',
  description:
    'After the learning period, a principal described at least KEYWARDEN_SWEEP_THRESHOLD distinct secrets within two burst windows without ever having swept before (or swept KEYWARDEN_SWEEP_GROWTH times more than its largest sweep), or made its first programmatic ListSecrets call ever. Mapping what exists is the step before reading it. Principals named in KEYWARDEN_AUTOMATION_ROLES are learned silently in their own first KEYWARDEN_LEARNING_DAYS; console sessions listing secrets are people browsing and do not count.',
  runbook:
    'Ask the principal\'s owner whether it runs an inventory, a Terraform plan over many secrets, or a new tool. If yes, nothing to do: its sweep is now its baseline (name long-lived automation in KEYWARDEN_AUTOMATION_ROLES). If not, the principal is mapping the account: look for reads that follow (`keywarden audit query --principal <arn> --since 24h`), disable its credentials, and rotate what it read.',
  measures: [described],
  evaluate(activity, config) {
    const habits = activity.habits;
    if (!habits || !activity.afterLearning) return undefined;
    const sweep = activity.measures.m ?? 0;
    // Neither a sweep nor a ListSecrets: nothing to look at record by record (most principals, most windows).
    if (sweep < config.sweepSecrets && !activity.records.some(isListSecrets)) return undefined;
    const records = activity.records.filter((r) => !habits.inOwnLearning(r));
    const firstList = records.find((r) => isListSecrets(r) && habits.isFirstOfItsKind(r));
    const largest = habits.largestSweep;
    const sweeping = records.some(isMetadataRead) && sweep >= config.sweepSecrets && (largest === undefined || sweep >= largest * config.sweepGrowth);
    if (!sweeping && !firstList) return undefined;
    const reasons: string[] = [];
    if (sweeping) reasons.push(largest === undefined ? `${sweep} secrets described, never swept before` : `${sweep} secrets described, its largest sweep was ${largest}`);
    if (firstList) reasons.push('first ListSecrets from code');
    const calls = records.filter((r) => isMetadataRead(r) || r.eventName === 'ListSecrets');
    return {
      title: `Enumeration by ${activity.principal.key}: ${reasons.join(', ')}`,
      record: (firstList ?? calls.at(-1))!,
      evidence: {
        reasons,
        distinctSecretsDescribed: sweep,
        largestEarlierSweep: largest,
        secrets: secretNames(calls),
        thresholds: { secrets: config.sweepSecrets, growth: config.sweepGrowth },
        windowMinutes: config.windowMinutes,
        ...activityEvidence(activity, calls),
      },
      dedupParts: [activity.principal.key],
      occurrenceParts: [activity.principal.key, activity.windowStart],
    };
  },
};
