/**
 * Where metrics go. `shared/aws/cloudwatch-metrics.ts` implements it over PutMetricData, packing
 * the data into as few calls as the API's limits allow; the domain only says what to send.
 */

/** Units the staleness metrics use (a subset of CloudWatch's). */
export type MetricUnit = 'Count' | 'Percent' | 'None';

/** One metric observation: a single value, or a distribution as values with their counts. */
export interface MetricDatum {
  name: string;
  /** Dimension name to value; empty for an overall figure. */
  dimensions: Readonly<Record<string, string>>;
  unit: MetricUnit;
  timestamp: Date;
  value?: number;
  /** A distribution: each value once, with how often it occurred in `counts`. */
  values?: number[];
  counts?: number[];
}

/** What a sink reports about one put. */
export interface MetricsPutResult {
  /** Data items sent (a long distribution may take more than one). */
  items: number;
  /** Calls made to the metrics service. */
  calls: number;
}

/** Sends metric data. */
export interface MetricsSink {
  put(data: readonly MetricDatum[]): Promise<MetricsPutResult>;
}
