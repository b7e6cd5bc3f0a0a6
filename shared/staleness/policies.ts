import { z } from 'zod';
import { ConfigError } from '../errors';
import { SECRET_TYPES, type SecretType } from './secret-type';

/**
 * Rotation policies: how old a secret may get, how early it counts as due soon, and how long it
 * may go unread. Defaults per type follow the promises teams make each other (database passwords
 * within 30 to 90 days: the upper bound, 90, is the default; API keys 180; JWT signing keys 30;
 * encryption keys 365). Overrides, most specific first: the secret's `keywarden:max-age-days`
 * tag, the tenant's policy for the type, the tenant's policy for every type, the policy for the
 * type, the default. Each field is resolved on its own, so a tenant can change only unusedDays.
 * `requireSchedule` and `requireWindow` (default false) make a secret without a cron/rate
 * `ScheduleExpression`, or without an explicit `Duration`, a `schedule-policy` finding.
 */

/** One policy, fully resolved. */
export interface Policy {
  /** Older than this (days since the last rotation or change) is stale. */
  maxAgeDays: number;
  /** Stale within this many days is due soon; at most a third of maxAgeDays (see {@link effectiveWarnDays}). */
  warnDays: number;
  /** Not read for this many days is unused. */
  unusedDays: number;
  /** The secret must rotate on a `ScheduleExpression` (cron or rate), not only every N days. */
  requireSchedule: boolean;
  /** The secret's rotation rules must set an explicit window (`Duration`). */
  requireWindow: boolean;
}

/** Where a policy's max age came from. */
export type PolicySource = 'tag' | 'tenant-type' | 'tenant' | 'type' | 'default';

/** A resolved policy, where its max age came from, and a note when a tag was ignored. */
export interface ResolvedPolicy extends Policy {
  source: PolicySource;
  /** Why the `keywarden:max-age-days` tag was ignored, when it was malformed. */
  problem?: string;
}

/** The tag that overrides a secret's max age, in whole days. */
export const MAX_AGE_TAG = 'keywarden:max-age-days';
const MAX_DAYS = 3650;

/** The defaults, by type. */
const NO_SCHEDULE_RULE = { requireSchedule: false, requireWindow: false } as const;
export const DEFAULT_POLICIES: Readonly<Record<SecretType, Policy>> = {
  database: { maxAgeDays: 90, warnDays: 14, unusedDays: 90, ...NO_SCHEDULE_RULE },
  'api-key': { maxAgeDays: 180, warnDays: 14, unusedDays: 90, ...NO_SCHEDULE_RULE },
  'jwt-signing-key': { maxAgeDays: 30, warnDays: 5, unusedDays: 90, ...NO_SCHEDULE_RULE },
  'encryption-key': { maxAgeDays: 365, warnDays: 30, unusedDays: 90, ...NO_SCHEDULE_RULE },
  password: { maxAgeDays: 90, warnDays: 14, unusedDays: 90, ...NO_SCHEDULE_RULE },
  generic: { maxAgeDays: 90, warnDays: 14, unusedDays: 90, ...NO_SCHEDULE_RULE },
};

const days = (max: number) => z.number().int().min(1).max(max);
const partialPolicy = z
  .object({
    maxAgeDays: days(MAX_DAYS).optional(),
    warnDays: z.number().int().min(0).max(365).optional(),
    unusedDays: days(MAX_DAYS).optional(),
    requireSchedule: z.boolean().optional(),
    requireWindow: z.boolean().optional(),
  })
  .strict();
const byType = z.record(z.enum(SECRET_TYPES), partialPolicy);

/** The overrides, as `KEYWARDEN_STALENESS_POLICIES` (JSON) or a CLI `--policies` file holds them. */
export const policyOverridesSchema = z
  .object({
    types: byType.optional(),
    tenants: z.record(z.string().min(1), partialPolicy.extend({ types: byType.optional() }).strict()).optional(),
  })
  .strict();

/** Policy overrides: per type, per tenant, per tenant and type. */
export type PolicyOverrides = z.infer<typeof policyOverridesSchema>;

/** Parses overrides from JSON text; the error names every field that is wrong. */
export function parsePolicyOverrides(text: string | undefined, where = 'KEYWARDEN_STALENESS_POLICIES'): PolicyOverrides {
  if (text === undefined || text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${where} is not valid JSON`, { cause: error });
  }
  const parsed = policyOverridesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`${where} is not a valid policy set: ${problems.join('; ')}`);
}

/** The policy for one secret: its type, its tenant (if any) and its tags. */
export function resolvePolicy(
  type: SecretType,
  tenant: string | undefined,
  tags: Readonly<Record<string, string>>,
  overrides: PolicyOverrides = {},
): ResolvedPolicy {
  const tenantPolicy = tenant !== undefined && overrides.tenants && Object.hasOwn(overrides.tenants, tenant) ? overrides.tenants[tenant] : undefined;
  // Most specific first; the default always has every field.
  const layers: Array<[PolicySource, Partial<Policy> | undefined]> = [
    ['tenant-type', tenantPolicy?.types?.[type]],
    ['tenant', tenantPolicy],
    ['type', overrides.types?.[type]],
    ['default', DEFAULT_POLICIES[type]],
  ];
  const pick = <K extends keyof Policy>(key: K): [Policy[K], PolicySource] => {
    for (const [source, layer] of layers) {
      const value = layer?.[key];
      if (value !== undefined) return [value, source];
    }
    return [DEFAULT_POLICIES[type][key], 'default'];
  };
  let [maxAgeDays, source] = pick('maxAgeDays');
  const tag = maxAgeFromTag(tags);
  if (tag.days !== undefined) [maxAgeDays, source] = [tag.days, 'tag'];
  const resolved: ResolvedPolicy = {
    maxAgeDays,
    warnDays: effectiveWarnDays(maxAgeDays, pick('warnDays')[0]),
    unusedDays: pick('unusedDays')[0],
    requireSchedule: pick('requireSchedule')[0],
    requireWindow: pick('requireWindow')[0],
    source,
  };
  if (tag.problem) resolved.problem = tag.problem;
  return resolved;
}

/**
 * The due-soon window, never more than a third of the max age: a 7-day policy with the usual
 * 14-day warning would otherwise be due soon from the day it was rotated.
 */
export function effectiveWarnDays(maxAgeDays: number, warnDays: number): number {
  return Math.min(warnDays, Math.floor(maxAgeDays / 3));
}

function maxAgeFromTag(tags: Readonly<Record<string, string>>): { days?: number; problem?: string } {
  const raw = tags[MAX_AGE_TAG];
  if (raw === undefined) return {};
  const value = /^\s*\d{1,5}\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (value >= 1 && value <= MAX_DAYS) return { days: value };
  // Tag values are metadata, not secrets: quote a short excerpt so the fix is obvious.
  return { problem: `tag ${MAX_AGE_TAG}="${raw.slice(0, 20)}" is not a whole number of days from 1 to ${MAX_DAYS}; ignored` };
}
