import type { OwnRegion } from '../secret-arn';
import { MEMBER_ACCOUNTS_ENV, parseMemberAccounts, type AuditAccounts } from './member-accounts';
import { resourceNames } from '../resource-names';
import { anyText, matching, optionalSetting, setting, stageNamed, url, wholeNumber } from '../settings/fields';
import { readSettings } from '../settings/read';

const ACCOUNT_ID = /^\d{12}$/;

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
 * @throws ConfigError naming every variable that is wrong, or a name with neither it nor the stage given.
 */
export function auditSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  const raw = readSettings(auditSettingsSchema, env);
  return {
    stage: raw.stage ?? 'unknown',
    auditTable: raw.auditTable,
    stateTable: raw.stateTable,
    findingsBus: raw.findingsBus,
    deadLetterQueueUrl: raw.deadLetterQueueUrl,
    retentionDays: raw.retentionDays,
    accounts: { home: raw.accountId, members: raw.memberAccounts },
    ownRegion: raw.accountId && raw.region ? { partition: raw.partition, region: raw.region, accountId: raw.accountId } : undefined,
  };
}

/** The audit settings' schema (shared/settings); {@link auditSettingsFromEnv} shapes it. */
export const auditSettingsSchema = {
  stage: optionalSetting('KEYWARDEN_STAGE', anyText),
  auditTable: stageNamed('KEYWARDEN_AUDIT_TABLE', auditTableName),
  stateTable: stageNamed('KEYWARDEN_DETECTOR_STATE_TABLE', stateTableName),
  findingsBus: stageNamed('KEYWARDEN_FINDINGS_BUS', findingsBusName),
  deadLetterQueueUrl: optionalSetting('KEYWARDEN_AUDIT_DLQ_URL', url),
  retentionDays: setting('KEYWARDEN_AUDIT_RETENTION_DAYS', wholeNumber(1, 3650), 365),
  accountId: optionalSetting('KEYWARDEN_ACCOUNT_ID', matching(ACCOUNT_ID, 'a 12-digit AWS account id')),
  partition: setting('KEYWARDEN_PARTITION', anyText, 'aws'),
  region: optionalSetting('AWS_REGION', anyText),
  memberAccounts: setting(MEMBER_ACCOUNTS_ENV, parseMemberAccounts, parseMemberAccounts(undefined)),
};
