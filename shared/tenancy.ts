import { listSetting } from './settings/fields';
import { readSettings } from './settings/read';
import { DEFAULT_SECRET_NAME_PATTERN, DEFAULT_SHARED_SCOPES, nameFromArn, secretTenancySchema, tenantPatternSetting } from './secret-tenancy';

// Kept in a small file of their own for the rotate function's rotation events; re-exported here.
export { nameFromArn, secretTenant } from './secret-tenancy';

/**
 * Who owns a secret and whom a principal acts for. Secrets are named `<app>/<tenant>/<name>`;
 * scopes such as `shared` or `ai-providers` stand where a tenant would and belong to no tenant.
 * A principal's tenant comes from its `tenant` principal or session tag, else from its role
 * name matching a configured pattern (`<app>-<tenant>-role` by default). All of it is
 * configuration: the patterns are regular expressions with a named group `tenant`.
 */
export interface TenancyConfig {
  /** Matches a secret name; group `tenant` (and optionally `app`). */
  secretNamePattern: RegExp;
  /** Values of the tenant position that name a scope owned by no tenant. */
  sharedScopes: string[];
  /** Principal or session tag keys that carry a tenant, first match wins. */
  tenantTagKeys: string[];
  /** Matches a role (or user) name; group `tenant`. */
  principalNamePattern: RegExp;
}

/** The defaults: `multitenant-ai-poc/tenant-1/database-password`, `multitenant-ai-poc-tenant-1-role`. */
export const DEFAULT_TENANCY: TenancyConfig = {
  secretNamePattern: DEFAULT_SECRET_NAME_PATTERN,
  sharedScopes: DEFAULT_SHARED_SCOPES,
  tenantTagKeys: ['tenant'],
  principalNamePattern: /^(?<app>.+?)-(?<tenant>tenant-[^-]+)-role$/,
};

/** The application part of a secret name, when the pattern has an `app` group. */
export function secretApp(secretName: string, config: TenancyConfig = DEFAULT_TENANCY): string | undefined {
  return config.secretNamePattern.exec(nameFromArn(secretName))?.groups?.app;
}

/** What is known of a principal that can say its tenant. */
export interface PrincipalTenancyFacts {
  /** Principal tags and session tags, merged; session tags win. */
  tags?: Record<string, string>;
  /** The role name (for an assumed role) or user name. */
  name?: string;
}

/** The tenant a principal acts for: a tenant tag first, else its name against the pattern. */
export function principalTenant(facts: PrincipalTenancyFacts, config: TenancyConfig = DEFAULT_TENANCY): string | undefined {
  for (const key of config.tenantTagKeys) {
    const tagged = facts.tags?.[key];
    if (tagged) return tagged;
  }
  return facts.name ? config.principalNamePattern.exec(facts.name)?.groups?.tenant : undefined;
}

/**
 * Tenancy from the environment: `KEYWARDEN_SECRET_NAME_PATTERN`, `KEYWARDEN_SHARED_SCOPES`,
 * `KEYWARDEN_TENANT_TAG_KEYS`, `KEYWARDEN_PRINCIPAL_NAME_PATTERN`; each falls back to the default.
 */
export function tenancyFromEnv(env: NodeJS.ProcessEnv = process.env): TenancyConfig {
  return readSettings(tenancySchema, env);
}

/** Tenancy's schema (shared/settings): the secret half (secret-tenancy.ts) and the principal half. */
export const tenancySchema = {
  ...secretTenancySchema,
  tenantTagKeys: listSetting('KEYWARDEN_TENANT_TAG_KEYS', DEFAULT_TENANCY.tenantTagKeys),
  principalNamePattern: tenantPatternSetting('KEYWARDEN_PRINCIPAL_NAME_PATTERN', DEFAULT_TENANCY.principalNamePattern),
};
