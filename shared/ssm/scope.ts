import { anyText, optionalSetting } from '../settings/fields';
import { readSettings } from '../settings/read';
import { ConfigError } from '../errors';

/**
 * Which SSM parameters keywarden looks after: SecureString parameters under configured path
 * prefixes (`KEYWARDEN_SSM_PATH_PREFIXES`, comma-separated, default `/multitenant-ai-poc/`; set
 * it to `none` to leave Parameter Store alone). The same prefixes scope the IAM policy
 * (deploy/ssm-parameters.yml), so the inventory lists and rotation writes only what the
 * template lets it touch, and a name outside them is refused before any call.
 */

/** The parameter path prefixes in scope; empty when Parameter Store is off. */
export interface ParameterScope {
  prefixes: readonly string[];
}

/** The default: the application's own hierarchy. */
export const DEFAULT_PARAMETER_SCOPE: ParameterScope = { prefixes: ['/multitenant-ai-poc/'] };

/** SSM's limit for a parameter name (a fully qualified one, with its path). */
export const MAX_PARAMETER_NAME = 2048;
/** SSM's alphabet for names: letters, digits, `.`, `-`, `_` and `/` for the hierarchy. */
const NAME = /^[A-Za-z0-9._/-]+$/;
const PREFIX = /^\/([A-Za-z0-9._-]+\/)+$/;

/** The scope from `KEYWARDEN_SSM_PATH_PREFIXES`. */
export function parameterScopeFromEnv(env: NodeJS.ProcessEnv = process.env): ParameterScope {
  // Set blank, the variable means no parameters at all (as `none`), never the default scope.
  const raw = readSettings({ prefixes: { ...optionalSetting('KEYWARDEN_SSM_PATH_PREFIXES', anyText), keepsBlank: true } }, env).prefixes;
  if (raw === undefined) return DEFAULT_PARAMETER_SCOPE;
  if (raw.trim() === '') return { prefixes: [] };
  if (raw.trim() === 'none') return { prefixes: [] };
  const prefixes = raw.split(',').map((p) => p.trim()).filter(Boolean);
  for (const prefix of prefixes) {
    if (!PREFIX.test(prefix)) throw new ConfigError(`KEYWARDEN_SSM_PATH_PREFIXES: "${prefix.slice(0, 80)}" is not a path like /app/ (starting and ending with /)`);
  }
  return { prefixes };
}

/** Why `name` is not a parameter keywarden may touch, or undefined when it is one. */
export function outOfScope(name: string, scope: ParameterScope): string | undefined {
  if (name.length > MAX_PARAMETER_NAME) return `a parameter name is at most ${MAX_PARAMETER_NAME} characters`;
  if (!NAME.test(name) || name.includes('//')) return 'a parameter name has only letters, digits, . - _ and / (no empty path segment)';
  // Parameter Store and IAM take `..` literally; refused anyway, so a name never reads as escaping its prefix.
  if (name.split('/').some((segment) => segment === '.' || segment === '..')) return 'a parameter name has no . or .. path segment';
  if (scope.prefixes.length === 0) return 'Parameter Store is off (KEYWARDEN_SSM_PATH_PREFIXES=none)';
  if (!scope.prefixes.some((prefix) => name.startsWith(prefix) && name.length > prefix.length)) {
    return `it is outside the configured prefixes (${scope.prefixes.join(', ')})`;
  }
  return undefined;
}

/** Whether a CLI argument names a parameter rather than a secret: a `/path` or an `ssm` ARN. */
export function looksLikeParameter(id: string): boolean {
  return id.startsWith('/') || /^arn:[^:]+:ssm:/.test(id);
}
