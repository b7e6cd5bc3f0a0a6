import type { FindingPublisher } from '../alerting/finding';
import type { Clock } from '../clock';
import { isConsumerRecord, planConsumerCheck, type ConsumerCheckDeps, type ConsumerCheckPlan } from '../consumers/check';
import { KeywardenError } from '../errors';
import { assessSecret, STATUSES, type AssessmentSettings, type SecretAssessment, type SecretStatus } from './assess';
import { InventoryTally, type GroupFigures } from './figures';
import type { FindingStateStore, OpenFindingRecord } from './finding-state';
import { planFindings, problemsOf, type FindingPlan } from './findings';
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
}

/** What the scan needs. */
export interface StalenessScanDeps {
  inventory: SecretInventory;
  clock: Clock;
  metrics: MetricsSink;
  findings: FindingPublisher;
  state: FindingStateStore;
  /** Needed when hygiene is not `off`. */
  values?: SecretValueReader;
  settings: StalenessSettings;
  /** The freshness check after rotations (shared/consumers/check.ts); absent, it does not run. */
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
  /** The freshness check's counts, when it ran. */
  consumers?: ConsumerCheckPlan['counts'];
}

/** A listed and assessed inventory. */
export interface AssessedInventory {
  asOf: Date;
  assessments: SecretAssessment[];
  listCalls: number;
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
  const listing = await assessInventory(deps.inventory, now, settings, (secret) => {
    if (wantsHygiene(secret.tags, settings.hygiene)) hygieneWanted.add(secret.arn);
    if (deps.consumers) listed.push(secret);
  });

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
    deps.metrics.put(buildMetrics(tally, ages, now, hygieneRan)),
    sendFindings(listing.assessments, hygiene, open.filter((r) => !isConsumerRecord(r)), now, deps),
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
  open: Awaited<ReturnType<FindingStateStore['loadAll']>>,
  now: Date,
  deps: StalenessScanDeps,
): Promise<StalenessScanSummary['findings']> {
  const active = assessments.flatMap((a) => problemsOf(a, hygiene.issues.get(a.arn)));
  const plan = planFindings(active, open, {
    now,
    listed: new Set(assessments.map((a) => a.arn)),
    hygieneChecked: hygiene.checked,
    ttlDays: deps.settings.stateTtlDays,
  });
  // Send first, then record: a crash in between sends the same findings again (same ids, as
  // the day is the same), never loses them.
  await deps.findings.publish(plan.publish);
  await deps.state.saveAll(plan.save);
  await deps.state.deleteAll(plan.remove);
  return { ...plan.counts, sent: plan.publish.length };
}
