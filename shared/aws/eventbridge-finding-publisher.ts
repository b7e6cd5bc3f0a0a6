import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { KeywardenError } from '../errors';
import type { Finding, FindingPublisher } from '../alerting/finding';
import { FINDING_DETAIL_TYPE, FINDING_EVENT_SOURCE } from '../alerting/finding-event';

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;
const ATTEMPTS = 3;

/**
 * Puts findings on the keywarden bus, ten at a time, resending only the entries EventBridge
 * reports as failed, so a throttled entry is neither lost nor sent twice.
 */
export class EventBridgeFindingPublisher implements FindingPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(findings: readonly Finding[]): Promise<void> {
    for (let start = 0; start < findings.length; start += BATCH) {
      await this.putWithRetry(findings.slice(start, start + BATCH).map((finding) => this.entry(finding)));
    }
  }

  private entry(finding: Finding): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: FINDING_EVENT_SOURCE,
      DetailType: FINDING_DETAIL_TYPE,
      Detail: JSON.stringify(finding),
      Time: new Date(finding.observedAt),
      Resources: finding.secret?.arn ? [finding.secret.arn] : undefined,
    };
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
