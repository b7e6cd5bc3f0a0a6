import { ConfigError } from '../errors';

/**
 * The consumer settings, read without zod (the rotate function reads them, and zod would add
 * 60 KB to its bundle for four names). Each is bounded: a setting outside its range is refused
 * with the variable named, never clamped silently.
 */

/** What a rotation that would invalidate a credential still in use does. */
export const UNREFRESHED_POLICIES = ['hold', 'warn', 'proceed'] as const;
export type UnrefreshedPolicy = (typeof UNREFRESHED_POLICIES)[number];

/** The secret tag that sets the policy for one secret, over the stage default. */
export const UNREFRESHED_TAG = 'keywarden:consumers-unrefreshed';

/** The consumer settings of a stage. */
export interface ConsumerSettings {
  /** The stage default of {@link UNREFRESHED_TAG}: `KEYWARDEN_CONSUMERS_UNREFRESHED` (warn). */
  policy: UnrefreshedPolicy;
  /** Days of reads the map is built from, before the change: `KEYWARDEN_CONSUMERS_WINDOW_DAYS` (7; 1 to 30). */
  windowDays: number;
  /** A consumer is behind after this many of its intervals: `KEYWARDEN_CONSUMERS_INTERVAL_MULTIPLE` (3; 1 to 20). */
  intervalMultiple: number;
  /** The longest a rotation is held, from its first held attempt: `KEYWARDEN_CONSUMERS_MAX_HOLD_HOURS` (24; 1 to 168). */
  maxHoldHours: number;
}

/** The defaults. */
export const DEFAULT_CONSUMER_SETTINGS: ConsumerSettings = { policy: 'warn', windowDays: 7, intervalMultiple: 3, maxHoldHours: 24 };

/** From the environment; every bad variable is named at once. */
export function consumerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConsumerSettings {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d{1,4}$/.test(raw) || value < min || value > max) problems.push(`${name}: a whole number from ${min} to ${max}`);
    return value;
  };
  const rawPolicy = env.KEYWARDEN_CONSUMERS_UNREFRESHED?.trim() || DEFAULT_CONSUMER_SETTINGS.policy;
  if (!isPolicy(rawPolicy)) problems.push(`KEYWARDEN_CONSUMERS_UNREFRESHED: one of ${UNREFRESHED_POLICIES.join(', ')}`);
  const settings = {
    policy: rawPolicy as UnrefreshedPolicy,
    windowDays: int('KEYWARDEN_CONSUMERS_WINDOW_DAYS', 7, 1, 30),
    intervalMultiple: int('KEYWARDEN_CONSUMERS_INTERVAL_MULTIPLE', 3, 1, 20),
    maxHoldHours: int('KEYWARDEN_CONSUMERS_MAX_HOLD_HOURS', 24, 1, 168),
  };
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return settings;
}

function isPolicy(value: string): value is UnrefreshedPolicy {
  return (UNREFRESHED_POLICIES as readonly string[]).includes(value);
}

/**
 * A secret's policy: its tag when the tag names one, else the stage default. A tag that names
 * none is not guessed at: the stage default applies and the answer says the tag was ignored.
 */
export function policyOf(tags: Readonly<Record<string, string>>, stageDefault: UnrefreshedPolicy): { policy: UnrefreshedPolicy; source: 'tag' | 'stage'; ignoredTag?: boolean } {
  const tagged = tags[UNREFRESHED_TAG];
  if (tagged === undefined) return { policy: stageDefault, source: 'stage' };
  const value = tagged.trim().toLowerCase();
  return isPolicy(value) ? { policy: value, source: 'tag' } : { policy: stageDefault, source: 'stage', ignoredTag: true };
}
