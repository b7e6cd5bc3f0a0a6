import { z } from 'zod';
import { integerFromEnv, readEnv, requiredString } from '../config';
import { tenancyFromEnv } from '../tenancy';
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
  const raw = readEnv(
    z.object({
      KEYWARDEN_STALENESS_POLICIES: z.string().optional(),
      KEYWARDEN_ROTATION_GRACE_MINUTES: integerFromEnv(DEFAULT_ROTATION_GRACE_MINUTES, 1, 10_080),
      KEYWARDEN_MISSED_WINDOWS: integerFromEnv(DEFAULT_MISSED_WINDOWS, 1, 10),
      KEYWARDEN_HYGIENE: z.enum(HYGIENE_MODES).default('tagged'),
      KEYWARDEN_FINDING_STATE_TTL_DAYS: integerFromEnv(7, 1, 90),
      KEYWARDEN_VERSION_WARN: integerFromEnv(DEFAULT_VERSION_WARN, 1, SECRET_VERSION_QUOTA),
    }),
    env,
  );
  return {
    overrides: parsePolicyOverrides(raw.KEYWARDEN_STALENESS_POLICIES),
    tenancy: tenancyFromEnv(env),
    rotationGraceMinutes: raw.KEYWARDEN_ROTATION_GRACE_MINUTES,
    missedWindows: raw.KEYWARDEN_MISSED_WINDOWS,
    hygiene: raw.KEYWARDEN_HYGIENE,
    stateTtlDays: raw.KEYWARDEN_FINDING_STATE_TTL_DAYS,
    versionWarnAt: raw.KEYWARDEN_VERSION_WARN,
  };
}

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
  const raw = readEnv(
    z.object({
      KEYWARDEN_STALENESS_TABLE: requiredString('the DynamoDB table of open staleness findings'),
      KEYWARDEN_FINDINGS_BUS: requiredString('the EventBridge bus findings go to'),
      KEYWARDEN_METRICS_NAMESPACE: requiredString('the CloudWatch namespace of the staleness metrics'),
    }),
    env,
  );
  return { tableName: raw.KEYWARDEN_STALENESS_TABLE, busName: raw.KEYWARDEN_FINDINGS_BUS, namespace: raw.KEYWARDEN_METRICS_NAMESPACE };
}
