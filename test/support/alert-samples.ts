import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlertStateStore, ClaimContext, ClaimResult, DeliveryRecord, FindingState, FloodWrites, GroupState } from '../../shared/alerting/alert-state';
import type { Alert, ChannelName } from '../../shared/alerting/channel';
import type { AwsDeployment } from '../../shared/alerting/console-link';
import type { FloodKeys } from '../../shared/alerting/flood-control';
import { parseFinding, type Finding } from '../../shared/finding';

const EVENTS = join(import.meta.dirname, '..', '..', 'events', 'alert');

/** A sample event from events/alert/. */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as Record<string, unknown>;
}

/** The finding inside a sample finding event. */
export function sampleFinding(name: 'audit' | 'staleness' | 'emergency' | 'rotation'): Finding {
  return parseFinding(sampleEvent(`finding-${name}.json`).detail);
}

/** The deployment the sample findings' secret ARNs belong to. */
export const SAMPLE_DEPLOYMENT: AwsDeployment = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };

/** An alert for a finding, first of its group, in {@link SAMPLE_DEPLOYMENT}. */
export function alertOf(finding: Finding, group: Partial<Alert['group']> = {}): Alert {
  return { finding, stage: 'test', deployment: SAMPLE_DEPLOYMENT, group: { occurrences: 1, firstSeenAt: finding.observedAt, groupedSinceLastAlert: 0, ...group } };
}

/**
 * The alert state in memory, with the DynamoDB store's rules: a finding is claimed once, the
 * group only at the version read, `markTold` moves the version. For unit tests of the pipeline;
 * the DynamoDB store itself is tested against the local AWS.
 */
export class MemoryAlertState implements AlertStateStore {
  readonly findings = new Map<string, FindingState>();
  readonly groups = new Map<string, GroupState>();
  /** Flood groups and page caps, by key. */
  readonly flood = new Map<string, { version: number }>();

  async getFinding(findingId: string): Promise<FindingState | undefined> {
    return structuredClone(this.findings.get(findingId));
  }

  async getGroup(dedupKey: string): Promise<GroupState | undefined> {
    return structuredClone(this.groups.get(dedupKey));
  }

  async getFindingAndGroup(findingId: string, dedupKey: string, flood?: FloodKeys): Promise<ClaimContext> {
    const context: ClaimContext = { finding: await this.getFinding(findingId), group: await this.getGroup(dedupKey) };
    if (flood) {
      context.flood = structuredClone(this.flood.get(flood.flood)) as ClaimContext['flood'];
      context.cap = structuredClone(this.flood.get(flood.cap)) as ClaimContext['cap'];
    }
    return context;
  }

  async claim(finding: FindingState, group: { next?: GroupState; expectedVersion?: number }, writes: FloodWrites = {}): Promise<ClaimResult> {
    if (this.findings.has(finding.findingId)) return 'finding-exists';
    if (this.groups.get(finding.dedupKey)?.version !== group.expectedVersion) return 'group-changed';
    const floodWrites = [writes.flood, writes.cap].filter((w) => w !== undefined);
    if (floodWrites.some((w) => this.flood.get(w.key)?.version !== w.expectedVersion)) return 'group-changed';
    this.findings.set(finding.findingId, structuredClone(finding));
    if (group.next) this.groups.set(finding.dedupKey, structuredClone(group.next));
    for (const w of floodWrites) this.flood.set(w.key, structuredClone(w.next));
    return 'claimed';
  }

  async recordDelivery(findingId: string, channel: ChannelName, record: DeliveryRecord): Promise<void> {
    const state = this.findings.get(findingId);
    if (!state) throw new Error(`no finding ${findingId}`);
    state.deliveries[channel] = { ...record };
  }

  async markTold(dedupKey: string, channels: ChannelName[], episode: number): Promise<void> {
    const group = this.groups.get(dedupKey);
    if (!group || channels.length === 0) return;
    for (const channel of channels) group.told[channel] = episode;
    group.version += 1;
  }

  async markDeadLettered(findingId: string, at: string | undefined): Promise<void> {
    const state = this.findings.get(findingId);
    if (!state) return;
    if (at === undefined) delete state.deadLetteredAt;
    else state.deadLetteredAt = at;
  }
}
