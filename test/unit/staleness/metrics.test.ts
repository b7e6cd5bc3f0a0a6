import { describe, expect, it } from 'vitest';
import { minimumCalls, packMetricData, PUT_METRIC_DATA_LIMITS } from '../../../shared/aws/cloudwatch-metrics';
import { assessSecret } from '../../../shared/staleness/assess';
import { InventoryTally } from '../../../shared/staleness/figures';
import { AgeHistogram, buildMetrics } from '../../../shared/staleness/metrics';
import type { MetricDatum } from '../../../shared/staleness/metrics-sink';
import { NOW, summary } from '../../support/staleness-summaries';

function metricsFor(secrets: ReturnType<typeof summary>[], hygieneRan = false) {
  const tally = new InventoryTally();
  const ages = new AgeHistogram();
  for (const secret of secrets) {
    const a = assessSecret(secret, NOW);
    tally.add(a);
    ages.add(a);
  }
  return buildMetrics(tally, ages, NOW, hygieneRan);
}

const find = (data: MetricDatum[], name: string, dimensions: Record<string, string> = {}) =>
  data.find((d) => d.name === name && JSON.stringify(d.dimensions) === JSON.stringify(dimensions));

describe('buildMetrics', () => {
  const secrets = [
    summary({ name: 'acme/tenant-1/db-password', age: 100 }), // database, stale
    summary({ name: 'acme/tenant-1/stripe-api-key', age: 10, rotationEnabled: true }), // api-key, ok
    summary({ name: 'acme/tenant-2/session-jwt', age: 31 }), // jwt, stale
    summary({ name: 'acme/shared/smtp-password', age: 80 }), // password, due soon, no tenant
  ];
  const data = metricsFor(secrets);

  it('sends each figure overall, by tenant and by type, zeros included', () => {
    expect(find(data, 'Secrets')?.value).toBe(4);
    expect(find(data, 'StaleSecrets')?.value).toBe(2);
    expect(find(data, 'StaleSecrets', { Tenant: 'tenant-1' })?.value).toBe(1);
    expect(find(data, 'StaleSecrets', { Tenant: 'no-tenant' })?.value).toBe(0);
    expect(find(data, 'DueSoonSecrets', { Tenant: 'no-tenant' })?.value).toBe(1);
    expect(find(data, 'StaleSecrets', { SecretType: 'jwt-signing-key' })?.value).toBe(1);
    expect(find(data, 'RotationDisabledSecrets')?.value).toBe(3);
    expect(find(data, 'RotationFailingSecrets')?.value).toBe(0);
    expect(find(data, 'ComplianceScore')).toMatchObject({ value: 50, unit: 'Percent' });
    expect(find(data, 'OldestSecretAgeDays', { SecretType: 'database' })?.value).toBe(100);
    // 4 groups overall+tenants (overall, tenant-1, tenant-2, no-tenant) and 4 types, 8 figures each.
    expect(data.filter((d) => d.values === undefined)).toHaveLength(8 * 8);
    expect(data.every((d) => d.timestamp === NOW)).toBe(true);
  });

  it('sends WeakValueSecrets only when the hygiene check ran', () => {
    expect(find(data, 'WeakValueSecrets')).toBeUndefined();
    expect(find(metricsFor(secrets, true), 'WeakValueSecrets')?.value).toBe(0);
  });

  it('sends the age distribution as values and counts, overall and by type', () => {
    const ages = find(data, 'SecretAgeDays');
    expect(ages).toMatchObject({ values: [10, 31, 80, 100], counts: [1, 1, 1, 1] });
    expect(find(data, 'SecretAgeDays', { SecretType: 'database' })).toMatchObject({ values: [100], counts: [1] });
  });
});

describe('packMetricData: as few PutMetricData calls as the limits allow', () => {
  const datum = (i: number): MetricDatum => ({ name: 'StaleSecrets', dimensions: { Tenant: `tenant-${i}` }, unit: 'Count', timestamp: NOW, value: i });

  it('puts up to 1000 items in a call', () => {
    const batches = packMetricData('Keywarden/ci/Staleness', Array.from({ length: 2500 }, (_, i) => datum(i)));
    expect(batches.map((b) => b.data.length)).toEqual([1000, 1000, 500]);
    expect(minimumCalls('Keywarden/ci/Staleness', batches)).toBe(3);
    expect(batches.every((b) => b.bytes < PUT_METRIC_DATA_LIMITS.maxBytes)).toBe(true);
  });

  it('starts a new call before the body would pass the size limit', () => {
    const limits = { ...PUT_METRIC_DATA_LIMITS, maxBytes: 2000 };
    const batches = packMetricData('ns', Array.from({ length: 50 }, (_, i) => datum(i)), limits);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(2000);
    // Greedy packing by size never uses more than one call above the bound.
    expect(batches.length).toBeLessThanOrEqual(minimumCalls('ns', batches, limits) + 1);
    // The body as the SDK sends it (AWS JSON 1.0: timestamps as epoch seconds).
    const wire = batches[0]!.data.map((d) => ({ ...d, Timestamp: (d.Timestamp as Date).getTime() / 1000 }));
    expect(JSON.stringify({ Namespace: 'ns', MetricData: wire }).length).toBeLessThanOrEqual(2000);
  });

  it('splits a distribution into data of at most 150 values, keeping counts aligned', () => {
    const values = Array.from({ length: 400 }, (_, i) => i);
    const batches = packMetricData('ns', [{ name: 'SecretAgeDays', dimensions: {}, unit: 'None', timestamp: NOW, values, counts: values.map((v) => v + 1) }]);
    const items = batches.flatMap((b) => b.data);
    expect(items.map((i) => i.Values!.length)).toEqual([150, 150, 100]);
    expect(items[2]!.Values![0]).toBe(300);
    expect(items[2]!.Counts![0]).toBe(301);
  });

  it('refuses what CloudWatch would refuse', () => {
    expect(() => packMetricData('ns', [{ ...datum(1), value: Number.NaN }])).toThrow(/no finite value/);
    expect(() => packMetricData('ns', [{ ...datum(1), value: undefined, values: [1, 2], counts: [1] }])).toThrow(/2 values but 1 counts/);
  });
});
