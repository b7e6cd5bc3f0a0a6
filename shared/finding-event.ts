import { createHash } from 'node:crypto';

/**
 * The parts of the finding contract that producers need at run time without the schema: the
 * event's source and detail-type on the keywarden bus, and how dedup keys are made. Kept apart
 * from `finding.ts` (which `finding.ts` re-exports) because the schema brings zod, about 60 KB,
 * into a bundle that only publishes (the rotate function publishes its refusals).
 */

/** EventBridge `source` and `detail-type` of a finding on the keywarden bus. */
export const FINDING_EVENT_SOURCE = 'keywarden';
export const FINDING_DETAIL_TYPE = 'keywarden.finding';

/**
 * A dedup key from the parts that make two findings the same problem, e.g.
 * `dedupKeyOf('audit.secret-harvesting', principalArn)`. Hashed, so it is short and stable.
 */
export function dedupKeyOf(ruleId: string, ...parts: Array<string | undefined>): string {
  const digest = createHash('sha256').update(parts.map((p) => p ?? '').join('\u0000')).digest('hex').slice(0, 24);
  return `${ruleId}:${digest}`;
}
