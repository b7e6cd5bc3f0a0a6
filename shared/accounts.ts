import { z } from 'zod';
import { ConfigError } from './errors';
import { anyText, matching, optionalSetting, requiredSettingOf } from './settings/fields';
import { readSettings } from './settings/read';

/**
 * The accounts and regions keywarden watches, from `KEYWARDEN_ACCOUNTS`: a JSON list of
 * `{ "accountId": "210987654321", "roleArn": "arn:aws:iam::210987654321:role/keywarden-member/keywarden-reader", "regions": ["eu-west-1", "us-east-1"], "externalId": "..." }`.
 *
 * - The home account (the one keywarden runs in) in its home region is always watched with the
 *   function's own credentials, even when the list leaves it out.
 * - Every other account/region is reached through its role: `roleArn` must name a role of that
 *   very account in the home partition (a role ARN of another account would let one entry read
 *   another account under the wrong name). An entry for the home account without a role may name
 *   only the home region: other regions go through a role, like every other account, so the
 *   function's own role stays pinned to its region.
 * - `externalId` is passed to AssumeRole; the member role's trust policy should require it.
 *
 * Staleness, doctor and the report read this; cross-account rotation and the organization-wide
 * audit can share it (it says nothing about what a session may do: see shared/aws/account-clients.ts).
 */

/** One configured account. */
export interface AccountTarget {
  accountId: string;
  /** The role to assume; absent only for the home account in its home region. */
  roleArn?: string;
  externalId?: string;
  regions: string[];
}

/** One account in one region: the unit that is listed, and that fails on its own. */
export interface AccountScope {
  accountId: string;
  region: string;
  roleArn?: string;
  externalId?: string;
}

/** Where keywarden itself runs. */
export interface HomeLocation {
  /** Undefined when not known (single-account use: the account is read from each secret's ARN). */
  accountId?: string;
  region: string;
  partition: string;
}

/** At most this many accounts: a scan lists each region of each one every hour. */
export const MAX_ACCOUNTS = 200;

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
// IAM role names and paths: https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html
const ROLE_PATH_AND_NAME = /^(\/[\x21-\x7e]{0,510})?\/?[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

const targetSchema = z
  .object({
    accountId: z.string().regex(ACCOUNT_ID, 'accountId must be 12 digits'),
    roleArn: z.string().max(2048).optional(),
    externalId: z.string().regex(EXTERNAL_ID, 'externalId must be 2-1224 characters of letters, digits and +=,.@:/-').optional(),
    regions: z.array(z.string().regex(REGION, 'not a region name, e.g. eu-west-1')).min(1).max(40),
  })
  .strict();

/** The partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Parses and checks `KEYWARDEN_ACCOUNTS`; the home account/region is added when missing. */
export function parseAccounts(text: string | undefined, home: HomeLocation): AccountTarget[] {
  const raw = parseJson(text);
  const parsed = z.array(targetSchema).max(MAX_ACCOUNTS).safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`KEYWARDEN_ACCOUNTS: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(list)'}: ${i.message}`).join('; ')}`);
  }
  const seen = new Set<string>();
  const targets: AccountTarget[] = [];
  for (const [index, entry] of parsed.data.entries()) {
    if (seen.has(entry.accountId)) throw new ConfigError(`KEYWARDEN_ACCOUNTS[${index}]: account ${entry.accountId} is listed twice; list its regions in one entry`);
    seen.add(entry.accountId);
    checkRole(entry, index, home);
    targets.push({ ...entry, regions: [...new Set(entry.regions)] });
  }
  if (home.accountId !== undefined && !seen.has(home.accountId)) targets.unshift({ accountId: home.accountId, regions: [home.region] });
  return targets;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return [];
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError('KEYWARDEN_ACCOUNTS is not JSON: a list of {"accountId", "roleArn", "regions", "externalId"?}');
  }
}

function checkRole(entry: z.infer<typeof targetSchema>, index: number, home: HomeLocation): void {
  const where = `KEYWARDEN_ACCOUNTS[${index}] (account ${entry.accountId})`;
  if (entry.roleArn === undefined) {
    const isHome = home.accountId === entry.accountId;
    if (!isHome) throw new ConfigError(`${where}: roleArn is required for an account other than the home account`);
    const others = entry.regions.filter((r) => r !== home.region);
    if (others.length > 0) throw new ConfigError(`${where}: the home account's regions other than ${home.region} (${others.join(', ')}) need a roleArn`);
    if (entry.externalId !== undefined) throw new ConfigError(`${where}: externalId without roleArn`);
    return;
  }
  const prefix = `arn:${home.partition}:iam::${entry.accountId}:role/`;
  if (!entry.roleArn.startsWith(prefix) || !ROLE_PATH_AND_NAME.test(`/${entry.roleArn.slice(prefix.length)}`)) {
    throw new ConfigError(`${where}: roleArn must be a role of that account in partition ${home.partition} (${prefix}<path/name>)`);
  }
}

