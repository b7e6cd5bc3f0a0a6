import { z } from 'zod';
import { integerFromEnv, readEnv } from '../config';
import { ConfigError } from '../errors';
import type { OwnRegion } from '../secret-arn';
import { MEMBER_ACCOUNTS_ENV, parseMemberAccounts, type AuditAccounts } from './member-accounts';
import { resourceNames } from '../resource-names';

/**
 * Where the audit pipeline keeps things. The names follow the stage (as deploy/audit.yml names
 * the resources), so the CLI finds them from `KEYWARDEN_STAGE` alone; the function gets them set
 * explicitly.
 */
export interface AuditSettings {
  stage: string;
  auditTable: string;
  stateTable: string;
  findingsBus: string;
  /** The audit queue's DLQ; only the function sends there. */
  deadLetterQueueUrl?: string;
  retentionDays: number;
  /** This account's partition, region and account id, when known: only its secret ARNs go in an event's `Resources`. */
  ownRegion?: OwnRegion;
  /** The deployment's own account and the member accounts whose events it accepts (`KEYWARDEN_AUDIT_MEMBER_ACCOUNTS`). */
  accounts: AuditAccounts;
}

/** The audit table of a stage. */
export const auditTableName = (stage: string) => resourceNames(stage).tables.audit;
/** The detector-state table of a stage. */
export const stateTableName = (stage: string) => resourceNames(stage).tables.auditState;
/** The findings bus of a stage. */
export const findingsBusName = (stage: string) => resourceNames(stage).findingsBus;

/**
 * The settings from the environment: `KEYWARDEN_STAGE`, `KEYWARDEN_AUDIT_TABLE`,
 * `KEYWARDEN_DETECTOR_STATE_TABLE`, `KEYWARDEN_FINDINGS_BUS`, `KEYWARDEN_AUDIT_DLQ_URL`,
 * `KEYWARDEN_AUDIT_RETENTION_DAYS`, and `KEYWARDEN_ACCOUNT_ID`, `KEYWARDEN_PARTITION`, `AWS_REGION`
 * for {@link AuditSettings.ownRegion}.
 *
 * @throws ConfigError when neither the stage nor the names are given.
 */
export function auditSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  const raw = readEnv(
    z.object({
      KEYWARDEN_STAGE: z.string().min(1).optional(),
      KEYWARDEN_AUDIT_TABLE: z.string().min(3).optional(),
      KEYWARDEN_DETECTOR_STATE_TABLE: z.string().min(3).optional(),
      KEYWARDEN_FINDINGS_BUS: z.string().min(1).optional(),
      KEYWARDEN_AUDIT_DLQ_URL: z.string().url().optional(),
      KEYWARDEN_AUDIT_RETENTION_DAYS: integerFromEnv(365, 1, 3650),
      KEYWARDEN_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
      KEYWARDEN_PARTITION: z.string().min(1).default('aws'),
      AWS_REGION: z.string().min(1).optional(),
    }),
    env,
  );
  const stage = raw.KEYWARDEN_STAGE;
  const named = (value: string | undefined, derive: (stage: string) => string, variable: string) => {
    if (value) return value;
    if (stage) return derive(stage);
    throw new ConfigError(`invalid configuration: ${variable} is not set and neither is KEYWARDEN_STAGE to derive it from`);
  };
  return {
    stage: stage ?? 'unknown',
    auditTable: named(raw.KEYWARDEN_AUDIT_TABLE, auditTableName, 'KEYWARDEN_AUDIT_TABLE'),
    stateTable: named(raw.KEYWARDEN_DETECTOR_STATE_TABLE, stateTableName, 'KEYWARDEN_DETECTOR_STATE_TABLE'),
    findingsBus: named(raw.KEYWARDEN_FINDINGS_BUS, findingsBusName, 'KEYWARDEN_FINDINGS_BUS'),
    deadLetterQueueUrl: raw.KEYWARDEN_AUDIT_DLQ_URL,
    retentionDays: raw.KEYWARDEN_AUDIT_RETENTION_DAYS,
    accounts: { home: raw.KEYWARDEN_ACCOUNT_ID, members: parseMemberAccounts(env[MEMBER_ACCOUNTS_ENV]) },
    ownRegion: raw.KEYWARDEN_ACCOUNT_ID && raw.AWS_REGION ? { partition: raw.KEYWARDEN_PARTITION, region: raw.AWS_REGION, accountId: raw.KEYWARDEN_ACCOUNT_ID } : undefined,
  };
}
