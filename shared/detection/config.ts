import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { integerFromEnv, listFromEnv, readEnv } from '../config';
import { ConfigError } from '../errors';
import type { AuditPrincipal } from '../audit/record';
import { DEFAULT_TENANCY, tenancyFromEnv, type TenancyConfig } from '../audit/tenancy';

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
  return [roleArnOf(account, `keywarden-${stage}-rotate-*`), roleArnOf(account, `keywarden-${stage}-staleness-*`)];
}

/** keywarden's rotate role for a stage, in its own account. */
export function defaultRotationRoles(stage: string, account: OwnAccount): string[] {
  return [roleArnOf(account, `keywarden-${stage}-rotate-*`)];
}

/** keywarden's rotate function for a stage, in its own account, any region. */
export function defaultRotationFunctions(stage: string, account: OwnAccount): string[] {
  return [`arn:${account.partition}:lambda:*:${account.accountId}:function:keywarden-${stage}-rotate`];
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
  const raw = readEnv(
    z.object({
      KEYWARDEN_STAGE: z.string().optional(),
      KEYWARDEN_BURST_WINDOW_MINUTES: integerFromEnv(5, 1, 60).refine((m) => DIVISORS_OF_AN_HOUR.includes(m), 'must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)'),
      KEYWARDEN_HARVEST_THRESHOLD: integerFromEnv(10, 2, MAX_WINDOW_MEMBERS),
      KEYWARDEN_BATCH_CALLS_THRESHOLD: integerFromEnv(3, 1, MAX_WINDOW_MEMBERS),
      KEYWARDEN_BATCH_REGIONS_THRESHOLD: integerFromEnv(3, 2, MAX_WINDOW_MEMBERS),
      KEYWARDEN_DENIED_READS_THRESHOLD: integerFromEnv(5, 1, MAX_WINDOW_MEMBERS),
      KEYWARDEN_LEARNING_DAYS: integerFromEnv(14, 0, 365),
      KEYWARDEN_FIRST_READ_MEMORY_DAYS: integerFromEnv(90, 1, 3650),
      KEYWARDEN_MIN_RECOVERY_DAYS: integerFromEnv(30, 7, 30),
      KEYWARDEN_RATE_FACTOR: z.coerce.number().min(1.5).max(1000).default(10),
      KEYWARDEN_RATE_MIN_READS: integerFromEnv(100, 1, 10_000_000),
      KEYWARDEN_RATE_BASELINE_HOURS: integerFromEnv(24, 1, 96),
      KEYWARDEN_NETWORKS: z.string().optional(),
      KEYWARDEN_DECOY_SECRETS: listFromEnv([]),
      KEYWARDEN_DECOY_NAME_PATTERN: z.string().optional(),
      KEYWARDEN_OWN_ROLES: roleArnList('KEYWARDEN_OWN_ROLES'),
      KEYWARDEN_ROTATION_ROLES: roleArnList('KEYWARDEN_ROTATION_ROLES'),
      KEYWARDEN_ACCOUNT_ID: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
      KEYWARDEN_PARTITION: z.enum(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b']).default('aws'),
      KEYWARDEN_TRUSTED_ACCOUNTS: listFromEnv([]),
      KEYWARDEN_ROTATION_FUNCTIONS: arnList('KEYWARDEN_ROTATION_FUNCTIONS', FUNCTION_ARN, 'full Lambda function ARNs with the account (arn:aws:lambda:us-east-1:123456789012:function:name; * only in the region and name)'),
      KEYWARDEN_KMS_KEYS: listFromEnv([]),
      KEYWARDEN_SWEEP_THRESHOLD: integerFromEnv(10, 2, MAX_WINDOW_MEMBERS),
      KEYWARDEN_SWEEP_GROWTH: z.coerce.number().min(1).max(1000).default(3),
      KEYWARDEN_AUTOMATION_ROLES: roleArnList('KEYWARDEN_AUTOMATION_ROLES'),
      KEYWARDEN_AUTOMATION_REPEATS: integerFromEnv(3, 2, 48),
      KEYWARDEN_STATE_SHARDS: integerFromEnv(2, 1, 16),
      KEYWARDEN_DISABLED_DETECTORS: listFromEnv([]),
    }),
    env,
  );
  const stage = raw.KEYWARDEN_STAGE;
  const account = raw.KEYWARDEN_ACCOUNT_ID ? { partition: raw.KEYWARDEN_PARTITION, accountId: raw.KEYWARDEN_ACCOUNT_ID } : undefined;
  const defaults = detectionConfig({}, stage, account);
  return detectionConfig({
    tenancy: tenancyFromEnv(env),
    windowMinutes: raw.KEYWARDEN_BURST_WINDOW_MINUTES,
    harvestDistinctSecrets: raw.KEYWARDEN_HARVEST_THRESHOLD,
    batchFilterCalls: raw.KEYWARDEN_BATCH_CALLS_THRESHOLD,
    batchRegions: raw.KEYWARDEN_BATCH_REGIONS_THRESHOLD,
    deniedReads: raw.KEYWARDEN_DENIED_READS_THRESHOLD,
    learningDays: raw.KEYWARDEN_LEARNING_DAYS,
    firstReadMemoryDays: raw.KEYWARDEN_FIRST_READ_MEMORY_DAYS,
    minRecoveryDays: raw.KEYWARDEN_MIN_RECOVERY_DAYS,
    rateFactor: raw.KEYWARDEN_RATE_FACTOR,
    rateMinReads: raw.KEYWARDEN_RATE_MIN_READS,
    rateBaselineHours: raw.KEYWARDEN_RATE_BASELINE_HOURS,
    networks: parseNetworks(raw.KEYWARDEN_NETWORKS),
    decoySecrets: new Set(raw.KEYWARDEN_DECOY_SECRETS),
    decoyNamePattern: raw.KEYWARDEN_DECOY_NAME_PATTERN ? compile('KEYWARDEN_DECOY_NAME_PATTERN', raw.KEYWARDEN_DECOY_NAME_PATTERN) : undefined,
    ownRoles: raw.KEYWARDEN_OWN_ROLES ?? defaults.ownRoles,
    rotationRoles: raw.KEYWARDEN_ROTATION_ROLES ?? defaults.rotationRoles,
    rotationFunctions: raw.KEYWARDEN_ROTATION_FUNCTIONS ?? defaults.rotationFunctions,
    approvedKmsKeys: new Set(raw.KEYWARDEN_KMS_KEYS),
    sweepSecrets: raw.KEYWARDEN_SWEEP_THRESHOLD,
    sweepGrowth: raw.KEYWARDEN_SWEEP_GROWTH,
    automationRoles: raw.KEYWARDEN_AUTOMATION_ROLES ?? [],
    automationRepeats: raw.KEYWARDEN_AUTOMATION_REPEATS,
    trustedAccounts: new Set(raw.KEYWARDEN_TRUSTED_ACCOUNTS),
    stateShards: raw.KEYWARDEN_STATE_SHARDS,
    disabledDetectors: new Set(raw.KEYWARDEN_DISABLED_DETECTORS),
  });
}

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

/** A comma-separated list of role ARNs (or globs of them), each checked; unset is undefined. */
function roleArnList(variable: string) {
  return arnList(variable, ROLE_ARN, 'full IAM role ARNs with the account (arn:aws:iam::123456789012:role/name; * only in the name)');
}

/** A comma-separated list of ARNs (or globs of them) matching `shape`, each checked; unset is undefined. */
function arnList(variable: string, shape: RegExp, what: string) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = entries.filter((entry) => !shape.test(entry));
      if (bad.length > 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${variable} takes ${what}, not: ${bad.map((b) => b.slice(0, 80)).join(', ')}` });
      return entries;
    });
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
