import { tenancySchema } from '../tenancy';
import { anyText, oneOf, requiredSetting, setting, wholeNumber } from '../settings/fields';
import { readSettings } from '../settings/read';
import { DEFAULT_ROTATION_GRACE_MINUTES } from './assess';
import { HYGIENE_MODES } from './hygiene';
import { parsePolicyOverrides } from './policies';
import { DEFAULT_MISSED_WINDOWS } from './schedule-check';
import type { StalenessSettings } from './scan';
import { DEFAULT_VERSION_WARN, SECRET_VERSION_QUOTA } from './version-watch';

/**
 * The staleness settings from the environment, read once and validated:
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `KEYWARDEN_STALENESS_POLICIES` | `{}` | policy overrides as JSON (see policies.ts) |
 * | `KEYWARDEN_ROTATION_GRACE_MINUTES` | 60 | how long a pending or overdue rotation may take before it counts as failing |
 * | `KEYWARDEN_MISSED_WINDOWS` | 2 | closed schedule windows in a row without a rotation that count as failing |
 * | `KEYWARDEN_HYGIENE` | `tagged` | `off`, `tagged` (secrets tagged keywarden:hygiene=check) or `all` |
 * | `KEYWARDEN_FINDING_STATE_TTL_DAYS` | 7 | how long an open-finding record outlives its last sending |
 * | `KEYWARDEN_VERSION_WARN` | 80 | versions of one secret that raise `staleness.version-limit` (the quota is 100) |
 * | `KEYWARDEN_ACCOUNTS` | | the accounts and regions to scan (shared/accounts.ts) |
 * | tenancy variables | | see shared/tenancy.ts |
 */
export function stalenessSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StalenessSettings {
  const { secretNamePattern, sharedScopes, tenantTagKeys, principalNamePattern, ...settings } = readSettings(stalenessSettingsSchema, env);
  return { ...settings, tenancy: { secretNamePattern, sharedScopes, tenantTagKeys, principalNamePattern } };
}

/** The staleness settings' schema (shared/settings), tenancy's included, so every wrong variable is named at once. */
export const stalenessSettingsSchema = {
  ...tenancySchema,
  overrides: setting('KEYWARDEN_STALENESS_POLICIES', parsePolicyOverrides, parsePolicyOverrides(undefined)),
  rotationGraceMinutes: setting('KEYWARDEN_ROTATION_GRACE_MINUTES', wholeNumber(1, 10_080), DEFAULT_ROTATION_GRACE_MINUTES),
  missedWindows: setting('KEYWARDEN_MISSED_WINDOWS', wholeNumber(1, 10), DEFAULT_MISSED_WINDOWS),
  hygiene: setting('KEYWARDEN_HYGIENE', oneOf(HYGIENE_MODES), 'tagged'),
  stateTtlDays: setting('KEYWARDEN_FINDING_STATE_TTL_DAYS', wholeNumber(1, 90), 7),
  versionWarnAt: setting('KEYWARDEN_VERSION_WARN', wholeNumber(1, SECRET_VERSION_QUOTA), DEFAULT_VERSION_WARN),
};

/** Where the staleness function sends its output. */
export interface StalenessResources {
  /** The DynamoDB table of open findings: `KEYWARDEN_STALENESS_TABLE`. */
  tableName: string;
  /** The keywarden bus: `KEYWARDEN_FINDINGS_BUS`. */
  busName: string;
  /** The CloudWatch namespace: `KEYWARDEN_METRICS_NAMESPACE`. */
  namespace: string;
}

/** The staleness function's resources from the environment; every one is required. */
export function stalenessResourcesFromEnv(env: NodeJS.ProcessEnv = process.env): StalenessResources {
  return readSettings(stalenessResourcesSchema, env);
}

/** The staleness function's resources' schema (shared/settings). */
export const stalenessResourcesSchema = {
  tableName: requiredSetting('KEYWARDEN_STALENESS_TABLE', anyText, 'the DynamoDB table of open staleness findings'),
  busName: requiredSetting('KEYWARDEN_FINDINGS_BUS', anyText, 'the EventBridge bus findings go to'),
  namespace: requiredSetting('KEYWARDEN_METRICS_NAMESPACE', anyText, 'the CloudWatch namespace of the staleness metrics'),
};
