import { readFileSync } from 'node:fs';
import { secretsManager } from '../shared/aws/clients';
import { SecretsManagerInventory, SecretsManagerValueReader } from '../shared/aws/secrets-manager-inventory';
import { ssm } from '../shared/aws/ssm-client';
import { SsmParameterInventory, SsmParameterValueReader } from '../shared/aws/ssm-parameter-inventory';
import { parameterScopeFromEnv } from '../shared/ssm/scope';
import { InvalidRequestError } from '../shared/errors';
import { assessSecret, type SecretAssessment } from '../shared/staleness/assess';
import { stalenessSettingsFromEnv } from '../shared/staleness/config';
import { combinedInventory, valueReaderByKind, type SecretSummary, type SecretValueReader } from '../shared/staleness/inventory';
import { parsePolicyOverrides } from '../shared/staleness/policies';
import type { StalenessSettings } from '../shared/staleness/scan';
import { resolveTarget, type Target } from './target';

/**
 * What `keywarden stale` and `keywarden report` share: where the inventory is (real AWS, or the
 * local AWS with --local), the policies (the same KEYWARDEN_STALENESS_POLICIES the function
 * reads, or a --policies file), and the instant to assess as of.
 */

/** Options both commands take. */
export interface InventoryOptions {
  local?: boolean;
  asOf?: string;
  policies?: string;
}

/** A listed inventory, ready to be assessed at any instant. */
export interface LoadedInventory {
  target: Target;
  /** Where the inventory came from, for the report's header. */
  source: string;
  settings: StalenessSettings;
  secrets: SecretSummary[];
  /** List calls: ListSecrets and DescribeParameters pages. */
  listCalls: number;
  /** Reads values, for the opt-in hygiene check. */
  values: SecretValueReader;
  assess(at: Date): SecretAssessment[];
}

/** Lists the whole inventory (ListSecrets, 100 a page; SecureString parameters in scope, 50 a page) where the options point. */
export async function loadInventory(options: InventoryOptions): Promise<LoadedInventory> {
  const target = await resolveTarget(options);
  const settings = stalenessSettingsFromEnv();
  if (options.policies) settings.overrides = readPolicies(options.policies);
  const secrets: SecretSummary[] = [];
  let listCalls = 0;
  const inventory = combinedInventory(new SecretsManagerInventory(secretsManager()), new SsmParameterInventory(ssm(), parameterScopeFromEnv()));
  for await (const page of inventory.pages()) {
    listCalls += 1;
    secrets.push(...page);
  }
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'default region';
  return {
    target,
    source: target.kind === 'local' ? `local AWS ${target.endpoint}` : `AWS ${region}`,
    settings,
    secrets,
    listCalls,
    values: valueReaderByKind(new SecretsManagerValueReader(secretsManager()), new SsmParameterValueReader(ssm())),
    assess: (at) => secrets.map((secret) => assessSecret(secret, at, settings)),
  };
}

/**
 * `--as-of`: an ISO 8601 date-time, or a date (YYYY-MM-DD) meaning the end of that day in UTC,
 * so "stale by 2025-03-01" includes what goes stale during that day.
 */
export function parseAsOf(value: string): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parsed = new Date(dateOnly ? `${value}T23:59:59.999Z` : value);
  if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new InvalidRequestError(`--as-of takes a date (2025-03-01) or an ISO 8601 date-time (2025-03-01T12:00:00Z), not "${value.slice(0, 40)}"`);
  }
  return parsed;
}

function readPolicies(path: string) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidRequestError(`cannot read --policies file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parsePolicyOverrides(text, path);
  } catch (error) {
    throw new InvalidRequestError((error as Error).message, { cause: error });
  }
}
