import type { AccountScope } from '../accounts';
import type { FindingPublisher } from '../finding';
import type { Clock } from '../clock';
import { isConsumerRecord, planConsumerCheck, type ConsumerCheckDeps, type ConsumerCheckPlan } from './consumer-check';
import { KeywardenError } from '../errors';
import { assessSecret, STATUSES, type AssessmentSettings, type SecretAssessment, type SecretStatus } from './assess';
import { InventoryTally, type GroupFigures } from './figures';
import type { FindingStateStore, OpenFindingRecord } from './finding-state';
import { planFindings, problemsOf, type FindingPlan, type UnreachableScope } from './findings';
import { foldReplicas, listScopes, type ScopeSource } from './scopes';
import { DEFAULT_VERSION_WARN, type VersionCount } from './version-watch';
import { runHygiene, wantsHygiene, type HygieneIssue, type HygieneMode } from './hygiene';
import type { SecretInventory, SecretSummary, SecretValueReader } from './inventory';
import { AgeHistogram, buildMetrics } from './metrics';
import type { MetricsSink } from './metrics-sink';

/**
 * The hourly staleness scan: list the whole inventory, assess every secret against its policy,
 * optionally check values (hygiene), publish the metrics, and send findings once per secret and
 * rule per day, resolving those that cleared.
 */

/** Settings of a scan. */
export interface StalenessSettings extends AssessmentSettings {
  hygiene: HygieneMode;
  /** Days an open-finding record outlives its last sending; default 7. */
  stateTtlDays?: number;
  /** Versions of one secret that raise a finding; default 80 (the quota is 100). */
  versionWarnAt?: number;
}

/** Every account and region to scan, and how each is read. */
export interface AccountsInventory {
  scopes: readonly AccountScope[];
  sourceFor: (scope: AccountScope) => ScopeSource;
  /** Scopes listed at once; default 4. */
  concurrency?: number;
}

/** What the scan needs: one inventory (the home account and region), or several accounts and regions. */
export interface StalenessScanDeps {
  inventory?: SecretInventory;
  accounts?: AccountsInventory;
  clock: Clock;
  metrics: MetricsSink;
  findings: FindingPublisher;
  state: FindingStateStore;
  /** Needed when hygiene is not `off`. */
  values?: SecretValueReader;
  settings: StalenessSettings;
  /** The freshness check after rotations (shared/staleness/consumer-check.ts); absent, it does not run. */
  consumers?: ConsumerCheckDeps;
}

/** What one scan did, as the function returns and logs it (names and counts only). */
export interface StalenessScanSummary {
  asOf: string;
  secrets: number;
  /** List calls (pages): ListSecrets, then DescribeParameters for the parameters in scope. */
  listCalls: number;
  statuses: Record<SecretStatus, number>;
  overall: GroupFigures;
  metrics: { items: number; calls: number };
  findings: FindingPlan['counts'] & { sent: number };
  hygiene: { mode: HygieneMode; checked: number; flagged: number; skipped: number };
  /** Scopes (account/region) listed, and those that could not be read. */
  accounts: { scopes: number; reached: number; unreachable: Array<{ account: string; region: string; step: string; code: string }> };
  /** Replicas listed (folded under their primaries, never assessed on their own). */
  replicas: number;
  /** The version watch: ListSecretVersionIds calls (one per secret changed within 24 hours), counts taken, secrets at or past the warning. */
  versions: { calls: number; counted: number; nearLimit: number };
  /** The freshness check's counts, when it ran. */
  consumers?: ConsumerCheckPlan['counts'];
}

/** A listed and assessed inventory. */
export interface AssessedInventory {
  asOf: Date;
  assessments: SecretAssessment[];
  listCalls: number;
  /** Scopes that could not be read (empty for a single inventory, which throws instead). */
  unreachable?: UnreachableScope[];
  scopes?: number;
  replicas?: number;
  versions?: VersionCount[];
  versionCalls?: number;
}

/**
 * Lists every scope (bounded, failures kept), folds replicas under their primaries and assesses
 * each primary as of `asOf`; reads no values. `onSecret` sees each raw entry that is assessed.
 */
