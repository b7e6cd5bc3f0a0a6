import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from '../errors';
import type { AuditPrincipal } from '../audit/record';
import { DEFAULT_TENANCY, tenancySchema, type TenancyConfig } from '../tenancy';
import { anyText, commaList, decimalNumber, InvalidSetting, listSetting, matching, oneOf, optionalSetting, setting, wholeNumber, type Field } from '../settings/fields';
import { readSettings } from '../settings/read';
import { resourceNames } from '../resource-names';

/**
 * Every threshold and list the detectors read. All of it comes from the environment (see
 * docs/audit.md for the table), read once and validated; {@link detectionConfig} builds one from
 * defaults plus overrides for tests and the benchmark.
 */

/** Set measures stop growing at this many members per principal and window: far above any threshold. */
export const MAX_WINDOW_MEMBERS = 1000;

/** Where reads of one tenant's or app's secrets may come from. */
export interface NetworkRule {
  cidrs: readonly string[];
  vpcEndpoints: ReadonlySet<string>;
  /** The CIDRs, compiled. */
  addresses: BlockList;
}

/** The detectors' configuration. */
export interface DetectionConfig {
  tenancy: TenancyConfig;
  /** Length of a burst window (harvesting, batch retrieval, denied reads); divides an hour. */
  windowMinutes: number;
  harvestDistinctSecrets: number;
  batchFilterCalls: number;
  batchRegions: number;
  deniedReads: number;
  learningDays: number;
  firstReadMemoryDays: number;
  minRecoveryDays: number;
  rateFactor: number;
  rateMinReads: number;
  rateBaselineHours: number;
  /** Network rules by tenant, then by app. */
  networks: { tenants: ReadonlyMap<string, NetworkRule>; apps: ReadonlyMap<string, NetworkRule> };
  decoySecrets: ReadonlySet<string>;
  decoyNamePattern?: RegExp;
  /**
   * keywarden's own roles (rotate, staleness): their calls raise nothing. Full IAM role ARNs,
   * account included (`*` globs allowed in the role's path and name only); matched against
   * AssumedRole callers only (see {@link principalIsOneOf}).
   */
  ownRoles: readonly string[];
  /** Roles allowed to move AWSCURRENT (rotation functions): full role ARNs, as ownRoles. */
  rotationRoles: readonly string[];
  /**
   * Lambda functions a secret's rotation may be pointed at (RotateSecret's RotationLambdaARN):
   * full function ARNs with the account, `*` globs in the region and name only.
   */
  rotationFunctions: readonly string[];
  /** KMS keys a secret may be moved to without a finding: key ARNs, key ids or aliases, as the call names them. */
  approvedKmsKeys: ReadonlySet<string>;
  /** Distinct secrets a principal describes within two windows that make an enumeration sweep. */
  sweepSecrets: number;
  /** A principal that swept before raises a finding only for a sweep this many times its largest. */
  sweepGrowth: number;
  /**
   * Known automation (External Secrets Operator, the Secrets Manager Agent, Terraform...): full
   * role ARNs, as ownRoles. Its batch patterns are learned silently during its own first
   * learningDays, even when it is deployed after the trail's learning period.
   */
  automationRoles: readonly string[];
  /** A batch pattern seen in this many distinct hours is the principal's own baseline. */
  automationRepeats: number;
  /** Accounts a resource policy may grant without a finding, besides the secret's own. */
  trustedAccounts: ReadonlySet<string>;
  /** Window and hour counters are spread over this many state items per window. */
  stateShards: number;
  /** Detector names switched off. */
  disabledDetectors: ReadonlySet<string>;
}

const DIVISORS_OF_AN_HOUR = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

/** Defaults, with the stage's own roles when the stage and account are known. */
export function detectionConfig(overrides: Partial<DetectionConfig> = {}, stage?: string, account?: OwnAccount): DetectionConfig {
  return {
    tenancy: DEFAULT_TENANCY,
    windowMinutes: 5,
    harvestDistinctSecrets: 10,
    batchFilterCalls: 3,
    batchRegions: 3,
    deniedReads: 5,
    learningDays: 14,
    firstReadMemoryDays: 90,
    minRecoveryDays: 30,
    rateFactor: 10,
    rateMinReads: 100,
    rateBaselineHours: 24,
    networks: { tenants: new Map(), apps: new Map() },
    decoySecrets: new Set(),
    ownRoles: stage && account ? defaultOwnRoles(stage, account) : [],
    rotationRoles: stage && account ? defaultRotationRoles(stage, account) : [],
    rotationFunctions: stage && account ? defaultRotationFunctions(stage, account) : [],
    approvedKmsKeys: new Set(),
    sweepSecrets: 10,
    sweepGrowth: 3,
    automationRoles: [],
    automationRepeats: 3,
    trustedAccounts: new Set(),
    stateShards: 2,
    disabledDetectors: new Set(),
    ...overrides,
  };
}

