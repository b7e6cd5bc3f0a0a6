import { isDenied } from '../../audit/actions';
import type { PrincipalDetector, WindowMeasure } from '../detector';
import { activityEvidence, secretNames } from './common';

const NONE: readonly string[] = [];

const deniedReads: WindowMeasure = {
  tag: 'd',
  values: (record) => (record.actionClass === 'read' && isDenied(record.errorCode) ? [record.eventId] : NONE),
};

/**
 * A burst of reads refused by IAM or a resource policy: someone probing what a credential can
 * reach, or an application that lost its permissions (an outage in the making). Either way a
 * person should look.
 */
export const deniedReadBurst: PrincipalDetector = {
  kind: 'principal',
  name: 'denied-read-burst',
  title: 'Burst of denied secret reads',
  severity: 'medium',
  description:
    'A principal had at least KEYWARDEN_DENIED_READS_THRESHOLD reads (GetSecretValue, BatchGetSecretValue, DescribeSecret...) denied within two burst windows. Probing with a stolen credential looks like this; so does an application whose role or the secret\'s resource policy changed under it.',
  runbook:
    'Look at the secrets it was denied (evidence) and whether it is an application that used to read them: if its permissions changed by mistake, restore them (its reads will be failing). If the principal has no business with those secrets, treat it as probing: find who holds the credential (session names, source IPs, user agent), disable or revoke it, and check what it was allowed to read in the same period with `keywarden audit query --principal <arn> --since 24h`.',
  measures: [deniedReads],
  evaluate(activity, config) {
    // The window's count first: it is below the threshold for nearly every principal.
    const count = activity.measures.d ?? 0;
    if (count < config.deniedReads) return undefined;
    const denied = activity.records.filter((r) => r.actionClass === 'read' && isDenied(r.errorCode));
    if (denied.length === 0) return undefined;
    return {
      title: `${count} denied secret reads by ${activity.principal.key} within ${config.windowMinutes * 2} minutes`,
      record: denied.at(-1)!,
      evidence: {
        deniedReads: count,
        threshold: config.deniedReads,
        windowMinutes: config.windowMinutes,
        secrets: secretNames(denied),
        errorCodes: [...new Set(denied.map((r) => r.errorCode))],
        eventNames: [...new Set(denied.map((r) => r.eventName))],
        ...activityEvidence(activity, denied),
      },
      dedupParts: [activity.principal.key, activity.windowStart],
      occurrenceParts: [activity.principal.key, activity.windowStart],
    };
  },
};
