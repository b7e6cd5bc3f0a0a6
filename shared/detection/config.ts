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
  /** keywarden's own roles (rotate, staleness): their calls raise nothing. Names, ARNs, `*` globs. */
  ownRoles: readonly string[];
  /** Roles allowed to move AWSCURRENT (rotation functions). */
  rotationRoles: readonly string[];
  /** Accounts a resource policy may grant without a finding, besides the secret's own. */
  trustedAccounts: ReadonlySet<string>;
  /** Window and hour counters are spread over this many state items per window. */
  stateShards: number;
  /** Detector names switched off. */
  disabledDetectors: ReadonlySet<string>;
}

const DIVISORS_OF_AN_HOUR = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

/** Defaults, with the stage's own roles when the stage is known. */
export function detectionConfig(overrides: Partial<DetectionConfig> = {}, stage?: string): DetectionConfig {
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
    ownRoles: stage ? defaultOwnRoles(stage) : [],
    rotationRoles: stage ? [`keywarden-${stage}-rotate-*`] : [],
    trustedAccounts: new Set(),
    stateShards: 2,
    disabledDetectors: new Set(),
    ...overrides,
  };
}

/** keywarden's rotate and staleness roles for a stage, as deploy/*.yml names them. */
export function defaultOwnRoles(stage: string): string[] {
  return [`keywarden-${stage}-rotate-*`, `keywarden-${stage}-staleness-*`];
}

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
      KEYWARDEN_OWN_ROLES: z.string().optional(),
      KEYWARDEN_ROTATION_ROLES: z.string().optional(),
      KEYWARDEN_TRUSTED_ACCOUNTS: listFromEnv([]),
      KEYWARDEN_STATE_SHARDS: integerFromEnv(2, 1, 16),
      KEYWARDEN_DISABLED_DETECTORS: listFromEnv([]),
    }),
    env,
  );
  const stage = raw.KEYWARDEN_STAGE;
  const list = (value: string | undefined, fallback: string[]) =>
    value === undefined ? fallback : value.split(',').map((s) => s.trim()).filter(Boolean);
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
    ownRoles: list(raw.KEYWARDEN_OWN_ROLES, stage ? defaultOwnRoles(stage) : []),
    rotationRoles: list(raw.KEYWARDEN_ROTATION_ROLES, stage ? [`keywarden-${stage}-rotate-*`] : []),
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

/** Whether a principal is one of the given roles (names, ARNs, or `*` globs of either). */
export function principalIsOneOf(principal: AuditPrincipal, roles: readonly string[]): boolean {
  if (roles.length === 0) return false;
  const candidates = [principal.sessionIssuerName, principal.sessionIssuerArn, principal.name, principal.arn, principal.key];
  return roles.some((role) => {
    const matcher = globMatcher(role);
    return candidates.some((candidate) => candidate !== undefined && matcher(candidate));
  });
}

const globCache = new Map<string, (value: string) => boolean>();

function globMatcher(glob: string): (value: string) => boolean {
  let matcher = globCache.get(glob);
  if (!matcher) {
    if (!glob.includes('*')) {
      matcher = (value) => value === glob;
    } else {
      const pattern = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
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
