import { resourceNames } from '../resource-names';
import { anyText, optionalSetting, stageNamed } from '../settings/fields';
import { ACCOUNT_ROLES_ENV } from './cross-account';
import { readSettings } from '../settings/read';

/**
 * What the rotate function reads from its environment, at the first step that needs it (never at
 * a cold start, so a generated-secret rotation needs none of it), each a name that follows the
 * stage unless its variable is set (shared/settings, stageNamed).
 */

/** The bindings table of a stage (deploy/bindings.yml). */
export const bindingsTableName = (stage: string) => resourceNames(stage).tables.bindings;
/** The variable naming the bindings table; derived from KEYWARDEN_STAGE when unset. */
export const BINDINGS_TABLE_ENV = 'KEYWARDEN_BINDINGS_TABLE';

/** `KEYWARDEN_BINDINGS_TABLE`, else `keywarden-<KEYWARDEN_STAGE>-bindings`. */
export function bindingsTableFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return readSettings({ table: stageNamed(BINDINGS_TABLE_ENV, bindingsTableName) }, env).table;
}

/** `KEYWARDEN_FINDINGS_BUS`, else `keywarden-<KEYWARDEN_STAGE>`. */
export function findingsBusFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return readSettings({ bus: stageNamed('KEYWARDEN_FINDINGS_BUS', (stage) => resourceNames(stage).findingsBus) }, env).bus;
}

/** `KEYWARDEN_AUDIT_TABLE`, else `keywarden-<KEYWARDEN_STAGE>-audit`: the consumer check reads it. */
export function auditTableFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return readSettings({ table: stageNamed('KEYWARDEN_AUDIT_TABLE', (stage) => resourceNames(stage).tables.audit) }, env).table;
}

/** Where the rotate function runs and whom it may act for elsewhere (shared/settings): read at each step, cheaply. */
export const rotateAccountSchema = {
  /** `KEYWARDEN_ACCOUNT_ID`: the home account, when the invocation's ARN does not say it. */
  accountId: optionalSetting('KEYWARDEN_ACCOUNT_ID', anyText),
  /** `KEYWARDEN_ROTATION_ACCOUNT_ROLES`: the administrator's roles in member accounts, as JSON (cross-account.ts parses it). */
  accountRoles: optionalSetting(ACCOUNT_ROLES_ENV, anyText),
};

/** {@link rotateAccountSchema} from the environment. */
export function rotateAccountFromEnv(env: NodeJS.ProcessEnv = process.env): { accountId?: string; accountRoles?: string } {
  return readSettings(rotateAccountSchema, env);
}
