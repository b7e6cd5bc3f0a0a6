import { ConfigError } from '../errors';
import { resourceNames } from '../resource-names';

/**
 * What the rotate function reads from its environment, at the first step that needs it (never at
 * a cold start, so a generated-secret rotation needs none of it). Not readEnv: its zod schema would
 * add 60 KB to the rotate bundle for two names.
 */

/** The bindings table of a stage (deploy/bindings.yml). */
export const bindingsTableName = (stage: string) => resourceNames(stage).tables.bindings;
/** The variable naming the bindings table; derived from KEYWARDEN_STAGE when unset. */
export const BINDINGS_TABLE_ENV = 'KEYWARDEN_BINDINGS_TABLE';

/** `KEYWARDEN_BINDINGS_TABLE`, else `keywarden-<KEYWARDEN_STAGE>-bindings`. */
export function bindingsTableFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return explicitOrStaged(env, BINDINGS_TABLE_ENV, bindingsTableName);
}

/** `KEYWARDEN_FINDINGS_BUS`, else `keywarden-<KEYWARDEN_STAGE>`. */
export function findingsBusFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return explicitOrStaged(env, 'KEYWARDEN_FINDINGS_BUS', (stage) => resourceNames(stage).findingsBus);
}

/** `KEYWARDEN_AUDIT_TABLE`, else `keywarden-<KEYWARDEN_STAGE>-audit`: the consumer check reads it. */
export function auditTableFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return explicitOrStaged(env, 'KEYWARDEN_AUDIT_TABLE', (stage) => resourceNames(stage).tables.audit);
}

function explicitOrStaged(env: NodeJS.ProcessEnv, variable: string, derive: (stage: string) => string): string {
  const explicit = env[variable]?.trim();
  if (explicit) return explicit;
  const stage = env.KEYWARDEN_STAGE?.trim();
  if (stage) return derive(stage);
  throw new ConfigError(`invalid configuration: ${variable} is not set and neither is KEYWARDEN_STAGE to derive it from`);
}
