import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { KeywardenError } from '../errors';
import type { Finding, FindingPublisher } from '../finding';
import { FINDING_DETAIL_TYPE, FINDING_EVENT_SOURCE } from '../finding-event';
import { fitFindingEvidence } from '../detection/finding-size';
import { isOwnSecretArn, type OwnRegion } from '../secret-arn';

/** PutEvents takes at most 10 entries a call... */
const MAX_ENTRIES = 10;
/** ...and at most 256 KB a call (entries measured as EventBridge does), kept with a margin. */
const MAX_REQUEST_BYTES = 250_000;
/** One finding's entry at most this: larger evidence is trimmed, with a note (finding-size.ts). */
const MAX_ENTRY_BYTES = 200_000;
const ATTEMPTS = 3;

/**
 * Puts findings on the keywarden bus in requests within PutEvents' limits (10 entries, 256 KB),
 * resending only the entries EventBridge reports as failed, so a throttled entry is neither lost
 * nor sent twice. A finding too big alone is sent with its evidence trimmed and a note saying so.
 * `Resources` carries the finding's secret ARN only when it is a valid secret ARN of this
 * partition, region and account (`own`); without `own`, never: the ARN came from a CloudTrail
 * record, which is attacker text.
 */
export class EventBridgeFindingPublisher implements FindingPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly own?: OwnRegion,
  ) {}

  async publish(findings: readonly Finding[]): Promise<void> {
    for (const request of requestsOf(findings.map((finding) => this.entry(finding)))) await this.putWithRetry(request);
  }

  private entry(finding: Finding): PutEventsRequestEntry {
    const arn = finding.secret?.arn;
    const base = {
      EventBusName: this.busName,
      Source: FINDING_EVENT_SOURCE,
      DetailType: FINDING_DETAIL_TYPE,
      Time: new Date(finding.observedAt),
      Resources: this.own && isOwnSecretArn(arn, this.own) ? [arn] : undefined,
    };
    const room = MAX_ENTRY_BYTES - entryBytes({ ...base, Detail: '' });
    return { ...base, Detail: JSON.stringify(fitFindingEvidence(finding, room)) };
  }

  private async putWithRetry(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; attempt <= ATTEMPTS && pending.length > 0; attempt += 1) {
      const out = await this.client.send(new PutEventsCommand({ Entries: pending }));
      pending = pending.filter((_, i) => out.Entries?.[i]?.ErrorCode);
    }
    if (pending.length > 0) {
      throw new KeywardenError(`EventBridge refused ${pending.length} finding(s) on bus ${this.busName} after ${ATTEMPTS} attempts`);
    }
  }
}

/**
 * An entry's size as EventBridge counts it (Time 14 bytes; Source, DetailType, Detail, each
 * resource and, to be safe, the bus name, in UTF-8 bytes).
 */
export function entryBytes(entry: PutEventsRequestEntry): number {
  const utf8 = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (entry.Time ? 14 : 0) + utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail) + utf8(entry.EventBusName) + (entry.Resources ?? []).reduce((n, r) => n + utf8(r), 0);
}

/** Entries packed in order into requests of at most 10 entries and {@link MAX_REQUEST_BYTES}. */
export function requestsOf(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const out: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entryBytes(entry);
    if (current.length > 0 && (current.length >= MAX_ENTRIES || bytes + size > MAX_REQUEST_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
