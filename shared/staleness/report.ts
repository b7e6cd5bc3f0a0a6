import type { SecretAssessment, SecretStatus } from './assess';
import { InventoryTally, NO_TENANT, type GroupFigures } from './figures';
import { SECRET_TYPES, type SecretType } from './secret-type';

/**
 * The compliance report: the same figures the metrics carry (one {@link InventoryTally}), by
 * tenant, by type and by both, the secrets that need a person (oldest, stale, unused, failing),
 * and each policy's age distribution for the chart. Built from assessments, so the report, the
 * CLI and the metrics of one inventory agree to the secret.
 */

/** One secret as the report lists it (metadata only). */
export interface SecretLine {
  kind: SecretAssessment['kind'];
  name: string;
  tenant: string;
  type: SecretType;
  status: SecretStatus;
  conditions: string[];
  ageDays: number;
  maxAgeDays: number;
  unreadDays: number;
  lastAccessedDate?: string;
  rotationEnabled: boolean;
  rotationFailure?: string;
  /** The account and region it lives in ('' when not known). */
  account: string;
  region: string;
  /** Regions it is replicated to (replicas are rotated through it). */
  replicaRegions: string[];
}

/** A row of figures for a tenant, a type, a tenant and type, or an account. */
export interface GroupRow extends GroupFigures {
  tenant?: string;
  type?: SecretType;
  account?: string;
}

/** An account/region the report could not read: its secrets are missing from every figure. */
export interface UnreachableRow {
  account: string;
  region: string;
  step: string;
  code: string;
}

/** A replica whose primary's region was not read (those whose primary was are under it). */
export interface ReplicaRow {
  name: string;
  account: string;
  region: string;
  primaryRegion: string;
  primaryArn: string;
}

/** The ages of the secrets under one policy (type and max age), for the chart. */
export interface PolicyAges {
  type: SecretType;
  maxAgeDays: number;
  warnDays: number;
  secrets: number;
  stale: number;
  dueSoon: number;
  oldestAgeDays: number;
  /** [whole days of age, secrets of that age], ascending. */
  histogram: Array<[number, number]>;
}

/** A list of secrets, cut at the report's list limit, with how many there are in all. */
export interface SecretList {
  total: number;
  secrets: SecretLine[];
}

/** The whole report. */
export interface ComplianceReport {
  title: string;
  /** The instant the secrets were assessed as of (ISO). */
  asOf: string;
  generatedAt: string;
  /** Where the inventory came from, e.g. `AWS us-east-1` or `local AWS http://127.0.0.1:5000`. */
  source: string;
  totals: GroupFigures;
  byTenant: GroupRow[];
  byType: GroupRow[];
  byTenantAndType: GroupRow[];
  byAccount: GroupRow[];
  unreachable: UnreachableRow[];
  replicasWithoutPrimary: ReplicaRow[];
  /** Replicas listed in all (each shown under its primary, or in replicasWithoutPrimary). */
  replicas: number;
  oldest: SecretList;
  stale: SecretList;
  unused: SecretList;
  failing: SecretList;
  policies: PolicyAges[];
}

/** Options of {@link buildComplianceReport}. */
export interface ReportOptions {
  asOf: Date;
  generatedAt?: Date;
  source: string;
  title?: string;
  /** How many secrets each list shows; default 50 (10 for the oldest). */
  listLimit?: number;
  /** Account/regions that could not be read. */
  unreachable?: readonly UnreachableRow[];
  /** Every replica listed, and those whose primary was not. */
  replicas?: number;
  replicasWithoutPrimary?: readonly ReplicaRow[];
}