/** Every account and region, one scope each, in the order configured. */
export function scopesOf(targets: readonly AccountTarget[]): AccountScope[] {
  return targets.flatMap((t) =>
    t.regions.map((region) => {
      const scope: AccountScope = { accountId: t.accountId, region };
      if (t.roleArn !== undefined) scope.roleArn = t.roleArn;
      if (t.externalId !== undefined) scope.externalId = t.externalId;
      return scope;
    }),
  );
}

/** `<account>/<region>`: how a scope is named in findings, logs and reports. */
export function scopeLabel(scope: Pick<AccountScope, 'accountId' | 'region'>): string {
  return `${scope.accountId || 'home'}/${scope.region}`;
}

/** The account and region an ARN names (`arn:<partition>:<service>:<region>:<account>:...`). */
export function arnLocation(arn: string): { region: string; accountId: string } | undefined {
  const match = /^arn:[a-z-]+:[a-z0-9-]+:([a-z0-9-]*):(\d{12}):/.exec(arn);
  return match ? { region: match[1]!, accountId: match[2]! } : undefined;
}

/**
 * The configured scopes from the environment: `KEYWARDEN_ACCOUNTS`, the home account
 * (`KEYWARDEN_HOME_ACCOUNT_ID`, optional) and region (`AWS_REGION`). Without
 * `KEYWARDEN_ACCOUNTS` this is the home region alone, as before accounts existed.
 */
export function accountScopesFromEnv(env: NodeJS.ProcessEnv = process.env, homeAccountId?: string): AccountScope[] {
  const settings = readSettings(accountsSettingsSchema, homeAccountId === undefined ? env : { ...env, KEYWARDEN_HOME_ACCOUNT_ID: homeAccountId });
  const { region } = settings;
  homeAccountId = settings.homeAccountId;
  const home: HomeLocation = { accountId: homeAccountId, region, partition: partitionOf(region) };
  const targets = parseAccounts(settings.accounts, home);
  if (targets.length === 0) return [{ accountId: homeAccountId ?? '', region }];
  return scopesOf(targets);
}

/** The home region: `AWS_REGION`, else `AWS_DEFAULT_REGION` (the SDK's own fallback, so the scan's home is the clients' region). */
export const homeRegionSetting = requiredSettingOf(['AWS_REGION', 'AWS_DEFAULT_REGION'], anyText, 'the home region of the scan');

/** The accounts' schema (shared/settings); `KEYWARDEN_ACCOUNTS` is parsed once the home is known. */
const accountsSettingsSchema = {
  region: homeRegionSetting,
  homeAccountId: optionalSetting('KEYWARDEN_HOME_ACCOUNT_ID', matching(ACCOUNT_ID, '12 digits')),
  accounts: optionalSetting('KEYWARDEN_ACCOUNTS', anyText),
};