export async function assessAccounts(
  accounts: AccountsInventory,
  asOf: Date,
  settings: AssessmentSettings = {},
  onSecret?: (secret: SecretSummary) => void,
): Promise<AssessedInventory> {
  const listings = await listScopes(accounts.scopes, accounts.sourceFor, { concurrency: accounts.concurrency, now: asOf });
  const folded = foldReplicas(listings.flatMap((l) => l.secrets));
  const assessments = folded.secrets.map((secret) => {
    onSecret?.(secret);
    return assessSecret(secret, asOf, settings);
  });
  return {
    asOf,
    assessments,
    listCalls: listings.reduce((sum, l) => sum + l.listCalls, 0),
    unreachable: listings.filter((l) => l.error).map((l) => ({ scope: l.scope, failure: l.error! })),
    scopes: listings.length,
    replicas: folded.replicas.length,
    versions: listings.flatMap((l) => l.versions),
    versionCalls: listings.reduce((sum, l) => sum + l.versionCalls, 0),
  };
}

/** Lists the whole inventory and assesses each secret as of `asOf`; reads no values. `onSecret` sees each raw entry. */
export async function assessInventory(
  inventory: SecretInventory,
  asOf: Date,
  settings: AssessmentSettings = {},
  onSecret?: (secret: SecretSummary) => void,
): Promise<AssessedInventory> {
  const assessments: SecretAssessment[] = [];
  let listCalls = 0;
  for await (const page of inventory.pages()) {
    listCalls += 1;
    for (const secret of page) {
      onSecret?.(secret);
      assessments.push(assessSecret(secret, asOf, settings));
    }
  }
  return { asOf, assessments, listCalls };
}

/** Runs one scan. Throws after doing what it could when metrics or findings fail. */
export async function runStalenessScan(deps: StalenessScanDeps): Promise<StalenessScanSummary> {
  const now = deps.clock.now();
  const { settings } = deps;
  // The open findings are read while the inventory is listed.
  const openRecords = deps.state.loadAll();
  openRecords.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  // Which secrets the hygiene check will read is decided by their tags, seen only while listing.
  const hygieneWanted = new Set<string>();
  const listed: SecretSummary[] = [];
  // Values (hygiene) and the audit trail (consumers) are this account's: sessions in other accounts are read-only metadata.
  // An account reached through a role is a member; the home scope may not know its own id.
  const memberAccounts = new Set((deps.accounts?.scopes ?? []).filter((scope) => scope.roleArn !== undefined).map((scope) => scope.accountId));
  const isHome = (secret: SecretSummary) => secret.accountId === undefined || !memberAccounts.has(secret.accountId);
  const onSecret = (secret: SecretSummary) => {
    if (!isHome(secret)) return;
    if (wantsHygiene(secret.tags, settings.hygiene)) hygieneWanted.add(secret.arn);
    if (deps.consumers) listed.push(secret);
  };
  if (!deps.accounts && !deps.inventory) throw new KeywardenError('the staleness scan needs an inventory or accounts');
  const listing = deps.accounts ? await assessAccounts(deps.accounts, now, settings, onSecret) : await assessInventory(deps.inventory!, now, settings, onSecret);
  const unreachable = listing.unreachable ?? [];
  const versions = new Map((listing.versions ?? []).map((v) => [v.arn, v]));

  const hygiene = await checkHygiene(listing.assessments.filter((a) => hygieneWanted.has(a.arn)), deps);
  const tally = new InventoryTally();
  const ages = new AgeHistogram();
  const statuses = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<SecretStatus, number>;
  for (const assessment of listing.assessments) {
    const issues = hygiene.issues.get(assessment.arn);
    tally.add(assessment, issues !== undefined && issues.length > 0);
    ages.add(assessment);
    statuses[assessment.status] += 1;
  }
  const hygieneRan = settings.hygiene !== 'off';

  // The freshness check keeps its open findings in the same table under its own rule: each
  // planner sees only its own records, so neither resolves the other's.
  const open = await openRecords;
  const [metricsOutcome, findingsOutcome, consumersOutcome] = await Promise.allSettled([
    deps.metrics.put(buildMetrics(tally, ages, now, hygieneRan, deps.accounts ? unreachable.map((u) => u.scope) : undefined)),
    sendFindings(listing.assessments, hygiene, { unreachable, versions }, open.filter((r) => !isConsumerRecord(r)), now, deps),
    deps.consumers ? checkConsumers(listed, open.filter(isConsumerRecord), now, deps, deps.consumers) : Promise.resolve(undefined),
  ]);
  const failures = [metricsOutcome, findingsOutcome, consumersOutcome].filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failures.length > 0) {
    throw new KeywardenError(`staleness scan could not finish: ${failures.map((f) => (f.reason as Error).message).join('; ')}`, { cause: failures[0]!.reason });
  }
  const metrics = (metricsOutcome as PromiseFulfilledResult<{ items: number; calls: number }>).value;
  const findings = (findingsOutcome as PromiseFulfilledResult<StalenessScanSummary['findings']>).value;

  return {
    asOf: now.toISOString(),
    secrets: listing.assessments.length,
    listCalls: listing.listCalls,
    statuses,
    overall: tally.overall.figures(hygieneRan),
    metrics,
    findings,
    hygiene: {
      mode: settings.hygiene,
      checked: hygiene.checked.size,
      flagged: [...hygiene.issues.values()].filter((issues) => issues.length > 0).length,
      skipped: hygiene.skipped,
    },
    accounts: {
      scopes: listing.scopes ?? 1,
      reached: (listing.scopes ?? 1) - unreachable.length,
      unreachable: unreachable.map(({ scope, failure }) => ({ account: scope.accountId || 'home', region: scope.region, step: failure.step, code: failure.code })),
    },
    replicas: listing.replicas ?? 0,
    versions: { calls: listing.versionCalls ?? 0, counted: versions.size, nearLimit: [...versions.values()].filter((v) => v.versions >= (settings.versionWarnAt ?? DEFAULT_VERSION_WARN)).length },
    ...(deps.consumers && { consumers: (consumersOutcome as PromiseFulfilledResult<ConsumerCheckPlan['counts']>).value }),
  };
}