/** Builds the report from an assessed inventory. */
export function buildComplianceReport(assessments: readonly SecretAssessment[], options: ReportOptions): ComplianceReport {
  const tally = new InventoryTally();
  for (const assessment of assessments) tally.add(assessment);
  const limit = options.listLimit ?? 50;
  const lines = assessments.map(lineOf);
  const pick = (filter: (l: SecretLine) => boolean, order: (a: SecretLine, b: SecretLine) => number, max = limit): SecretList => {
    const all = lines.filter(filter).sort(order);
    return { total: all.length, secrets: all.slice(0, max) };
  };
  return {
    title: options.title ?? 'keywarden compliance report',
    asOf: options.asOf.toISOString(),
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    source: options.source,
    totals: tally.overall.figures(),
    byTenant: [...tally.byTenant].sort(([a], [b]) => tenantOrder(a, b)).map(([tenant, t]) => ({ tenant, ...t.figures() })),
    byType: SECRET_TYPES.filter((type) => tally.byType.has(type)).map((type) => ({ type, ...tally.byType.get(type)!.figures() })),
    byTenantAndType: [...tally.byTenantAndType]
      .map(([key, t]) => {
        const [tenant, type] = key.split('\u0000') as [string, SecretType];
        return { tenant, type, ...t.figures() };
      })
      .sort((a, b) => tenantOrder(a.tenant, b.tenant) || SECRET_TYPES.indexOf(a.type) - SECRET_TYPES.indexOf(b.type)),
    byAccount: [...tally.byAccount].sort(([a], [b]) => a.localeCompare(b)).map(([account, t]) => ({ account, ...t.figures() })),
    unreachable: [...(options.unreachable ?? [])],
    replicasWithoutPrimary: [...(options.replicasWithoutPrimary ?? [])],
    replicas: options.replicas ?? 0,
    oldest: pick(() => true, (a, b) => b.ageDays - a.ageDays || a.name.localeCompare(b.name), Math.min(limit, 10)),
    stale: pick((l) => l.conditions.includes('stale'), (a, b) => b.ageDays / b.maxAgeDays - a.ageDays / a.maxAgeDays || a.name.localeCompare(b.name)),
    unused: pick((l) => l.conditions.includes('unused'), (a, b) => b.unreadDays - a.unreadDays || a.name.localeCompare(b.name)),
    failing: pick((l) => l.conditions.includes('rotation-failing'), (a, b) => a.name.localeCompare(b.name)),
    policies: policyAges(assessments),
  };
}

function lineOf(a: SecretAssessment): SecretLine {
  const line: SecretLine = {
    kind: a.kind,
    name: a.name,
    tenant: a.tenant ?? NO_TENANT,
    type: a.type,
    status: a.status,
    conditions: [...a.conditions],
    ageDays: a.ageDays,
    maxAgeDays: a.policy.maxAgeDays,
    unreadDays: a.unreadDays,
    rotationEnabled: a.rotationEnabled,
    account: a.accountId ?? '',
    region: a.region ?? '',
    replicaRegions: (a.replicas ?? []).map((r) => r.region),
  };
  if (a.lastAccessedDate) line.lastAccessedDate = a.lastAccessedDate;
  if (a.rotationFailure) line.rotationFailure = a.rotationFailure;
  return line;
}

function policyAges(assessments: readonly SecretAssessment[]): PolicyAges[] {
  const groups = new Map<string, PolicyAges & { days: Map<number, number> }>();
  for (const a of assessments) {
    const key = `${a.type}\u0000${a.policy.maxAgeDays}\u0000${a.policy.warnDays}`;
    let group = groups.get(key);
    if (!group) {
      group = { type: a.type, maxAgeDays: a.policy.maxAgeDays, warnDays: a.policy.warnDays, secrets: 0, stale: 0, dueSoon: 0, oldestAgeDays: 0, histogram: [], days: new Map() };
      groups.set(key, group);
    }
    group.secrets += 1;
    if (a.conditions.includes('stale')) group.stale += 1;
    if (a.conditions.includes('due-soon')) group.dueSoon += 1;
    group.oldestAgeDays = Math.max(group.oldestAgeDays, a.ageDays);
    const day = Math.floor(a.ageDays);
    group.days.set(day, (group.days.get(day) ?? 0) + 1);
  }
  return [...groups.values()]
    .map(({ days, ...group }) => ({ ...group, histogram: [...days].sort(([x], [y]) => x - y) }))
    .sort((a, b) => SECRET_TYPES.indexOf(a.type) - SECRET_TYPES.indexOf(b.type) || a.maxAgeDays - b.maxAgeDays);
}

/** Tenants alphabetically, secrets owned by no tenant last. */
function tenantOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === NO_TENANT) return 1;
  if (b === NO_TENANT) return -1;
  return a.localeCompare(b, 'en', { numeric: true });
}
