import type { RecordDetector } from '../detector';
import { recordEvidence } from '../findings';

/**
 * A principal's first BatchGetSecretValue ever, after the learning period. Applications read their
 * few secrets by name; a first batch call from a principal that never made one is a new tool in
 * someone's hands (up to 20 values a call, or every secret a filter matches).
 */
export const firstBatchRead: RecordDetector = {
  kind: 'record',
  name: 'first-batch-read',
  events: ['BatchGetSecretValue'],
  needs: ['habits'],
  title: 'First BatchGetSecretValue by a principal',
  severity: 'medium',
  description:
    'A principal made its first successful BatchGetSecretValue call ever (as far as the detector state remembers, KEYWARDEN_FIRST_READ_MEMORY_DAYS after its last sighting), after the learning period. Principals that called it during learning (External Secrets Operator, the Secrets Manager Agent) are remembered silently.',
  runbook:
    'Ask the principal\'s owner whether it started loading secrets in batches (a new External Secrets Operator store, a new agent). If yes, nothing to do: the principal is remembered. If not, look at what the call asked for (filters or names in the evidence) and at the GetSecretValue records that follow it, which name each secret it got, and treat the credentials as stolen if nobody expects it: disable them and rotate what was read.',
  inspect(record, ctx) {
    if (!ctx.isFirstOfItsKind(record) || !ctx.isAfterLearning(record)) return undefined;
    return {
      title: `First BatchGetSecretValue by ${record.principal.key}`,
      record,
      evidence: { filters: record.filters, ...recordEvidence(record) },
      dedupParts: [record.principal.key],
      occurrenceParts: [record.principal.key, record.eventId],
    };
  },
};