async function checkConsumers(listed: readonly SecretSummary[], open: OpenFindingRecord[], now: Date, deps: StalenessScanDeps, check: ConsumerCheckDeps): Promise<ConsumerCheckPlan['counts']> {
  const plan = await planConsumerCheck(listed, open, now, check);
  await deps.findings.publish(plan.publish);
  await deps.state.saveAll(plan.save);
  await deps.state.deleteAll(plan.remove);
  return plan.counts;
}

interface HygieneOutcome {
  issues: Map<string, HygieneIssue[]>;
  checked: Set<string>;
  skipped: number;
}

async function checkHygiene(wanted: readonly SecretAssessment[], deps: StalenessScanDeps): Promise<HygieneOutcome> {
  const outcome: HygieneOutcome = { issues: new Map(), checked: new Set(), skipped: 0 };
  const mode = deps.settings.hygiene;
  if (mode === 'off') return outcome;
  if (!deps.values) throw new KeywardenError(`hygiene mode ${mode} needs a value reader`);
  for (const result of await runHygiene(wanted, deps.values)) {
    if (result.outcome === 'skipped') {
      outcome.skipped += 1;
      continue;
    }
    outcome.checked.add(result.arn);
    outcome.issues.set(result.arn, result.issues);
  }
  return outcome;
}

async function sendFindings(
  assessments: readonly SecretAssessment[],
  hygiene: HygieneOutcome,
  scopes: { unreachable: UnreachableScope[]; versions: Map<string, VersionCount> },
  open: Awaited<ReturnType<FindingStateStore['loadAll']>>,
  now: Date,
  deps: StalenessScanDeps,
): Promise<StalenessScanSummary['findings']> {
  const limit = { warnAt: deps.settings.versionWarnAt ?? DEFAULT_VERSION_WARN };
  const active = assessments.flatMap((a) => problemsOf(a, hygiene.issues.get(a.arn), scopes.versions.get(a.arn), limit));
  const plan = planFindings(active, open, {
    now,
    listed: new Set(assessments.map((a) => a.arn)),
    hygieneChecked: hygiene.checked,
    ttlDays: deps.settings.stateTtlDays,
    unreachable: scopes.unreachable,
    versionsCounted: new Set(scopes.versions.keys()),
  });
  // Send first, then record: a crash in between sends the same findings again (same ids, as
  // the day is the same), never loses them.
  await deps.findings.publish(plan.publish);
  await deps.state.saveAll(plan.save);
  await deps.state.deleteAll(plan.remove);
  return { ...plan.counts, sent: plan.publish.length };
}