/** The account keywarden runs in: its own roles' ARNs are built from it. */
export interface OwnAccount {
  partition: string;
  accountId: string;
}

const roleArnOf = (account: OwnAccount, name: string) => `arn:${account.partition}:iam::${account.accountId}:role/${name}`;

/** keywarden's rotate and staleness roles for a stage, as deploy/*.yml names them, in its own account. */
export function defaultOwnRoles(stage: string, account: OwnAccount): string[] {
  const roles = resourceNames(stage).roles('*');
  return [roleArnOf(account, roles.rotate), roleArnOf(account, roles.staleness)];
}

/** keywarden's rotate role for a stage, in its own account. */
export function defaultRotationRoles(stage: string, account: OwnAccount): string[] {
  return [roleArnOf(account, resourceNames(stage).roles('*').rotate)]; // '*': the role of every region
}

/** keywarden's rotate function for a stage, in its own account, any region. */
export function defaultRotationFunctions(stage: string, account: OwnAccount): string[] {
  return [`arn:${account.partition}:lambda:*:${account.accountId}:function:${resourceNames(stage).functions.rotate}`];
}

/** A Lambda function ARN (optionally qualified), or a glob of one whose `*` is only in the region, name and qualifier. */
const FUNCTION_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):lambda:([a-z0-9-]+|\*):(\d{12}):function:[\w*-]{1,140}(:[\w$*-]{1,128})?$/;

