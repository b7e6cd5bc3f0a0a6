import { readFileSync } from 'node:fs';
import { callerAccountId, stsClient } from '../shared/aws/account-clients';
import { secretsManager } from '../shared/aws/clients';
import { SecretsManagerValueReader } from '../shared/aws/secrets-manager-inventory';
import { ssm } from '../shared/aws/ssm-client';
import { SsmParameterValueReader } from '../shared/aws/ssm-parameter-inventory';
import { stalenessAccounts } from '../shared/aws/staleness-accounts';
import { InvalidRequestError } from '../shared/errors';
import { assessSecret, type SecretAssessment } from '../shared/staleness/assess';
import { stalenessSettingsFromEnv } from '../shared/staleness/config';
import type { UnreachableScope } from '../shared/staleness/findings';
import { valueReaderByKind, type SecretSummary, type SecretValueReader } from '../shared/staleness/inventory';
import { foldReplicas, listScopes, type ReplicaLine } from '../shared/staleness/scopes';
import type { VersionCount } from '../shared/staleness/version-watch';
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
  /** Account/region scopes listed (1 without KEYWARDEN_ACCOUNTS), and those that could not be read. */
  scopes: number;
  unreachable: UnreachableScope[];
  /** Replicas, each under its primary (never assessed on their own), and those whose primary was not listed. */
  replicas: ReplicaLine[];
  orphanReplicas: ReplicaLine[];
  /** Version counts of the secrets changed within 24 hours of now, and the ListSecretVersionIds calls they took. */
  versions: Map<string, VersionCount>;
  versionCalls: number;
  /** Whether more than one account or region is configured (the outputs then show both). */
  multiAccount: boolean;
  /** Reads values, for the opt-in hygiene check. */
  values: SecretValueReader;
  assess(at: Date): SecretAssessment[];
}

/** Lists the whole inventory (ListSecrets, 100 a page; SecureString parameters in scope, 50 a page) where the options point. */
export async function loadInventory(options: InventoryOptions): Promise<LoadedInventory> {
  const target = await resolveTarget(options);
  const settings = stalenessSettingsFromEnv();
  if (options.policies) settings.overrides = readPolicies(options.policies);
  const multiAccount = Boolean(process.env.KEYWARDEN_ACCOUNTS?.trim());
  const accounts = stalenessAccounts({ homeAccountId: await homeAccountId(multiAccount) });
  try {
    const listings = await listScopes(accounts.scopes, accounts.sourceFor, { concurrency: accounts.concurrency, now: new Date() });
    const folded = foldReplicas(listings.flatMap((l) => l.secrets));
    const secrets: SecretSummary[] = folded.secrets;
    const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'default region';
    const where = multiAccount ? `${new Set(accounts.scopes.map((s) => s.accountId)).size} accounts, ${accounts.scopes.length} account-regions` : region;
    return {
      target,
      source: target.kind === 'local' ? `local AWS ${target.endpoint}${multiAccount ? ` (${where})` : ''}` : `AWS ${where}`,
      settings,
      secrets,
      listCalls: listings.reduce((sum, l) => sum + l.listCalls, 0),
      scopes: listings.length,
      unreachable: listings.filter((l) => l.error).map((l) => ({ scope: l.scope, failure: l.error! })),
      replicas: folded.replicas,
      orphanReplicas: folded.orphans,
      versions: new Map(listings.flatMap((l) => l.versions).map((v) => [v.arn, v])),
      versionCalls: listings.reduce((sum, l) => sum + l.versionCalls, 0),
      multiAccount,
    values: valueReaderByKind(new SecretsManagerValueReader(secretsManager()), new SsmParameterValueReader(ssm())),
      assess: (at) => secrets.map((secret) => assessSecret(secret, at, settings)),
    };
  } finally {
    accounts.clients.destroy();
  }
}

/** The home account: KEYWARDEN_HOME_ACCOUNT_ID, or with several accounts configured, STS's answer for our own credentials. */
async function homeAccountId(multiAccount: boolean): Promise<string | undefined> {
  if (process.env.KEYWARDEN_HOME_ACCOUNT_ID || !multiAccount) return process.env.KEYWARDEN_HOME_ACCOUNT_ID;
  const sts = stsClient();
  try {
    return await callerAccountId(sts);
  } finally {
    sts.destroy();
  }
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
