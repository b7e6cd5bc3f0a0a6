import { oneOf, setting, wholeNumber } from '../settings/fields';
import { readSettings } from '../settings/read';

/**
 * The consumer settings (the rotate function reads them too). Each is bounded: a setting outside
 * its range is refused with the variable named, never clamped silently.
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

/** The consumer settings' schema (shared/settings); every bad variable is named at once. */
export const consumerSettingsSchema = {
  policy: setting('KEYWARDEN_CONSUMERS_UNREFRESHED', oneOf(UNREFRESHED_POLICIES), DEFAULT_CONSUMER_SETTINGS.policy),
  windowDays: setting('KEYWARDEN_CONSUMERS_WINDOW_DAYS', wholeNumber(1, 30), DEFAULT_CONSUMER_SETTINGS.windowDays),
  intervalMultiple: setting('KEYWARDEN_CONSUMERS_INTERVAL_MULTIPLE', wholeNumber(1, 20), DEFAULT_CONSUMER_SETTINGS.intervalMultiple),
  maxHoldHours: setting('KEYWARDEN_CONSUMERS_MAX_HOLD_HOURS', wholeNumber(1, 168), DEFAULT_CONSUMER_SETTINGS.maxHoldHours),
};

/** From the environment; every bad variable is named at once. */
export function consumerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConsumerSettings {
  return readSettings(consumerSettingsSchema, env);
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
