import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum as CloudWatchDatum } from '@aws-sdk/client-cloudwatch';
import { KeywardenError } from '../errors';
import type { MetricDatum, MetricsPutResult, MetricsSink } from '../staleness/metrics-sink';

/**
 * PutMetricData's limits (CloudWatch API reference, PutMetricData): at most 1000 metric data
 * items and 1 MB of request per call, at most 150 distinct values in one Values/Counts datum,
 * at most 30 dimensions. The size is counted on the uncompressed JSON body (the SDK may gzip it,
 * which only makes it smaller), against 1,000,000 bytes to stay clear of the MB.
 */
export const PUT_METRIC_DATA_LIMITS = { maxItems: 1000, maxBytes: 1_000_000, maxValuesPerDatum: 150, maxDimensions: 30 } as const;

/** The limits a packing respects; the real ones unless a test says otherwise. */
export type PutMetricDataLimits = { maxItems: number; maxBytes: number; maxValuesPerDatum: number; maxDimensions: number };

/** One call's worth of data, with its body size. */
export interface MetricBatch {
  data: CloudWatchDatum[];
  bytes: number;
}

/**
 * Sends metric data to one CloudWatch namespace in as few PutMetricData calls as the limits
 * allow: distributions longer than 150 values are split, then items are packed into calls of up
 * to 1000 items and 1 MB, in order.
 */
export class CloudWatchMetricsSink implements MetricsSink {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
    private readonly limits: PutMetricDataLimits = PUT_METRIC_DATA_LIMITS,
  ) {}

  async put(data: readonly MetricDatum[]): Promise<MetricsPutResult> {
    const batches = packMetricData(this.namespace, data, this.limits);
    for (const batch of batches) {
      try {
        await this.client.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch.data }));
      } catch (error) {
        throw new KeywardenError(`PutMetricData to ${this.namespace} failed (${batch.data.length} items)`, { cause: error });
      }
    }
    return { items: batches.reduce((sum, b) => sum + b.data.length, 0), calls: batches.length };
  }
}

/** Splits and packs `data` into calls; pure, so tests and the benchmark can count calls. */
export function packMetricData(namespace: string, data: readonly MetricDatum[], limits: PutMetricDataLimits = PUT_METRIC_DATA_LIMITS): MetricBatch[] {
  const envelope = byteLength({ Namespace: namespace, MetricData: [] });
  const batches: MetricBatch[] = [];
  let current: MetricBatch = { data: [], bytes: envelope };
  for (const item of data.flatMap((datum) => toWire(datum, limits))) {
    const size = byteLength(item) + 1; // and a comma
    if (envelope + size > limits.maxBytes) throw new KeywardenError(`metric ${item.MetricName} alone exceeds PutMetricData's size limit`);
    if (current.data.length >= limits.maxItems || current.bytes + size > limits.maxBytes) {
      batches.push(current);
      current = { data: [], bytes: envelope };
    }
    current.data.push(item);
    current.bytes += size;
  }
  if (current.data.length > 0) batches.push(current);
  return batches;
}

/** The fewest calls any packing could use for `batches`' items and bytes. */
export function minimumCalls(namespace: string, batches: readonly MetricBatch[], limits: PutMetricDataLimits = PUT_METRIC_DATA_LIMITS): number {
  const envelope = byteLength({ Namespace: namespace, MetricData: [] });
  const items = batches.reduce((sum, b) => sum + b.data.length, 0);
  const payload = batches.reduce((sum, b) => sum + b.bytes - envelope, 0);
  if (items === 0) return 0;
  return Math.max(Math.ceil(items / limits.maxItems), Math.ceil(payload / (limits.maxBytes - envelope)));
}

function toWire(datum: MetricDatum, limits: PutMetricDataLimits): CloudWatchDatum[] {
  const dimensions = Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value }));
  if (dimensions.length > limits.maxDimensions) throw new KeywardenError(`metric ${datum.name} has more than ${limits.maxDimensions} dimensions`);
  const base = { MetricName: datum.name, Dimensions: dimensions, Timestamp: datum.timestamp, Unit: datum.unit };
  if (datum.values === undefined) {
    if (datum.value === undefined || !Number.isFinite(datum.value)) throw new KeywardenError(`metric ${datum.name} has no finite value`);
    return [{ ...base, Value: datum.value }];
  }
  const counts = datum.counts ?? datum.values.map(() => 1);
  if (counts.length !== datum.values.length) throw new KeywardenError(`metric ${datum.name} has ${datum.values.length} values but ${counts.length} counts`);
  const out: CloudWatchDatum[] = [];
  for (let start = 0; start < datum.values.length; start += limits.maxValuesPerDatum) {
    out.push({ ...base, Values: datum.values.slice(start, start + limits.maxValuesPerDatum), Counts: counts.slice(start, start + limits.maxValuesPerDatum) });
  }
  return out;
}

/** Bytes of the JSON the SDK sends for `value` (dates go out as epoch seconds). */
function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? 1_700_000_000.123 : v)));
}
