import type { SecretAssessment } from './assess';
import type { GroupFigures, InventoryTally } from './figures';
import type { MetricDatum, MetricUnit } from './metrics-sink';

/**
 * The staleness metrics: each figure overall (no dimensions), by `Account`, by `Tenant` and by `SecretType`,
 * plus the distribution of ages in whole days (`SecretAgeDays`, as values and counts, so
 * CloudWatch can give percentiles). Every figure of every group seen is sent, zeros included,
 * so an alarm sees 0 rather than missing data when the last stale secret is rotated.
 */

/** Metric names, by the figure they carry. */
export const METRIC_NAMES = {
  secrets: 'Secrets',
  stale: 'StaleSecrets',
  dueSoon: 'DueSoonSecrets',
  unused: 'UnusedSecrets',
  rotationDisabled: 'RotationDisabledSecrets',
  rotationFailing: 'RotationFailingSecrets',
  oldestAgeDays: 'OldestSecretAgeDays',
  complianceScore: 'ComplianceScore',
  weakValue: 'WeakValueSecrets',
} as const satisfies Partial<Record<keyof GroupFigures, string>>;

/** The age distribution metric. */
export const AGE_DISTRIBUTION_METRIC = 'SecretAgeDays';

/** Dimension names. */
export const TENANT_DIMENSION = 'Tenant';
export const TYPE_DIMENSION = 'SecretType';
export const ACCOUNT_DIMENSION = 'Account';
/** Account/region scopes the scan could not read (overall, and by Account). */
export const UNREACHABLE_METRIC = 'UnreachableScopes';

const UNITS: Record<keyof typeof METRIC_NAMES, MetricUnit> = {
  secrets: 'Count',
  stale: 'Count',
  dueSoon: 'Count',
  unused: 'Count',
  rotationDisabled: 'Count',
  rotationFailing: 'Count',
  oldestAgeDays: 'None',
  complianceScore: 'Percent',
  weakValue: 'Count',
};

/** Every metric datum for one scan. */
export function buildMetrics(
  tally: InventoryTally,
  ages: AgeHistogram,
  timestamp: Date,
  hygieneRan: boolean,
  unreachable?: ReadonlyArray<{ accountId: string }>,
): MetricDatum[] {
  const data: MetricDatum[] = [];
  data.push(...figureData(tally.overall.figures(hygieneRan), {}, timestamp));
  for (const [account, figures] of sorted(tally.byAccount)) data.push(...figureData(figures.figures(hygieneRan), { [ACCOUNT_DIMENSION]: account }, timestamp));
  if (unreachable) data.push(...unreachableData(unreachable, tally, timestamp));
  for (const [tenant, figures] of sorted(tally.byTenant)) data.push(...figureData(figures.figures(hygieneRan), { [TENANT_DIMENSION]: tenant }, timestamp));
  for (const [type, figures] of sorted(tally.byType)) data.push(...figureData(figures.figures(hygieneRan), { [TYPE_DIMENSION]: type }, timestamp));
  data.push(...ages.data(timestamp));
  return data;
}

/** Unreachable scopes overall and by account: every account seen or configured gets a figure, 0 included, so its alarm clears. */
function unreachableData(unreachable: ReadonlyArray<{ accountId: string }>, tally: InventoryTally, timestamp: Date): MetricDatum[] {
  const byAccount = new Map<string, number>([...tally.byAccount.keys()].map((account) => [account, 0]));
  for (const { accountId } of unreachable) if (accountId) byAccount.set(accountId, (byAccount.get(accountId) ?? 0) + 1);
  return [
    { name: UNREACHABLE_METRIC, dimensions: {}, unit: 'Count', timestamp, value: unreachable.length },
    ...[...byAccount].sort(([a], [b]) => a.localeCompare(b)).map(([account, value]): MetricDatum => ({ name: UNREACHABLE_METRIC, dimensions: { [ACCOUNT_DIMENSION]: account }, unit: 'Count', timestamp, value })),
  ];
}

function figureData(figures: GroupFigures, dimensions: Record<string, string>, timestamp: Date): MetricDatum[] {
  return (Object.keys(METRIC_NAMES) as Array<keyof typeof METRIC_NAMES>)
    .filter((key) => figures[key] !== undefined)
    .map((key) => ({ name: METRIC_NAMES[key], dimensions, unit: UNITS[key], timestamp, value: round(figures[key]!) }));
}

/** Whole-day ages, overall and by type, counted as they arrive. */
export class AgeHistogram {
  private readonly overall = new Map<number, number>();
  private readonly byType = new Map<string, Map<number, number>>();

  add(assessment: Pick<SecretAssessment, 'ageDays' | 'type'>): void {
    const day = Math.floor(assessment.ageDays);
    bump(this.overall, day);
    let forType = this.byType.get(assessment.type);
    if (!forType) this.byType.set(assessment.type, (forType = new Map()));
    bump(forType, day);
  }

  /** One distribution datum per group; the sink splits any longer than the API takes. */
  data(timestamp: Date): MetricDatum[] {
    const out: MetricDatum[] = [];
    const datum = (histogram: Map<number, number>, dimensions: Record<string, string>) => {
      if (histogram.size === 0) return;
      const entries = [...histogram].sort(([a], [b]) => a - b);
      out.push({
        name: AGE_DISTRIBUTION_METRIC,
        dimensions,
        unit: 'None',
        timestamp,
        values: entries.map(([day]) => day),
        counts: entries.map(([, count]) => count),
      });
    };
    datum(this.overall, {});
    for (const [type, histogram] of sorted(this.byType)) datum(histogram, { [TYPE_DIMENSION]: type });
    return out;
  }
}

function bump(map: Map<number, number>, key: number): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted<K extends string, V>(map: Map<K, V>): Array<[K, V]> {
  return [...map].sort(([a], [b]) => a.localeCompare(b));
}

/** Two decimals: a metric is read by people and alarms, not by accountants. */
function round(value: number): number {
  return Math.round(value * 100) / 100;
}
