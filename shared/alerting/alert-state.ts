import type { ChannelName, GroupSummary } from './channel';
import type { FloodDecision, FloodGroupState, FloodKeys, FloodMark, PageCapState } from './flood-control';

/**
 * What the alert function remembers (in DynamoDB; `shared/aws/dynamodb-alert-state.ts`):
 * - one *group* per dedup key: is the problem open, since when, how often it was seen in the
 *   current window and overall, and which channels were told about it;
 * - one *finding state* per finding id: whether this occurrence is the one that sends or was
 *   grouped, and each channel's delivery, so a retry resends only the channels that failed and
 *   a redelivered message never counts twice;
 * - for flood control (flood-control.ts), one *flood group* per principal and rule, and one
 *   *page cap* per principal, written in the same transaction as the claim.
 */

/** One problem (one dedup key) across its occurrences. */
export interface GroupState {
  dedupKey: string;
  status: 'open' | 'resolved';
  /** Counts openings: resolving and opening again starts a new episode. */
  episode: number;
  episodeStartedAt: string;
  /** The `observedAt` of the finding that opened the episode, and of the one that resolved it. */
  openedObservedAt: string;
  resolvedObservedAt?: string;
  /** Occurrences since the episode opened. */
  episodeCount: number;
  /** The dedup window: repeats inside it are counted, not sent. */
  windowStartedAt: string;
  windowCount: number;
  lastSeenAt: string;
  /** For each channel, the last episode it was told about (a resolve goes to those of this episode). */
  told: Partial<Record<ChannelName, number>>;
  /** Optimistic lock: every write expects the version it read. */
  version: number;
}

/**
 * What an occurrence does: `send`, or not: `grouped` (a repeat inside the window), `stale`
 * (observed before the group's last change the other way), `nothing-to-resolve` (a resolve with
 * no open problem, or one no channel was told about), `unrouted` (its route names no channel).
 */
export type FindingRole = 'send' | 'grouped' | 'stale' | 'nothing-to-resolve' | 'unrouted';

/** One channel's delivery of one finding. */
export interface DeliveryRecord {
  /** `failed` may be retried; `rejected` was refused for good (a 400); `skipped` was not tried. */
  outcome: 'sent' | 'failed' | 'rejected' | 'skipped';
  at: string;
  /** The queue's receive count when it happened. */
  attempt: number;
  reason?: string;
}

/** One occurrence. */
export interface FindingState {
  findingId: string;
  dedupKey: string;
  status: 'open' | 'resolved';
  role: FindingRole;
  episode: number;
  /** The channels it goes to, fixed when it was claimed, so a retry does not follow a config change halfway. */
  channels: ChannelName[];
  /** The group's numbers when it was claimed, so every channel (and every retry) says the same. */
  summary: GroupSummary;
  deliveries: Partial<Record<ChannelName, DeliveryRecord>>;
  claimedAt: string;
  /** Set when it went to the dead-letter queue; a redrive from there retries what was not sent. */
  deadLetteredAt?: string;
  /** What flood control made of it, fixed at the claim like `channels`. */
  flood?: FloodMark;
}

/** What a claim starts from. */
export interface ClaimContext {
  finding?: FindingState;
  group?: GroupState;
  flood?: FloodGroupState;
  cap?: PageCapState;
}

/** The flood-control writes that go with a claim. */
export type FloodWrites = Partial<Pick<FloodDecision, 'flood' | 'cap'>>;

/** The result of {@link AlertStateStore.claim}. */
export type ClaimResult = 'claimed' | 'finding-exists' | 'group-changed';

/** The alert function's state. */
export interface AlertStateStore {
  getFinding(findingId: string): Promise<FindingState | undefined>;
  getGroup(dedupKey: string): Promise<GroupState | undefined>;
  /** All at once (one round trip): what a claim starts from; the flood group and cap only when `flood` names them. */
  getFindingAndGroup(findingId: string, dedupKey: string, flood?: FloodKeys): Promise<ClaimContext>;
  /**
   * In one atomic step: records the finding state (only if there is none for its id) and, when
   * `next` is given, writes the group; either way only if the group is still at
   * `expectedVersion` (undefined: there must be no group yet). The flood group and the cap in
   * `writes` are written in the same step, each only at the version it was read at;
   * `group-changed` when any of them moved.
   */
  claim(finding: FindingState, group: { next?: GroupState; expectedVersion?: number }, writes?: FloodWrites): Promise<ClaimResult>;
  /** Records one channel's delivery of a finding. */
  recordDelivery(findingId: string, channel: ChannelName, record: DeliveryRecord): Promise<void>;
  /** Notes that these channels were told about the group's episode (idempotent). */
  markTold(dedupKey: string, channels: ChannelName[], episode: number): Promise<void>;
  /** Notes that the finding went to the dead-letter queue (`at`), or clears it (undefined) on a redrive. */
  markDeadLettered(findingId: string, at: string | undefined): Promise<void>;
}
