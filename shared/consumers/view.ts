import type { AuditStore } from '../audit/store';
import type { SecretMetadata } from '../secrets-store';
import { AWSCURRENT, versionWithStage } from '../secrets-store';
import { judgeFreshness, type ConsumerFreshness, type FreshnessSettings } from './freshness';
import { readConsumers, type ConsumerReading } from './reader';

/** What `keywarden consumers <secret>` shows: the map, and each consumer's freshness when the change time is known. */
export interface ConsumerReport {
  secret: string;
  currentVersionId?: string;
  currentSince?: ConsumerReading['currentSince'];
  since: string;
  until: string;
  queries: number;
  truncated: boolean;
  omitted: number;
  rotators: string[];
  consumers: ConsumerFreshness[];
  counts?: { refreshed: number; waiting: number; behind: number };
}

/** Reads the map of one secret (described first) and judges it as of `now`. */
export async function consumerReport(audit: AuditStore, metadata: SecretMetadata, now: Date, windowDays: number, settings: FreshnessSettings): Promise<ConsumerReport> {
  const currentVersionId = versionWithStage(metadata, AWSCURRENT);
  const reading = await readConsumers(audit, { name: metadata.name, currentVersionId, lastRotatedDate: metadata.lastRotatedDate, lastChangedDate: metadata.lastChangedDate }, now, windowDays);
  const base = { secret: metadata.name, currentVersionId, currentSince: reading.currentSince, since: reading.since, until: reading.until, queries: reading.queries, truncated: reading.truncated, omitted: reading.map.omitted, rotators: reading.map.rotators };
  if (!reading.currentSince) return { ...base, consumers: reading.map.consumers.map((consumer) => ({ consumer, state: 'inactive', graceSeconds: 0 })) };
  const view = judgeFreshness(reading.map, reading.currentSince.at, now, settings);
  return { ...base, consumers: view.consumers, counts: { refreshed: view.refreshed, waiting: view.waiting, behind: view.behind } };
}