/** An IAM role ARN, or a glob of one whose `*` is only in the path and name: never in the partition or account. */
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12}):role\/[\w+=,.@\-/*]{1,512}$/;

const networksSchema = z
  .object({
    tenants: z.record(z.object({ cidrs: z.array(z.string()).default([]), vpcEndpoints: z.array(z.string()).default([]) }).strict()).default({}),
    apps: z.record(z.object({ cidrs: z.array(z.string()).default([]), vpcEndpoints: z.array(z.string()).default([]) }).strict()).default({}),
  })
  .strict();

/**
 * The configuration from the environment (variables in docs/audit.md).
 *
 * @throws ConfigError naming every variable that is wrong.
 */
export function detectionConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DetectionConfig {
  const { stage, accountId, partition, secretNamePattern, sharedScopes, tenantTagKeys, principalNamePattern, ...raw } = readSettings(detectionSchema, env);
  const account = accountId ? { partition, accountId } : undefined;
  const defaults = detectionConfig({}, stage, account);
  return detectionConfig({
    ...raw,
    tenancy: { secretNamePattern, sharedScopes, tenantTagKeys, principalNamePattern },
    networks: raw.networks ?? parseNetworks(undefined),
    decoySecrets: new Set(raw.decoySecrets),
    ownRoles: raw.ownRoles ?? defaults.ownRoles,
    rotationRoles: raw.rotationRoles ?? defaults.rotationRoles,
    rotationFunctions: raw.rotationFunctions ?? defaults.rotationFunctions,
    approvedKmsKeys: new Set(raw.approvedKmsKeys),
    automationRoles: raw.automationRoles ?? [],
    trustedAccounts: new Set(raw.trustedAccounts),
    disabledDetectors: new Set(raw.disabledDetectors),
  });
}

const ROLE_ARNS = 'full IAM role ARNs with the account (arn:aws:iam::123456789012:role/name; * only in the name)';

/** The detectors' schema (shared/settings), tenancy's included, so every wrong variable is named at once. */
const detectionSchema = {
  ...tenancySchema,
  stage: optionalSetting('KEYWARDEN_STAGE', anyText),
  windowMinutes: setting('KEYWARDEN_BURST_WINDOW_MINUTES', divisorOfAnHour, 5),
  harvestDistinctSecrets: setting('KEYWARDEN_HARVEST_THRESHOLD', wholeNumber(2, MAX_WINDOW_MEMBERS), 10),
  batchFilterCalls: setting('KEYWARDEN_BATCH_CALLS_THRESHOLD', wholeNumber(1, MAX_WINDOW_MEMBERS), 3),
  batchRegions: setting('KEYWARDEN_BATCH_REGIONS_THRESHOLD', wholeNumber(2, MAX_WINDOW_MEMBERS), 3),
  deniedReads: setting('KEYWARDEN_DENIED_READS_THRESHOLD', wholeNumber(1, MAX_WINDOW_MEMBERS), 5),
  learningDays: setting('KEYWARDEN_LEARNING_DAYS', wholeNumber(0, 365), 14),
  firstReadMemoryDays: setting('KEYWARDEN_FIRST_READ_MEMORY_DAYS', wholeNumber(1, 3650), 90),
  minRecoveryDays: setting('KEYWARDEN_MIN_RECOVERY_DAYS', wholeNumber(7, 30), 30),
  rateFactor: setting('KEYWARDEN_RATE_FACTOR', decimalNumber(1.5, 1000), 10),
  rateMinReads: setting('KEYWARDEN_RATE_MIN_READS', wholeNumber(1, 10_000_000), 100),
  rateBaselineHours: setting('KEYWARDEN_RATE_BASELINE_HOURS', wholeNumber(1, 96), 24),
  networks: optionalSetting('KEYWARDEN_NETWORKS', parseNetworks),
  decoySecrets: listSetting('KEYWARDEN_DECOY_SECRETS', []),
  decoyNamePattern: optionalSetting('KEYWARDEN_DECOY_NAME_PATTERN', (text) => compile('KEYWARDEN_DECOY_NAME_PATTERN', text)),
  ownRoles: arnListSetting('KEYWARDEN_OWN_ROLES', ROLE_ARN, ROLE_ARNS),
  rotationRoles: arnListSetting('KEYWARDEN_ROTATION_ROLES', ROLE_ARN, ROLE_ARNS),
  accountId: optionalSetting('KEYWARDEN_ACCOUNT_ID', matching(/^\d{12}$/, 'a 12-digit AWS account id')),
  partition: setting('KEYWARDEN_PARTITION', oneOf(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b']), 'aws'),
  trustedAccounts: listSetting('KEYWARDEN_TRUSTED_ACCOUNTS', []),
  rotationFunctions: arnListSetting('KEYWARDEN_ROTATION_FUNCTIONS', FUNCTION_ARN, 'full Lambda function ARNs with the account (arn:aws:lambda:us-east-1:123456789012:function:name; * only in the region and name)'),
  approvedKmsKeys: listSetting('KEYWARDEN_KMS_KEYS', []),
  sweepSecrets: setting('KEYWARDEN_SWEEP_THRESHOLD', wholeNumber(2, MAX_WINDOW_MEMBERS), 10),
  sweepGrowth: setting('KEYWARDEN_SWEEP_GROWTH', decimalNumber(1, 1000), 3),
  automationRoles: arnListSetting('KEYWARDEN_AUTOMATION_ROLES', ROLE_ARN, ROLE_ARNS),
  automationRepeats: setting('KEYWARDEN_AUTOMATION_REPEATS', wholeNumber(2, 48), 3),
  stateShards: setting('KEYWARDEN_STATE_SHARDS', wholeNumber(1, 16), 2),
  disabledDetectors: listSetting('KEYWARDEN_DISABLED_DETECTORS', []),
};

/**
 * `KEYWARDEN_NETWORKS`: `{"tenants": {"tenant-1": {"cidrs": ["10.1.0.0/16"], "vpcEndpoints":
 * ["vpce-0abc"]}}, "apps": {"billing": {...}}}`. A tenant's rule wins over its app's.
 */
export function parseNetworks(json: string | undefined): DetectionConfig['networks'] {
  if (!json) return { tenants: new Map(), apps: new Map() };
  let parsed: z.infer<typeof networksSchema>;
  try {
    parsed = networksSchema.parse(JSON.parse(json));
  } catch (error) {
    throw new ConfigError('KEYWARDEN_NETWORKS must be JSON like {"tenants": {"tenant-1": {"cidrs": ["10.0.0.0/16"], "vpcEndpoints": ["vpce-1"]}}, "apps": {}}', { cause: error });
  }
  const compileRules = (rules: Record<string, { cidrs: string[]; vpcEndpoints: string[] }>) =>
    new Map(Object.entries(rules).map(([name, rule]) => [name, networkRule(name, rule.cidrs, rule.vpcEndpoints)]));
  return { tenants: compileRules(parsed.tenants), apps: compileRules(parsed.apps) };
}

/** A network rule from CIDRs (IPv4 or IPv6) and VPC endpoint ids. */
export function networkRule(name: string, cidrs: readonly string[], vpcEndpoints: readonly string[] = []): NetworkRule {
  const addresses = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/');
    const family = address ? isIP(address) : 0;
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (!family || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      throw new ConfigError(`KEYWARDEN_NETWORKS: "${cidr}" for ${name} is not a CIDR`);
    }
    addresses.addSubnet(address!, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return { cidrs: [...cidrs], vpcEndpoints: new Set(vpcEndpoints), addresses };
}

/** A burst window: whole minutes that divide an hour. */
function divisorOfAnHour(text: string): number {
  const minutes = /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
  if (!DIVISORS_OF_AN_HOUR.includes(minutes)) throw new InvalidSetting(`must divide an hour (${DIVISORS_OF_AN_HOUR.join(', ')})`);
  return minutes;
}

/**
 * A comma-separated list of ARNs (or globs of them) matching `shape`, each checked: unset is
 * undefined (the stage's defaults apply), set blank is the empty list (none). A refusal gives the
 * positions of the entries that are wrong, not the entries.
 */
function arnListSetting(variable: string, shape: RegExp, what: string): Field<string[] | undefined> {
  const parse = (text: string) => {
    const entries = commaList(text);
    const bad = entries.flatMap((entry, index) => (shape.test(entry) ? [] : [index + 1]));
    if (bad.length > 0) throw new InvalidSetting(`takes ${what}; entries ${bad.join(', ')} are not`);
    return entries;
  };
  return { ...optionalSetting(variable, parse), keepsBlank: true };
}

/**
 * Whether a principal is one of the given roles: an AssumedRole session whose role ARN, account
 * included, matches one of `roleArns` (full IAM role ARNs, `*` globs in the name). A role of the
 * same name in another account, an IAM user of that name, or any other kind of caller never is:
 * names are chosen by whoever creates the role, the account is not.
 */
export function principalIsOneOf(principal: AuditPrincipal, roleArns: readonly string[]): boolean {
  if (roleArns.length === 0 || principal.type !== 'AssumedRole') return false;
  // The normaliser gives every record of one identity the same frozen principal: its answer for a
  // list is remembered (two regular expressions and the globs, otherwise asked per batch and window).
  const frozen = Object.isFrozen(principal);
  let answers = frozen ? memberships.get(roleArns) : undefined;
  const known = answers?.get(principal);
  if (known !== undefined) return known;
  const roleArn = assumedRoleArn(principal);
  const member = roleArn !== undefined && roleArns.some((role) => globMatcher(role)(roleArn));
  if (frozen) {
    if (!answers) memberships.set(roleArns, (answers = new WeakMap()));
    answers.set(principal, member);
  }
  return member;
}

/** {@link principalIsOneOf}'s answers, by role list (a configuration's, fixed) and frozen principal. */
const memberships = new WeakMap<readonly string[], WeakMap<AuditPrincipal, boolean>>();

/**
 * The role ARN of an AssumedRole session, from the session ARN (`arn:aws:sts::<account>:
 * assumed-role/<name>/<session>`), checked against the session issuer when the record has one:
 * the two must name the same account and role, or the caller is not trusted as either.
 */
function assumedRoleArn(principal: AuditPrincipal): string | undefined {
  const session = principal.arn === undefined ? null : /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(principal.arn);
  if (!session) return undefined;
  const [, partition, account, name] = session;
  const issuer = principal.sessionIssuerArn;
  if (issuer === undefined) return `arn:${partition}:iam::${account}:role/${name}`;
  const issued = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(issuer);
  if (!issued || issued[1] !== partition || issued[2] !== account || issued[3] !== name) return undefined;
  return issuer;
}

const globCache = new Map<string, (value: string) => boolean>();

/**
 * Whether a Lambda function ARN (as RotateSecret names it, possibly with a version or alias) is
 * one of the approved ones: the whole ARN, or the ARN without its qualifier, matches a glob.
 */
export function functionIsOneOf(functionArn: string, approved: readonly string[]): boolean {
  const unqualified = /^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+)(:[^:]+)?$/.exec(functionArn)?.[1];
  return approved.some((glob) => globMatcher(glob)(functionArn) || (unqualified !== undefined && globMatcher(glob)(unqualified)));
}

function globMatcher(glob: string): (value: string) => boolean {
  let matcher = globCache.get(glob);
  if (!matcher) {
    if (!glob.includes('*')) {
      matcher = (value) => value === glob;
    } else {
      // `*` never crosses a `:`, so a glob in one ARN field cannot swallow the account that follows it.
      const pattern = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^:]*')}$`);
      matcher = (value) => pattern.test(value);
    }
    globCache.set(glob, matcher);
  }
  return matcher;
}

function compile(variable: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new ConfigError(`${variable} is not a valid regular expression`, { cause: error });
  }
}
