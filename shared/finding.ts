import { z } from 'zod';
import { InvalidRequestError } from './errors';

export { dedupKeyOf, FINDING_DETAIL_TYPE, FINDING_EVENT_SOURCE } from './finding-event';

/**
 * The one finding type of the whole pipeline. Rotation failures, anomalies from the audit trail,
 * stale secrets and emergency rotations are all findings, so the alert function is the only
 * place that knows about channels. A finding never carries a secret value: evidence holds names,
 * ids, counts, times and addresses.
 */

/** Severities, most urgent first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where a finding came from. */
export const FINDING_SOURCES = ['rotation', 'audit', 'staleness', 'emergency', 'manual'] as const;
export type FindingSource = (typeof FINDING_SOURCES)[number];

const principalSchema = z
  .object({
    arn: z.string().optional(),
    type: z.string().optional(),
    accessKeyId: z.string().optional(),
    tenant: z.string().optional(),
  })
  .strict();

/** The schema every producer's finding must meet, and every consumer checks. */
export const findingSchema = z
  .object({
    /** Unique for this occurrence; a redelivery of the same occurrence keeps it. */
    id: z.string().min(1).max(200),
    /** The rule that produced it, `<source>.<rule>`, e.g. `audit.secret-harvesting`. */
    ruleId: z.string().regex(/^[a-z]+\.[a-z0-9-]+$/, 'ruleId must look like source.rule-name'),
    title: z.string().min(1).max(300),
    severity: z.enum(SEVERITIES),
    /** `resolved` closes what `open` opened with the same dedup key (a PagerDuty incident). */
    status: z.enum(['open', 'resolved']),
    source: z.enum(FINDING_SOURCES),
    secret: z.object({ name: z.string().optional(), arn: z.string().optional() }).strict().optional(),
    tenant: z.string().optional(),
    /** The AWS account the secret (or the unreachable scope) belongs to. */
    account: z.string().regex(/^\d{12}$/, 'account must be 12 digits').optional(),
    principal: principalSchema.optional(),
    /** Facts behind the finding; never a secret value. */
    evidence: z.record(z.unknown()),
    /** Findings with the same key are one problem: grouped, deduplicated, resolved together. */
    dedupKey: z.string().min(1).max(255),
    /** What on-call should do, in a few sentences. */
    runbook: z.string().min(1),
    /** When the condition was observed (ISO 8601). */
    observedAt: z.string().datetime({ offset: true }),
  })
  .strict();

/** A finding: see {@link findingSchema}. */
export type Finding = z.infer<typeof findingSchema>;

/** Checks an unknown value is a finding; the error lists every field that is wrong. */
export function parseFinding(value: unknown): Finding {
  const parsed = findingSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(finding)'}: ${issue.message}`);
  throw new InvalidRequestError(`not a valid finding: ${problems.join('; ')}`);
}

/** Where producers send findings; the EventBridge adapter puts them on the keywarden bus. */
export interface FindingPublisher {
  publish(findings: readonly Finding[]): Promise<void>;
}
