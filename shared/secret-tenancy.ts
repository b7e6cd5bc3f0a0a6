import { ConfigError } from './errors';
import { listSetting, setting, type Field } from './settings/fields';
import { readSettings } from './settings/read';

/**
 * Which tenant owns a secret, from its name: the part of tenancy (tenancy.ts) that the rotate
 * function needs to name the tenant in its rotation events, kept apart so its bundle stays small.
 */

/** How secret names say their tenant: a pattern with a `tenant` group, and the scopes owned by no tenant. */
export interface SecretTenancy {
  secretNamePattern: RegExp;
  sharedScopes: string[];
}

/** `multitenant-ai-poc/tenant-1/database-password`: `<app>/<tenant>/<name>`. */
export const DEFAULT_SECRET_NAME_PATTERN = /^(?<app>[^/]+)\/(?<tenant>[^/]+)\/.+$/;
export const DEFAULT_SHARED_SCOPES = ['shared', 'ai-providers'];

/** The tenant that owns `secretName` (a name or an ARN), or undefined for shared scopes and other names. */
export function secretTenant(secretName: string, config: SecretTenancy = { secretNamePattern: DEFAULT_SECRET_NAME_PATTERN, sharedScopes: DEFAULT_SHARED_SCOPES }): string | undefined {
  const tenant = config.secretNamePattern.exec(nameFromArn(secretName))?.groups?.tenant;
  return tenant && !config.sharedScopes.includes(tenant) ? tenant : undefined;
}

/**
 * The tenant of a secret as the audit side keys it: a member account's secret is kept as
 * `<account>:<name>` and its tenant as `<account>:<tenant>` (shared/audit/member-accounts.ts), so
 * that a member's `tenant-1` is never the home `tenant-1`. Secret names cannot hold `:`, so the
 * prefix is unambiguous; a bare name is the home account's.
 */
export function keyTenant(secretKey: string, config?: SecretTenancy): string | undefined {
  const member = /^(\d{12}):(.+)$/.exec(secretKey);
  if (!member) return secretTenant(secretKey, config);
  const tenant = secretTenant(member[2]!, config);
  return tenant === undefined ? undefined : `${member[1]}:${tenant}`;
}

/** `KEYWARDEN_SECRET_NAME_PATTERN` and `KEYWARDEN_SHARED_SCOPES` (shared/settings); tenancyFromEnv reads them with the rest. */
export const secretTenancySchema = {
  secretNamePattern: tenantPatternSetting('KEYWARDEN_SECRET_NAME_PATTERN', DEFAULT_SECRET_NAME_PATTERN),
  sharedScopes: listSetting('KEYWARDEN_SHARED_SCOPES', DEFAULT_SHARED_SCOPES),
};

/** The secret half of tenancy from the environment, as tenancyFromEnv reads it (same defaults, same checks). */
export function secretTenancyFromEnv(env: NodeJS.ProcessEnv = process.env): SecretTenancy {
  return readSettings(secretTenancySchema, env);
}

/** A tenant pattern's setting: a regular expression with a named group `tenant`. */
export function tenantPatternSetting(variable: string, fallback: RegExp): Field<RegExp> {
  return setting(variable, (text) => tenantPattern(variable, text, fallback), fallback);
}

/** A configured pattern with a named group `tenant`, or `fallback` when unset. */
export function tenantPattern(variable: string, source: string | undefined, fallback: RegExp): RegExp {
  if (!source) return fallback;
  let compiled: RegExp;
  try {
    compiled = new RegExp(source);
  } catch (error) {
    throw new ConfigError(`${variable} is not a valid regular expression`, { cause: error });
  }
  if (!source.includes('(?<tenant>')) throw new ConfigError(`${variable} needs a named group (?<tenant>...)`);
  return compiled;
}

/** `arn:aws:secretsmanager:r:a:secret:app/t/name-AbCdEf` → `app/t/name`; a name passes through. */
export function nameFromArn(secretId: string): string {
  const match = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(secretId);
  return match ? match[1]! : secretId;
}
